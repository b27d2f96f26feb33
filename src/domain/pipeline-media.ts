/**
 * The media side of stored pipelines. SQLite holds what a pipeline is; a media worker holds its
 * live media objects. When a pipeline has no worker — after a restart, or after its worker
 * died — the first command that needs its media re-creates every element, connection and hub
 * route on a worker from the rows ("materialises" it). WebRtcEndpoints come back unnegotiated:
 * their peer is gone, so they are marked media-lost until negotiated again.
 */
import type { Commands, CommandName, KurentoMediaType, PlayerSource, RecorderSetup, WorkerElementType } from "../media/protocol.ts";
import type { MediaSupervisor } from "../media/supervisor.ts";
import { WorkerError } from "../media/worker-error.ts";
import type { ElementRow, PipelineStore } from "../store/pipelines.ts";
import { type ErrorCode, PipewrightError } from "./errors.ts";

/** A worker's error codes as the domain's. */
export const WORKER_ERROR_CODES: Record<WorkerError["code"], ErrorCode> = {
  NOT_FOUND: "NOT_FOUND",
  SDP_PARSE_ERROR: "SDP_PARSE_ERROR",
  UNSUPPORTED_MEDIA: "UNSUPPORTED_MEDIA",
  INVALID_STATE: "INVALID_STATE",
  ICE_ADD_CANDIDATE_ERROR: "ICE_ADD_CANDIDATE_ERROR",
  FORBIDDEN: "FORBIDDEN",
  INTERNAL: "INTERNAL",
  UNAVAILABLE: "MEDIA_UNAVAILABLE",
};

/** A worker's refusal as a domain error; anything else passes through unchanged. */
export function fromWorkerError(error: unknown): unknown {
  if (error instanceof WorkerError) return new PipewrightError(WORKER_ERROR_CODES[error.code], error.message);
  return error;
}

/** Hubs first: ports need their hub to exist in the worker. */
function creationOrder(elements: ElementRow[]): ElementRow[] {
  const rank = (row: ElementRow) => (row.type === "Dispatcher" || row.type === "DispatcherOneToMany" ? 0 : row.type === "HubPort" ? 2 : 1);
  return [...elements].sort((a, b) => rank(a) - rank(b));
}

export class PipelineMedia {
  readonly #store: PipelineStore;
  readonly #media: MediaSupervisor;
  readonly #materialising = new Map<string, Promise<void>>();

  constructor(store: PipelineStore, media: MediaSupervisor) {
    this.#store = store;
    this.#media = media;
  }

  /** Sends a command to the worker holding `pipelineId`, materialising the pipeline first. */
  async request<K extends CommandName>(pipelineId: string, method: K, params: Commands[K]["params"]): Promise<Commands[K]["result"]> {
    try {
      await this.ensure(pipelineId);
      return await this.#media.request(pipelineId, method, params);
    } catch (error) {
      throw fromWorkerError(error);
    }
  }

  /** Best effort: commands whose failure changes nothing (releases on a pipeline without media). */
  async requestIfLive<K extends CommandName>(pipelineId: string, method: K, params: Commands[K]["params"]): Promise<void> {
    if (!this.#media.isPlaced(pipelineId)) return;
    await this.#media.request(pipelineId, method, params).catch(() => {});
  }

  isLive(pipelineId: string): boolean {
    return this.#media.isPlaced(pipelineId);
  }

  forget(pipelineId: string): void {
    this.#media.forget(pipelineId);
  }

  /** Makes sure the pipeline's media objects exist on a worker. */
  ensure(pipelineId: string): Promise<void> {
    if (this.#media.isPlaced(pipelineId)) return Promise.resolve();
    let pending = this.#materialising.get(pipelineId);
    if (!pending) {
      pending = this.#materialise(pipelineId).finally(() => this.#materialising.delete(pipelineId));
      this.#materialising.set(pipelineId, pending);
    }
    return pending;
  }

  async #materialise(pipelineId: string): Promise<void> {
    this.#media.place(pipelineId);
    const elements = creationOrder(this.#store.listElements(pipelineId));
    try {
      for (const element of elements) await this.#media.request(pipelineId, "element.create", createParams(element));
      for (const element of elements) await this.#restoreRouting(element);
      for (const connection of this.#store.listConnections(pipelineId)) {
        await this.#media.request(pipelineId, "element.connect", {
          sourceId: connection.sourceId,
          sinkId: connection.sinkId,
          mediaType: (connection.mediaType ?? undefined) as KurentoMediaType | undefined,
        });
      }
    } catch (error) {
      await this.#media.request(pipelineId, "pipeline.release", { pipelineId }).catch(() => {});
      this.#media.forget(pipelineId);
      throw error;
    }
  }

  /** Hub routes and per-endpoint settings kept in element properties. */
  async #restoreRouting(element: ElementRow): Promise<void> {
    const properties = element.properties as { routes?: Array<{ source: string; sink: string }>; source?: string | null; maxVideoRecvBandwidth?: number };
    if (element.type === "Dispatcher") {
      for (const route of properties.routes ?? []) await this.#media.request(element.pipelineId, "hub.connect", { hubId: element.id, sourcePortId: route.source, sinkPortId: route.sink });
    } else if (element.type === "DispatcherOneToMany" && properties.source) {
      await this.#media.request(element.pipelineId, "hub.setSource", { hubId: element.id, portId: properties.source });
    } else if (element.type === "WebRtcEndpoint" && properties.maxVideoRecvBandwidth) {
      await this.#media.request(element.pipelineId, "webrtc.configure", { elementId: element.id, maxIncomingBitrate: properties.maxVideoRecvBandwidth * 1000 });
    }
  }
}

/** What the worker needs to create the element: its hub, or a recorder's file or a player's source. */
export function createParams(element: ElementRow): Commands["element.create"]["params"] {
  const hub = element.type === "HubPort" ? String(element.constructorParams.hub ?? "") : undefined;
  const setup = (element.properties as { mediaSetup?: { recorder?: RecorderSetup; player?: PlayerSource } }).mediaSetup;
  return {
    pipelineId: element.pipelineId,
    elementId: element.id,
    type: element.type as WorkerElementType,
    ...(hub ? { hubId: hub } : {}),
    ...(setup?.recorder ? { recorder: setup.recorder } : {}),
    ...(setup?.player ? { player: setup.player } : {}),
  };
}
