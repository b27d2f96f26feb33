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
import type { SenderReport } from "./sender-report.ts";

/** Pass-through chains longer than this are not followed looking for a sender report (a cycle). */
const MAX_FEED_DEPTH = 16;

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
  /** The latest RTCP sender report of the stream flowing out, when this output receives it. */
  senderReport: SenderReport | undefined;
  /** The input that feeds this output inside the worker (pass-through elements, hub ports; set by their OutputTarget). */
  feed: MediaInput | undefined;

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

  /** The sender report of what flows out, found through pass-through elements if need be. */
  latestSenderReport(depth = 0): SenderReport | undefined {
    if (this.senderReport || depth >= MAX_FEED_DEPTH) return this.senderReport;
    return this.feed?.source?.latestSenderReport(depth + 1);
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

  /** Tells every sink the media ended (a player's file ran out). */
  endOfStream(): void {
    for (const sink of [...this.#sinks]) sink.endOfStream();
  }

  /** Detaches every sink; the output stays usable (a later negotiation may feed it). */
  detachAll(): void {
    for (const sink of [...this.#sinks]) sink.setSource(undefined);
  }
}
