/**
 * Everything a media worker process does, behind one `handle(message)` entry: it owns the
 * worker's media elements, runs each IPC command against them and answers with a result or a
 * WorkerError code, and forwards element events to the control plane. Kept apart from the
 * process entry (worker.ts) so tests can run a worker in-process.
 */
import type { Logger } from "pino";
import { MediaElement } from "./elements/media-element.ts";
import { WebRtcEndpoint } from "./elements/webrtc-endpoint.ts";
import type { Commands, CommandName, ControlMessage, EventName, Events, WorkerMessage, WorkerSettings } from "./protocol.ts";
import { WorkerError } from "./worker-error.ts";

type Handlers = { [K in CommandName]: (params: Commands[K]["params"]) => Promise<Commands[K]["result"]> | Commands[K]["result"] };

export class WorkerRuntime {
  readonly #send: (message: WorkerMessage) => void;
  readonly #log: Logger;
  readonly #elements = new Map<string, MediaElement>();
  #settings: WorkerSettings | undefined;

  constructor(send: (message: WorkerMessage) => void, log: Logger) {
    this.#send = send;
    this.#log = log;
  }

  get elementCount(): number {
    return this.#elements.size;
  }

  async handle(message: ControlMessage): Promise<void> {
    if (message?.kind !== "request") return;
    const handler = this.#handlers[message.method] as ((params: unknown) => unknown) | undefined;
    try {
      if (!handler) throw new WorkerError("INTERNAL", `unknown command ${String(message.method)}`);
      const result = await handler(message.params);
      this.#send({ kind: "response", id: message.id, result });
    } catch (error) {
      const known = error instanceof WorkerError;
      if (!known) this.#log.error({ err: error, method: message.method }, "command failed");
      this.#send({
        kind: "response",
        id: message.id,
        error: { code: known ? error.code : "INTERNAL", message: (error as Error)?.message ?? String(error) },
      });
    }
  }

  emit<E extends EventName>(name: E, data: Events[E]): void {
    this.#send({ kind: "event", name, data });
  }

  /** Releases every element (shutdown). */
  async releaseAll(): Promise<void> {
    const elements = [...this.#elements.values()];
    this.#elements.clear();
    await Promise.all(elements.map((element) => element.release()));
  }

  #element(elementId: string): MediaElement {
    const element = this.#elements.get(elementId);
    if (!element) throw new WorkerError("NOT_FOUND", `no element ${elementId} on this worker`);
    return element;
  }

  #webrtc(elementId: string): WebRtcEndpoint {
    const element = this.#element(elementId);
    if (!(element instanceof WebRtcEndpoint)) throw new WorkerError("INVALID_STATE", `${elementId} is not a WebRtcEndpoint`);
    return element;
  }

  #requireSettings(): WorkerSettings {
    if (!this.#settings) throw new WorkerError("INVALID_STATE", "worker not configured");
    return this.#settings;
  }

  readonly #handlers: Handlers = {
    "worker.configure": (settings) => {
      this.#settings = settings;
      this.#log.level = settings.logLevel;
    },
    "worker.ping": () => ({
      pid: process.pid,
      rss: process.memoryUsage.rss(),
      endpoints: this.#elements.size,
      udpSockets: process.getActiveResourcesInfo().filter((resource) => resource === "UDPWrap").length,
    }),
    "webrtc.create": ({ pipelineId, elementId }) => {
      if (this.#elements.has(elementId)) throw new WorkerError("INVALID_STATE", `element ${elementId} exists`);
      const endpoint = new WebRtcEndpoint(pipelineId, elementId, this.#requireSettings(), {
        state: (state, reason) => this.emit("webrtc.state", { elementId, state, reason }),
        videoProfile: (profileLevelId) => this.emit("media.info", { elementId, kind: "video", profileLevelId }),
      });
      this.#elements.set(elementId, endpoint);
    },
    "webrtc.processOffer": async ({ elementId, offer, plan }) => ({ answer: await this.#webrtc(elementId).processOffer(offer, plan) }),
    "webrtc.addIceCandidates": ({ elementId, candidates }) => this.#webrtc(elementId).addIceCandidates(candidates),
    "element.connect": ({ sourceId, sinkId, mediaType }) => this.#element(sinkId).connectFrom(this.#element(sourceId), mediaType),
    "element.disconnect": ({ sourceId, sinkId, mediaType }) => {
      const source = this.#elements.get(sourceId);
      const sink = this.#elements.get(sinkId);
      if (source && sink) sink.disconnectFrom(source, mediaType);
    },
    "element.requestKeyframe": ({ elementId }) => this.#element(elementId).outputs.video.requestKeyframe(),
    "element.stats": ({ elementId }) => this.#webrtc(elementId).stats(),
    "element.release": async ({ elementId }) => {
      const element = this.#elements.get(elementId);
      this.#elements.delete(elementId);
      await element?.release();
    },
    "pipeline.release": async ({ pipelineId }) => {
      const elements = [...this.#elements.values()].filter((element) => element.pipelineId === pipelineId);
      for (const element of elements) this.#elements.delete(element.elementId);
      await Promise.all(elements.map((element) => element.release()));
    },
  };
}
