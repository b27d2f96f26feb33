/**
 * Everything a media worker process does, behind one `handle(message)` entry: it owns the
 * worker's media elements and hubs, runs each IPC command against them and answers with a
 * result or a WorkerError code, forwards element events to the control plane, and watches
 * media flow (Kurento's MediaFlowIn/Out) once a second. Kept apart from the process entry
 * (worker.ts) so tests can run a worker in-process.
 */
import type { Logger } from "pino";
import { Hub, HubPort } from "./elements/hub.ts";
import { MediaElement } from "./elements/media-element.ts";
import { PassThrough } from "./elements/pass-through.ts";
import { PlayerEndpoint } from "./elements/player-endpoint.ts";
import { RecorderEndpoint } from "./elements/recorder-endpoint.ts";
import type { UriEndpointEvents } from "./elements/uri-endpoint.ts";
import { WebRtcEndpoint } from "./elements/webrtc-endpoint.ts";
import { FlowMonitor } from "./flow-monitor.ts";
import type { Commands, CommandName, ControlMessage, EventName, Events, PlayerSource, RecorderSetup, WorkerMessage, WorkerSettings } from "./protocol.ts";
import { finishRecordingFile } from "./recording/finish-file.ts";
import { isRecordingProfile, profileSpec } from "./recording/profiles.ts";
import { iceSelfTest } from "./webrtc/ice-self-test.ts";
import { TurnHealth } from "./webrtc/turn-health.ts";
import { WorkerError } from "./worker-error.ts";

type Handlers = { [K in CommandName]: (params: Commands[K]["params"]) => Promise<Commands[K]["result"]> | Commands[K]["result"] };
type WorkerObject = MediaElement | Hub;

export class WorkerRuntime {
  readonly #send: (message: WorkerMessage) => void;
  readonly #log: Logger;
  readonly #objects = new Map<string, WorkerObject>();
  readonly #flow: FlowMonitor;
  readonly #turnHealth = new TurnHealth();
  #settings: WorkerSettings | undefined;

  constructor(send: (message: WorkerMessage) => void, log: Logger) {
    this.#send = send;
    this.#log = log;
    this.#flow = new FlowMonitor(() => this.#mediaElements(), (elementId, direction, kind, flowing) => this.emit("media.flow", { elementId, direction, kind, flowing }));
  }

  get elementCount(): number {
    return this.#objects.size;
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
    this.#flow.stop();
    const objects = [...this.#objects.values()];
    this.#objects.clear();
    await Promise.all(objects.map((object) => object.release()));
  }

  *#mediaElements(): Iterable<MediaElement> {
    for (const object of this.#objects.values()) if (object instanceof MediaElement) yield object;
  }

  #get<T extends WorkerObject>(id: string, type: abstract new (...args: never[]) => T, label: string): T {
    const object = this.#objects.get(id);
    if (!object) throw new WorkerError("NOT_FOUND", `no element ${id} on this worker`);
    if (!(object instanceof type)) throw new WorkerError("INVALID_STATE", `${id} is not a ${label}`);
    return object;
  }

  #element(id: string): MediaElement {
    return this.#get(id, MediaElement, "media element");
  }

  #webrtc(id: string): WebRtcEndpoint {
    return this.#get(id, WebRtcEndpoint, "WebRtcEndpoint");
  }

  #hub(id: string): Hub {
    return this.#get(id, Hub, "hub");
  }

  #port(id: string): HubPort {
    return this.#get(id, HubPort, "HubPort");
  }

  #recorder(id: string): RecorderEndpoint {
    return this.#get(id, RecorderEndpoint, "RecorderEndpoint");
  }

  #player(id: string): PlayerEndpoint {
    return this.#get(id, PlayerEndpoint, "PlayerEndpoint");
  }

  #settingsOrThrow(): WorkerSettings {
    if (!this.#settings) throw new WorkerError("INVALID_STATE", "worker not configured");
    return this.#settings;
  }

  /** What every RecorderEndpoint and PlayerEndpoint reports. */
  #uriEvents(elementId: string): UriEndpointEvents {
    return {
      state: (state) => this.emit("uri.state", { elementId, state }),
      error: (type, description, code) => this.emit("element.error", { elementId, type, description, code }),
    };
  }

  #newRecorder(pipelineId: string, elementId: string, settings: WorkerSettings, setup: RecorderSetup | undefined): RecorderEndpoint {
    if (!setup || !isRecordingProfile(setup.profile)) throw new WorkerError("INVALID_STATE", "a RecorderEndpoint needs its file and media profile");
    return new RecorderEndpoint(pipelineId, elementId, settings, setup, {
      ...this.#uriEvents(elementId),
      started: (recordingId, codecs) => this.emit("recording.started", { elementId, recordingId, codecs }),
      finished: (recordingId, result, error) => this.emit("recording.finished", { elementId, recordingId, ...(result ? { result } : {}), ...(error ? { error } : {}) }),
    });
  }

  async #newPlayer(pipelineId: string, elementId: string, settings: WorkerSettings, source: PlayerSource | undefined): Promise<PlayerEndpoint> {
    if (!source) throw new WorkerError("INVALID_STATE", "a PlayerEndpoint needs its source");
    const player = new PlayerEndpoint(pipelineId, elementId, settings, source, {
      ...this.#uriEvents(elementId),
      endOfStream: () => this.emit("player.endOfStream", { elementId }),
    });
    await player.open();
    return player;
  }

  async #create({ pipelineId, elementId, type, hubId, recorder, player }: Commands["element.create"]["params"]): Promise<WorkerObject> {
    const settings = this.#settingsOrThrow();
    switch (type) {
      case "WebRtcEndpoint":
        return new WebRtcEndpoint(pipelineId, elementId, settings, {
          state: (state, reason) => this.emit("webrtc.state", { elementId, state, reason }),
          iceState: (state) => this.emit("webrtc.iceState", { elementId, state }),
          candidate: (candidate) => this.emit("webrtc.candidate", { elementId, ...candidate }),
          gatheringDone: () => this.emit("webrtc.gatheringDone", { elementId }),
          dtlsState: (state) => this.emit("webrtc.dtlsState", { elementId, state }),
          candidatePair: (localCandidate, remoteCandidate) => this.emit("webrtc.candidatePair", { elementId, localCandidate, remoteCandidate }),
          gatheringError: (reason) => this.emit("webrtc.gatheringError", { elementId, reason }),
          videoProfile: (profileLevelId) => this.emit("media.info", { elementId, kind: "video", profileLevelId }),
        }, this.#turnHealth);
      case "PassThrough":
        return new PassThrough(pipelineId, elementId, settings);
      case "Dispatcher":
      case "DispatcherOneToMany":
        return new Hub(pipelineId, elementId, type);
      case "HubPort":
        return new HubPort(pipelineId, elementId, settings, this.#hub(hubId ?? ""));
      case "RecorderEndpoint":
        return this.#newRecorder(pipelineId, elementId, settings, recorder);
      case "PlayerEndpoint":
        return this.#newPlayer(pipelineId, elementId, settings, player);
    }
  }

  readonly #handlers: Handlers = {
    "worker.configure": (settings) => {
      this.#settings = settings;
      this.#log.level = settings.logLevel;
      this.#flow.start();
    },
    "worker.ping": () => ({
      pid: process.pid,
      rss: process.memoryUsage.rss(),
      endpoints: this.#objects.size,
      udpSockets: process.getActiveResourcesInfo().filter((resource) => resource === "UDPWrap").length,
    }),
    "worker.iceSelfTest": ({ ice, probes }) => {
      if (!this.#settings) throw new WorkerError("INVALID_STATE", "worker not configured");
      return iceSelfTest(this.#settings, ice, probes);
    },
    "element.create": async (params) => {
      if (this.#objects.has(params.elementId)) throw new WorkerError("INVALID_STATE", `element ${params.elementId} exists`);
      const created = await this.#create(params);
      // A player opens its source first: the same element may have been created meanwhile.
      if (this.#objects.has(params.elementId)) await created.release();
      else this.#objects.set(params.elementId, created);
    },
    "webrtc.processOffer": ({ elementId, offer, plan, ice }) => this.#webrtc(elementId).processOffer(offer, plan, ice),
    "webrtc.generateOffer": async ({ elementId, direction, audio, video, ice }) => ({ offer: await this.#webrtc(elementId).generateOffer(direction, audio, video, ice) }),
    "webrtc.processAnswer": async ({ elementId, answer }) => ({ negotiated: await this.#webrtc(elementId).processAnswer(answer) }),
    "webrtc.addIceCandidates": ({ elementId, candidates }) => this.#webrtc(elementId).addIceCandidates(candidates),
    "webrtc.gatherCandidates": ({ elementId }) => this.#webrtc(elementId).gatherCandidates(),
    "webrtc.configure": ({ elementId, maxIncomingBitrate }) => {
      if (maxIncomingBitrate !== undefined) this.#webrtc(elementId).setMaxIncomingBitrate(maxIncomingBitrate);
    },
    "hub.connect": ({ hubId, sourcePortId, sinkPortId }) => this.#hub(hubId).connect(this.#port(sourcePortId), this.#port(sinkPortId)),
    "hub.setSource": ({ hubId, portId }) => this.#hub(hubId).setSource(this.#port(portId)),
    "hub.removeSource": ({ hubId }) => this.#hub(hubId).removeSource(),
    "element.connect": ({ sourceId, sinkId, mediaType }) => this.#element(sinkId).connectFrom(this.#element(sourceId), mediaType),
    "element.disconnect": ({ sourceId, sinkId, mediaType }) => {
      const source = this.#objects.get(sourceId);
      const sink = this.#objects.get(sinkId);
      if (source instanceof MediaElement && sink instanceof MediaElement) sink.disconnectFrom(source, mediaType);
    },
    "element.requestKeyframe": ({ elementId }) => this.#element(elementId).outputs.video.requestKeyframe(),
    "element.stats": ({ elementId }) => this.#element(elementId).stats(),
    "element.release": async ({ elementId }) => {
      const object = this.#objects.get(elementId);
      this.#objects.delete(elementId);
      await object?.release();
    },
    "recorder.record": ({ elementId, recordingId }) => this.#recorder(elementId).record(recordingId),
    "recorder.pause": ({ elementId }) => this.#recorder(elementId).pause(),
    "recorder.stop": ({ elementId }) => this.#recorder(elementId).stop(),
    "recording.finish": async ({ root, path, profile, comment }) => {
      if (!isRecordingProfile(profile)) throw new WorkerError("INVALID_STATE", `unknown media profile ${profile}`);
      try {
        return await finishRecordingFile(root, path, profileSpec(profile).container, comment);
      } catch (error) {
        if (error instanceof WorkerError) throw error; // a refused path
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new WorkerError("NOT_FOUND", `${path} does not exist`);
        throw new WorkerError("UNSUPPORTED_MEDIA", `${path} cannot be finished: ${(error as Error).message}`);
      }
    },
    "player.info": ({ elementId }) => this.#player(elementId).info,
    "player.play": ({ elementId }) => this.#player(elementId).play(),
    "player.pause": ({ elementId }) => this.#player(elementId).pause(),
    "player.stop": ({ elementId }) => this.#player(elementId).stop(),
    "player.seek": ({ elementId, positionMs }) => this.#player(elementId).seek(positionMs),
    "player.position": ({ elementId }) => ({ positionMs: this.#player(elementId).positionMs }),
    "pipeline.release": async ({ pipelineId }) => {
      const objects = [...this.#objects.values()].filter((object) => object.pipelineId === pipelineId);
      for (const object of objects) this.#objects.delete(object.elementId);
      await Promise.all(objects.map((object) => object.release()));
    },
  };
}
