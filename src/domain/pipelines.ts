/**
 * PipelineService: the one place the rules of pipelines live — creating and releasing
 * MediaPipelines and their elements, connecting them (same pipeline only; a sink takes one
 * source per media type, a new connect replacing the old as in Kurento), and negotiating
 * WebRtcEndpoints. It writes intent to SQLite first, then commands the media worker that owns
 * the pipeline, and undoes the row when the worker refuses. Every adapter goes through here.
 */
import { randomUUID } from "node:crypto";
import type { MediaSupervisor } from "../media/supervisor.ts";
import type { IceCandidateInit, KurentoMediaType, NegotiationPlan } from "../media/protocol.ts";
import { WorkerError } from "../media/worker-error.ts";
import type { ElementRow, MediaTypeName, PipelineRow, PipelineStore } from "../store/pipelines.ts";
import { PipewrightError, type ErrorCode } from "./errors.ts";
import type { DomainEventBus } from "./events.ts";

const MEDIA_TYPES: readonly MediaTypeName[] = ["AUDIO", "VIDEO", "DATA"];

const WORKER_ERROR_CODES: Record<WorkerError["code"], ErrorCode> = {
  NOT_FOUND: "NOT_FOUND",
  SDP_PARSE_ERROR: "SDP_PARSE_ERROR",
  UNSUPPORTED_MEDIA: "UNSUPPORTED_MEDIA",
  INVALID_STATE: "INVALID_STATE",
  ICE_ADD_CANDIDATE_ERROR: "ICE_ADD_CANDIDATE_ERROR",
  INTERNAL: "INTERNAL",
  UNAVAILABLE: "MEDIA_UNAVAILABLE",
};

/** A worker's refusal as a domain error; anything else passes through unchanged. */
export function fromWorkerError(error: unknown): unknown {
  if (error instanceof WorkerError) return new PipewrightError(WORKER_ERROR_CODES[error.code], error.message);
  return error;
}

export class PipelineService {
  readonly #store: PipelineStore;
  readonly #media: MediaSupervisor;
  readonly #events: DomainEventBus;

  constructor(store: PipelineStore, media: MediaSupervisor, events: DomainEventBus) {
    this.#store = store;
    this.#media = media;
    this.#events = events;
  }

  createPipeline(input: { origin: PipelineRow["origin"]; name?: string | null }): PipelineRow {
    const row = this.#store.insertPipeline({ id: randomUUID(), origin: input.origin, name: input.name ?? null });
    this.#events.emit("pipeline.created", { pipelineId: row.id, origin: row.origin, name: row.name });
    return row;
  }

  getPipeline(id: string): PipelineRow {
    const row = this.#store.getPipeline(id);
    if (!row) throw new PipewrightError("NOT_FOUND", `no MediaPipeline ${id}`);
    return row;
  }

  getElement(id: string): ElementRow {
    const row = this.#store.getElement(id);
    if (!row) throw new PipewrightError("NOT_FOUND", `no MediaElement ${id}`);
    return row;
  }

  /** Releases the pipeline, its elements and their media. Idempotent. */
  async releasePipeline(id: string): Promise<void> {
    if (!this.#store.getPipeline(id)) return;
    this.#store.deletePipeline(id);
    if (this.#media.isPlaced(id)) await this.#media.request(id, "pipeline.release", { pipelineId: id }).catch(() => {});
    this.#media.forget(id);
    this.#events.emit("pipeline.released", { pipelineId: id });
  }

  /** Drops the rows of a pipeline whose media is already gone (its worker died). */
  forgetPipeline(id: string): void {
    this.#store.deletePipeline(id);
    this.#media.forget(id);
    this.#events.emit("pipeline.released", { pipelineId: id });
  }

  async createWebRtcEndpoint(pipelineId: string, properties: Record<string, unknown> = {}): Promise<ElementRow> {
    this.getPipeline(pipelineId);
    const row = this.#store.insertElement({ id: randomUUID(), pipelineId, type: "WebRtcEndpoint", properties });
    try {
      await this.#media.request(pipelineId, "webrtc.create", { pipelineId, elementId: row.id });
    } catch (error) {
      this.#store.deleteElement(row.id);
      throw fromWorkerError(error);
    }
    this.#events.emit("element.created", { pipelineId, elementId: row.id, type: row.type });
    return row;
  }

  async processOffer(elementId: string, offer: string, plan: NegotiationPlan): Promise<string> {
    const element = this.getElement(elementId);
    try {
      const { answer } = await this.#media.request(element.pipelineId, "webrtc.processOffer", { elementId, offer, plan });
      return answer;
    } catch (error) {
      throw fromWorkerError(error);
    }
  }

  async addIceCandidates(elementId: string, candidates: IceCandidateInit[]): Promise<void> {
    const element = this.getElement(elementId);
    try {
      await this.#media.request(element.pipelineId, "webrtc.addIceCandidates", { elementId, candidates });
    } catch (error) {
      throw fromWorkerError(error);
    }
  }

  /** `source.connect(sink, mediaType)`; replaces whatever fed the sink for those media types. */
  async connect(sourceId: string, sinkId: string, mediaType: MediaTypeName | null = null): Promise<void> {
    const source = this.getElement(sourceId);
    const sink = this.getElement(sinkId);
    if (source.pipelineId !== sink.pipelineId) {
      throw new PipewrightError("CONNECT_ERROR", `${sourceId} and ${sinkId} belong to different pipelines`);
    }
    this.#store.transaction(() => {
      for (const old of this.#store.connectionsIntoSink(sinkId, mediaType)) {
        this.#store.deleteConnection(old.id);
        if (old.mediaType === null && mediaType !== null) {
          // An all-media connection loses only the type the new one takes over.
          for (const kept of MEDIA_TYPES.filter((type) => type !== mediaType)) {
            this.#store.insertConnection({ pipelineId: old.pipelineId, sourceId: old.sourceId, sinkId, mediaType: kept });
          }
        }
      }
      this.#store.insertConnection({ pipelineId: sink.pipelineId, sourceId, sinkId, mediaType });
    });
    try {
      await this.#media.request(sink.pipelineId, "element.connect", { sourceId, sinkId, mediaType: (mediaType ?? undefined) as KurentoMediaType | undefined });
    } catch (error) {
      throw fromWorkerError(error);
    }
    this.#events.emit("element.connected", { pipelineId: sink.pipelineId, sourceId, sinkId, mediaType });
  }

  updateProperties(elementId: string, patch: Record<string, unknown>): void {
    this.#store.updateElementProperties(elementId, patch);
  }

  listElements(pipelineId: string): ElementRow[] {
    return this.#store.listElements(pipelineId);
  }

  /** Releases an element and its connections. Idempotent. */
  async releaseElement(elementId: string): Promise<void> {
    const element = this.#store.getElement(elementId);
    if (!element) return;
    this.#store.deleteElement(elementId);
    if (this.#media.isPlaced(element.pipelineId)) {
      await this.#media.request(element.pipelineId, "element.release", { elementId }).catch(() => {});
    }
    this.#events.emit("element.released", { pipelineId: element.pipelineId, elementId });
  }
}
