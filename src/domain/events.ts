/**
 * The typed events of the domain: every state change an adapter or operator may care about,
 * in one envelope — type, the pipeline and object it concerns, time, and a payload typed by
 * event type. One bus per server; the event log (SQLite, SSE, webhooks) and the Kurento
 * `onEvent` notifications are all fed from it. Names follow Kurento's events where one exists
 * (MediaFlowInStateChanged → `element.mediaFlowIn`).
 */
import { EventEmitter } from "node:events";
import type { RecordingState, SessionState } from "../store/schema.ts";
import type { SessionRole } from "../store/sessions.ts";

export type MediaTypeName = "AUDIO" | "VIDEO" | "DATA";
export type FlowState = "FLOWING" | "NOT_FLOWING";

export interface EventPayloads {
  "pipeline.created": { origin: string; name: string | null };
  "pipeline.released": Record<string, never>;
  "element.created": { type: string };
  "element.released": { type: string };
  "element.connected": { source: string; sink: string; mediaType: MediaTypeName | null };
  "element.disconnected": { source: string; sink: string; mediaType: MediaTypeName | null };
  /** The element's media objects died with their worker; a WebRtcEndpoint must renegotiate. */
  "element.mediaLost": { type: string; reason: string };
  "element.mediaFlowIn": { mediaType: MediaTypeName; state: FlowState };
  "element.mediaFlowOut": { mediaType: MediaTypeName; state: FlowState };
  /** ICE and DTLS state of a WebRtcEndpoint, and Kurento's derived connection state. */
  "element.iceStateChanged": { state: string };
  "element.connectionStateChanged": { oldState: string; newState: string };
  /** Kurento's MediaState: CONNECTED once a connected endpoint's media flows, DISCONNECTED when its connection ends. */
  "element.mediaStateChanged": { oldState: string; newState: string };
  /** DTLS state of a WebRtcEndpoint, as Kurento's DtlsConnectionState (NEW, CONNECTING, CONNECTED, CLOSED, FAILED). */
  "element.dtlsStateChanged": { state: string };
  /** ICE chose the pair media travels on (Kurento's NewCandidatePairSelected). */
  "element.candidatePairSelected": { localCandidate: string; remoteCandidate: string };
  "element.iceCandidateFound": { candidate: string; sdpMid: string; sdpMLineIndex: number };
  "element.iceGatheringDone": Record<string, never>;
  /** Kurento's Error: `errorType` is its `type` (e.g. RESOURCE_ERROR_OPEN), `errorCode` its numeric code. */
  "element.error": { errorType: string; description: string; errorCode?: number };
  /** Kurento UriEndpointStateChanged of a RecorderEndpoint or PlayerEndpoint. */
  "element.uriStateChanged": { state: "STOP" | "START" | "PAUSE" };
  /** Kurento Recording: the recorder wrote its first frame. */
  "element.recording": { recordingId: string };
  /** Kurento Paused: the recorder paused. */
  "element.paused": { recordingId: string | null };
  /** Kurento Stopped: the recorder stopped and its file is finished (or failed). */
  "element.stopped": { recordingId: string };
  /** Kurento EndOfStream: a PlayerEndpoint reached the end of its file. */
  "element.endOfStream": Record<string, never>;
  /** A recording resource changed state (recording → finished, repaired or failed). */
  "recording.state": { recordingId: string; state: RecordingState; file: string; stream: string | null; durationMs?: number; size?: number; error?: string };
  "recording.deleted": { recordingId: string; file: string };
  "session.state": { sessionId: string; stream: string; role: SessionRole; state: SessionState; reason?: string };
  "worker.died": { slot: number; pid: number | undefined; reason: string; pipelineIds: string[] };
  "worker.started": { slot: number; pid: number | undefined };
}

export type EventType = keyof EventPayloads;
export const EVENT_TYPES = [
  "pipeline.created",
  "pipeline.released",
  "element.created",
  "element.released",
  "element.connected",
  "element.disconnected",
  "element.mediaLost",
  "element.mediaFlowIn",
  "element.mediaFlowOut",
  "element.iceStateChanged",
  "element.connectionStateChanged",
  "element.mediaStateChanged",
  "element.candidatePairSelected",
  "element.dtlsStateChanged",
  "element.iceCandidateFound",
  "element.iceGatheringDone",
  "element.error",
  "element.uriStateChanged",
  "element.recording",
  "element.paused",
  "element.stopped",
  "element.endOfStream",
  "recording.state",
  "recording.deleted",
  "session.state",
  "worker.died",
  "worker.started",
] as const satisfies readonly EventType[];

export interface DomainEvent<T extends EventType = EventType> {
  type: T;
  pipelineId: string | null;
  /** The pipeline, element or session the event is about. */
  objectId: string | null;
  /** Milliseconds since the epoch. */
  at: number;
  data: EventPayloads[T];
}

export interface EventScope {
  pipelineId?: string | null;
  objectId?: string | null;
}

export class DomainEventBus extends EventEmitter<{ event: [DomainEvent] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }

  publish<T extends EventType>(type: T, scope: EventScope, data: EventPayloads[T]): DomainEvent<T> {
    const event: DomainEvent<T> = { type, pipelineId: scope.pipelineId ?? null, objectId: scope.objectId ?? null, at: Date.now(), data };
    this.emit("event", event as DomainEvent);
    return event;
  }

  /**
   * The next event of `type` that passes `filter`. When `signal` aborts first (e.g.
   * `AbortSignal.timeout(ms)`), stops listening and rejects with the signal's reason.
   */
  next<T extends EventType>(type: T, filter: (event: DomainEvent<T>) => boolean = () => true, signal?: AbortSignal): Promise<DomainEvent<T>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const listener = (event: DomainEvent) => {
        if (event.type !== type || !filter(event as DomainEvent<T>)) return;
        stop();
        resolve(event as DomainEvent<T>);
      };
      const aborted = () => {
        stop();
        reject(signal!.reason);
      };
      const stop = () => {
        this.off("event", listener);
        signal?.removeEventListener("abort", aborted);
      };
      this.on("event", listener);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }
}
