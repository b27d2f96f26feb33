/**
 * The source side of one media kind of an element: RTP coming out of it (for a WebRtcEndpoint,
 * what its remote peer sends) fanned out to every connected MediaInput. For video it keeps the
 * packets since the last keyframe (the GOP cache), so a sink that joins late starts on a
 * decodable picture at once even when the publisher ignores PLI, as OBS does; and it funnels
 * keyframe requests from all sinks into at most one PLI per `pliMinIntervalMs`.
 *
 * Hot path: `push` runs for every received packet. It strips header extensions by assigning a
 * shared frozen array, loops over an array of sinks, and allocates nothing itself.
 */
import type { RtpPacket } from "werift";
import type { MediaKind } from "../protocol.ts";
import { h264ProfileFromPacket, isKeyframeStart, type VideoCodecName, videoCodecName } from "./keyframe.ts";
import type { MediaInput } from "./media-input.ts";

/** Publisher header extensions must not reach viewers (their ids mean nothing there). */
const NO_EXTENSIONS = Object.freeze([]) as unknown as RtpPacket["header"]["extensions"];

export interface MediaOutputOptions {
  kind: MediaKind;
  gopCacheMaxPackets: number;
  pliMinIntervalMs: number;
  /** Asks the upstream (the remote publisher) for a keyframe. */
  sendKeyframeRequest: () => void;
  /** An H.264 SPS announced this profile-level-id (called when it changes). */
  onVideoProfile: (profileLevelId: string) => void;
}

export class MediaOutput {
  readonly kind: MediaKind;
  /** Codec of what flows out, once negotiated (`vp8`, `h264`, … for video). */
  videoCodec: VideoCodecName | undefined;
  mimeType: string | undefined;
  clockRate = 90000;
  packets = 0;
  keyframeRequests = 0;

  readonly #sinks: MediaInput[] = [];
  readonly #options: MediaOutputOptions;
  #gop: RtpPacket[] = [];
  #gopTimestamp: number | undefined;
  #lastRequestAt = -Infinity;
  #requestPending = false;
  #profileLevelId: string | undefined;

  constructor(options: MediaOutputOptions) {
    this.kind = options.kind;
    this.#options = options;
  }

  get sinks(): readonly MediaInput[] {
    return this.#sinks;
  }

  /** Packets since the last keyframe start, oldest first; empty when none is usable. */
  get gopCache(): readonly RtpPacket[] {
    return this.#gop;
  }

  /** The codec negotiated for what flows out; connected sinks re-check whether they can take it. */
  setCodec(mimeType: string, clockRate: number): void {
    this.mimeType = mimeType;
    this.clockRate = clockRate;
    this.videoCodec = this.kind === "video" ? videoCodecName(mimeType) : undefined;
    this.#gop = [];
    this.#gopTimestamp = undefined;
    for (const sink of [...this.#sinks]) sink.refresh();
  }

  /**
   * What feeds this output switched to another source (pass-through elements, hub ports): the
   * cached GOP belongs to the old one, and every sink must carry on sequence numbers and
   * timestamps and wait for the new source's keyframe.
   */
  sourceSwitched(timestampStep: number): void {
    this.#gop = [];
    this.#gopTimestamp = undefined;
    for (const sink of [...this.#sinks]) sink.upstreamSwitched(timestampStep);
  }

  addSink(sink: MediaInput): void {
    if (!this.#sinks.includes(sink)) this.#sinks.push(sink);
  }

  removeSink(sink: MediaInput): void {
    const index = this.#sinks.indexOf(sink);
    if (index >= 0) this.#sinks.splice(index, 1);
  }

  push(rtp: RtpPacket): void {
    if (rtp.payload.length === 0) return; // padding-only probes carry nothing to forward
    this.packets++;
    rtp.header.extensions = NO_EXTENSIONS;
    rtp.header.extension = false;
    if (this.videoCodec !== undefined) this.#cache(rtp);
    const sinks = this.#sinks;
    for (let index = 0; index < sinks.length; index++) sinks[index].write(rtp);
  }

  #cache(rtp: RtpPacket): void {
    const timestamp = rtp.header.timestamp;
    if (timestamp !== this.#gopTimestamp && isKeyframeStart(this.videoCodec!, rtp.payload)) {
      this.#gop = [];
      this.#gopTimestamp = timestamp;
      this.#requestPending = false;
      if (this.videoCodec === "h264") this.#readProfile(rtp.payload);
    }
    if (this.#gopTimestamp === undefined || this.#options.gopCacheMaxPackets === 0) return;
    if (this.#gop.length >= this.#options.gopCacheMaxPackets) {
      // A GOP longer than the cache: no usable start until the next keyframe.
      this.#gop = [];
      this.#gopTimestamp = undefined;
      return;
    }
    this.#gop.push(rtp);
  }

  #readProfile(payload: Uint8Array): void {
    const profile = h264ProfileFromPacket(payload);
    if (profile === undefined || profile === this.#profileLevelId) return;
    this.#profileLevelId = profile;
    this.#options.onVideoProfile(profile);
  }

  /** A sink wants a keyframe. At most one request per interval reaches the publisher. */
  requestKeyframe(): void {
    if (this.kind !== "video") return;
    const now = performance.now();
    if (now - this.#lastRequestAt < this.#options.pliMinIntervalMs) return;
    this.#lastRequestAt = now;
    this.#requestPending = true;
    this.keyframeRequests++;
    this.#options.sendKeyframeRequest();
  }

  /** True while a request is out and no keyframe has arrived since. */
  get keyframeRequestPending(): boolean {
    return this.#requestPending;
  }

  /** Detaches every sink; the output stays usable (a later negotiation may feed it). */
  detachAll(): void {
    for (const sink of [...this.#sinks]) sink.setSource(undefined);
  }
}
