/**
 * Kurento's hubs that route without mixing: a Dispatcher connects any HubPort's incoming media
 * to any other port's outgoing media, a DispatcherOneToMany sends one source port to every
 * other port. A HubPort is an ordinary element to the rest of the pipeline: what is connected
 * to it enters the hub (its inlet), and what the hub routes to it leaves by its outputs. The
 * routing inside is a MediaInput per port and kind, so switching a port's source keeps
 * sequence numbers continuous and restarts video on a keyframe, as any source switch does.
 */
import type { MediaKind, WorkerSettings } from "../protocol.ts";
import { MediaInput } from "../rtp/media-input.ts";
import { MediaOutput } from "../rtp/media-output.ts";
import { OutputTarget } from "../rtp/rtp-target.ts";
import { MediaElement, MEDIA_KINDS } from "./media-element.ts";

export class HubPort extends MediaElement {
  readonly hub: Hub;
  /** Media entering the hub through this port. */
  readonly inlets: Record<MediaKind, MediaOutput>;
  /** The hub's routing into this port's outputs. */
  readonly routes: Record<MediaKind, MediaInput>;

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, hub: Hub) {
    super(pipelineId, elementId, settings);
    this.hub = hub;
    const inlet = (kind: MediaKind) =>
      new MediaOutput({
        kind,
        gopCacheMaxPackets: settings.gopCacheMaxPackets,
        pliMinIntervalMs: settings.pliMinIntervalMs,
        sendKeyframeRequest: () => this.inputs[kind].requestKeyframe(),
        onVideoProfile: () => {},
      });
    this.inlets = { audio: inlet("audio"), video: inlet("video") };
    this.routes = { audio: new MediaInput("audio"), video: new MediaInput("video") };
    for (const kind of MEDIA_KINDS) {
      this.inputs[kind].attachTarget(new OutputTarget(this.inlets[kind], this.inputs[kind]));
      this.inputs[kind].setReady(true);
      this.routes[kind].attachTarget(new OutputTarget(this.outputs[kind], this.routes[kind]));
      this.routes[kind].setReady(true);
    }
    hub.addPort(this);
  }

  /** Routes `source`'s incoming media (or nothing) out of this port. */
  routeFrom(source: HubPort | undefined): void {
    for (const kind of MEDIA_KINDS) this.routes[kind].setSource(source?.inlets[kind]);
  }

  protected override requestUpstreamKeyframe(kind: MediaKind): void {
    this.routes[kind].requestKeyframe();
  }

  protected override async dispose(): Promise<void> {
    for (const kind of MEDIA_KINDS) {
      this.routes[kind].setSource(undefined);
      this.inlets[kind].detachAll();
    }
    this.hub.removePort(this);
  }
}

/** A hub: owns its ports' routing; has no media of its own. */
export class Hub {
  readonly elementId: string;
  readonly pipelineId: string;
  readonly kind: "Dispatcher" | "DispatcherOneToMany";
  readonly ports = new Set<HubPort>();
  #source: HubPort | undefined;

  constructor(pipelineId: string, elementId: string, kind: Hub["kind"]) {
    this.pipelineId = pipelineId;
    this.elementId = elementId;
    this.kind = kind;
  }

  addPort(port: HubPort): void {
    this.ports.add(port);
    if (this.kind === "DispatcherOneToMany" && this.#source) port.routeFrom(this.#source);
  }

  removePort(port: HubPort): void {
    this.ports.delete(port);
    if (this.#source === port) this.removeSource();
    for (const other of this.ports) {
      if (other.routes.video.source === port.inlets.video || other.routes.audio.source === port.inlets.audio) other.routeFrom(undefined);
    }
  }

  /** Dispatcher.connect(source, sink): `sink` sends out what enters through `source`. */
  connect(source: HubPort, sink: HubPort): void {
    sink.routeFrom(source);
  }

  /** DispatcherOneToMany.setSource: every other port sends out what enters through `source`. */
  setSource(source: HubPort): void {
    this.#source = source;
    for (const port of this.ports) port.routeFrom(port === source ? undefined : source);
  }

  removeSource(): void {
    this.#source = undefined;
    for (const port of this.ports) port.routeFrom(undefined);
  }

  async release(): Promise<void> {
    const ports = [...this.ports];
    this.ports.clear();
    await Promise.all(ports.map((port) => port.release()));
  }
}
