/**
 * What every media element in a worker is: something with a MediaOutput (media it produces)
 * and a MediaInput (media it consumes) per kind, so `source.connect(sink)` is always "point
 * the sink's inputs at the source's outputs", whatever the element types. Subclasses say how
 * media enters the outputs and where inputs send it, and how to ask upstream for a keyframe.
 * `release()` is idempotent and detaches the element from everything it was connected to.
 */
import type { ElementStats, KurentoMediaType, MediaKind, WorkerSettings } from "../protocol.ts";
import { MediaInput } from "../rtp/media-input.ts";
import { MediaOutput } from "../rtp/media-output.ts";

export const MEDIA_KINDS: readonly MediaKind[] = ["audio", "video"];

/** The kinds a Kurento media type (or all, when undefined) covers. */
export function kindsOf(mediaType: KurentoMediaType | undefined): MediaKind[] {
  if (mediaType === undefined) return [...MEDIA_KINDS];
  if (mediaType === "AUDIO") return ["audio"];
  if (mediaType === "VIDEO") return ["video"];
  return [];
}

export abstract class MediaElement {
  readonly elementId: string;
  readonly pipelineId: string;
  readonly outputs: Record<MediaKind, MediaOutput>;
  readonly inputs: Record<MediaKind, MediaInput>;
  #released = false;

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings) {
    this.pipelineId = pipelineId;
    this.elementId = elementId;
    const output = (kind: MediaKind) =>
      new MediaOutput({
        kind,
        gopCacheMaxPackets: settings.gopCacheMaxPackets,
        pliMinIntervalMs: settings.pliMinIntervalMs,
        sendKeyframeRequest: () => this.requestUpstreamKeyframe(kind),
        onVideoProfile: (profileLevelId) => this.onVideoProfile(profileLevelId),
      });
    this.outputs = { audio: output("audio"), video: output("video") };
    this.inputs = { audio: new MediaInput("audio"), video: new MediaInput("video") };
  }

  get released(): boolean {
    return this.#released;
  }

  /** Points this element's inputs at `source`'s outputs for the given kinds. */
  connectFrom(source: MediaElement, mediaType?: KurentoMediaType): void {
    for (const kind of kindsOf(mediaType)) this.inputs[kind].setSource(source.outputs[kind]);
  }

  /** Undoes connectFrom for the kinds currently fed by `source`. */
  disconnectFrom(source: MediaElement, mediaType?: KurentoMediaType): void {
    for (const kind of kindsOf(mediaType)) {
      if (this.inputs[kind].source === source.outputs[kind]) this.inputs[kind].setSource(undefined);
    }
  }

  /** Detaches the element at once; resolves when its own resources (sockets…) are freed. */
  release(): Promise<void> {
    if (this.#released) return Promise.resolve();
    this.#released = true;
    for (const kind of MEDIA_KINDS) {
      this.inputs[kind].setSource(undefined);
      this.outputs[kind].detachAll();
    }
    return this.dispose();
  }

  async stats(): Promise<ElementStats> {
    const perKind = (read: (kind: MediaKind) => number) => ({ audio: read("audio"), video: read("video") });
    return {
      elementId: this.elementId,
      packetsIn: perKind((kind) => this.inputs[kind].received),
      packetsOut: perKind((kind) => this.outputs[kind].packets),
      packetsForwarded: perKind((kind) => this.inputs[kind].packets),
      keyframeRequestsSent: this.outputs.video.keyframeRequests,
    };
  }

  /** Ask whatever feeds this element's output of `kind` for a keyframe. */
  protected abstract requestUpstreamKeyframe(kind: MediaKind): void;

  /** The real H.264 profile of the video this element outputs became known. */
  protected onVideoProfile(_profileLevelId: string): void {}

  /** Frees the element's own resources; called once by release(). */
  protected abstract dispose(): Promise<void>;
}
