/**
 * What media workers report, turned into domain state and events: connection and ICE state,
 * local ICE candidates (Kurento's IceCandidateFound / IceGatheringDone) and gathering errors
 * (a TURN server that gave no relay candidate), media flow per direction and type
 * (MediaFlowIn/OutStateChanged), facts read from the media such as a publisher's real H.264
 * profile, and the UriEndpoints' reports: state changes, a recording's start and end
 * (Recording, Paused, Stopped — a recording is settled even when its element is already gone),
 * a player's EndOfStream, and media errors (Kurento's Error event). WHIP/WHEP sessions follow
 * their endpoint's connection state.
 */
import type { Logger } from "pino";
import type { EventName, Events, WorkerErrorCode } from "../media/protocol.ts";
import type { PipelineStore } from "../store/pipelines.ts";
import { ERROR_TABLE, type ErrorCode } from "./errors.ts";
import type { DomainEventBus, MediaTypeName } from "./events.ts";
import { WORKER_ERROR_CODES } from "./pipeline-media.ts";
import type { RecordingService } from "./recordings.ts";
import type { StreamService } from "./streams.ts";

/** werift's ICE connection state as Kurento's IceComponentState. */
const ICE_COMPONENT_STATES: Record<string, string> = {
  new: "GATHERING",
  checking: "CONNECTING",
  connected: "CONNECTED",
  completed: "READY",
  disconnected: "DISCONNECTED",
  failed: "FAILED",
  closed: "DISCONNECTED",
};

export function iceComponentState(iceState: string): string {
  return ICE_COMPONENT_STATES[iceState] ?? "DISCONNECTED";
}

/** The domain error of a media error's worker code: what a UriEndpoint's media cannot find is its URI's file. */
function mediaErrorCode(code: WorkerErrorCode): ErrorCode {
  return code === "NOT_FOUND" ? "URI_PATH_FILE_NOT_FOUND" : WORKER_ERROR_CODES[code];
}

export class MediaEventRouter {
  readonly #store: PipelineStore;
  readonly #streams: StreamService;
  readonly #events: DomainEventBus;
  readonly #log: Logger;
  readonly #recordings: RecordingService | undefined;
  /** Kurento's ConnectionState per endpoint (DISCONNECTED until its first connection). */
  readonly #connected = new Set<string>();
  /** Kurento's MediaState per endpoint: connected and media has flowed. */
  readonly #mediaConnected = new Set<string>();

  constructor(deps: { store: PipelineStore; streams: StreamService; events: DomainEventBus; log: Logger; recordings?: RecordingService }) {
    this.#recordings = deps.recordings;
    this.#store = deps.store;
    this.#streams = deps.streams;
    this.#events = deps.events;
    this.#log = deps.log;
  }

  /** Entry point for the supervisor's `event` stream. */
  handle(name: EventName, data: Events[EventName]): void {
    this.#dispatch(name, data).catch((error) => this.#log.error({ err: error, event: name }, "media event handling failed"));
  }

  async #dispatch(name: EventName, data: Events[EventName]): Promise<void> {
    if (name === "recording.finished") return this.#recordings?.onFinished(data as Events["recording.finished"]);
    const element = this.#store.getElement((data as { elementId: string }).elementId);
    if (!element) return;
    const scope = { pipelineId: element.pipelineId, objectId: element.id };
    switch (name) {
      case "webrtc.state": {
        const { state, reason } = data as Events["webrtc.state"];
        this.#connectionState(element.id, scope, state === "connected");
        if (state === "failed") this.#events.publish("element.error", scope, { errorType: "CONNECTION_FAILED", description: reason ?? "connection failed" });
        await this.#streams.onEndpointState(element.id, state, reason);
        return;
      }
      case "webrtc.iceState": {
        const { state } = data as Events["webrtc.iceState"];
        this.#store.updateElementProperties(element.id, { IceConnectionState: [{ streamId: "1", componentId: 1, state: iceComponentState(state) }] });
        this.#events.publish("element.iceStateChanged", scope, { state });
        return;
      }
      case "webrtc.candidate": {
        const { candidate, sdpMid, sdpMLineIndex } = data as Events["webrtc.candidate"];
        this.#events.publish("element.iceCandidateFound", scope, { candidate, sdpMid, sdpMLineIndex });
        return;
      }
      case "webrtc.gatheringDone":
        this.#events.publish("element.iceGatheringDone", scope, {});
        return;
      case "webrtc.dtlsState": {
        const state = (data as Events["webrtc.dtlsState"]).state.toUpperCase();
        this.#store.updateElementProperties(element.id, { DtlsConnectionState: [{ streamId: "1", componentId: "1", connectionId: "1", state }] });
        this.#events.publish("element.dtlsStateChanged", scope, { state });
        return;
      }
      case "webrtc.candidatePair": {
        const { localCandidate, remoteCandidate } = data as Events["webrtc.candidatePair"];
        this.#store.updateElementProperties(element.id, { ICECandidatePairs: [{ streamId: "1", componentId: 1, localCandidate, remoteCandidate }] });
        this.#events.publish("element.candidatePairSelected", scope, { localCandidate, remoteCandidate });
        return;
      }
      case "webrtc.gatheringError": {
        // Kurento's ICE_GATHER_CANDIDATES_ERROR (40400): the endpoint still negotiates, with fewer candidates.
        const { reason } = data as Events["webrtc.gatheringError"];
        this.#log.warn({ elementId: element.id, reason }, "ICE gathering problem");
        this.#events.publish("element.error", scope, { errorType: "ICE_GATHER_CANDIDATES_ERROR", description: reason });
        return;
      }
      case "media.info": {
        const { profileLevelId } = data as Events["media.info"];
        if (profileLevelId) this.#store.updateElementProperties(element.id, { videoProfile: profileLevelId });
        return;
      }
      case "uri.state": {
        const { state } = data as Events["uri.state"];
        this.#store.updateElementProperties(element.id, { state });
        this.#events.publish("element.uriStateChanged", scope, { state });
        if (state === "PAUSE" && element.type === "RecorderEndpoint") {
          this.#events.publish("element.paused", scope, { recordingId: (element.properties.recordingId as string | undefined) ?? null });
        }
        return;
      }
      case "recording.started":
        this.#recordings?.onStarted(data as Events["recording.started"]);
        return;
      case "player.endOfStream":
        this.#events.publish("element.endOfStream", scope, {});
        return;
      case "element.error": {
        const { type, description, code } = data as Events["element.error"];
        this.#events.publish("element.error", scope, { errorType: type, description, errorCode: ERROR_TABLE[mediaErrorCode(code)].kurento });
        return;
      }
      case "media.flow": {
        const { direction, kind, flowing } = data as Events["media.flow"];
        const mediaType = kind.toUpperCase() as MediaTypeName;
        const state = flowing ? "FLOWING" : "NOT_FLOWING";
        this.#store.updateMediaFlow(element.id, direction, mediaType, state);
        this.#events.publish(direction === "in" ? "element.mediaFlowIn" : "element.mediaFlowOut", scope, { mediaType, state });
        if (flowing && this.#connected.has(element.id)) this.#mediaState(element.id, scope, true);
        return;
      }
    }
  }

  #connectionState(elementId: string, scope: { pipelineId: string; objectId: string }, connected: boolean): void {
    if (connected === this.#connected.has(elementId)) return;
    if (connected) this.#connected.add(elementId);
    else this.#connected.delete(elementId);
    const [oldState, newState] = connected ? ["DISCONNECTED", "CONNECTED"] : ["CONNECTED", "DISCONNECTED"];
    this.#store.updateElementProperties(elementId, { connectionState: newState });
    this.#events.publish("element.connectionStateChanged", scope, { oldState, newState });
    if (!connected) this.#mediaState(elementId, scope, false);
  }

  #mediaState(elementId: string, scope: { pipelineId: string; objectId: string }, connected: boolean): void {
    if (connected === this.#mediaConnected.has(elementId)) return;
    if (connected) this.#mediaConnected.add(elementId);
    else this.#mediaConnected.delete(elementId);
    const [oldState, newState] = connected ? ["DISCONNECTED", "CONNECTED"] : ["CONNECTED", "DISCONNECTED"];
    this.#store.updateElementProperties(elementId, { mediaState: newState });
    this.#events.publish("element.mediaStateChanged", scope, { oldState, newState });
  }

  /** Whether Kurento would call the endpoint CONNECTED. */
  isConnected(elementId: string): boolean {
    return this.#connected.has(elementId);
  }
}
