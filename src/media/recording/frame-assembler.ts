/**
 * Turns one track's in-order RTP packets (from the jitter buffer) into whole frames with
 * werift's depacketizers: a video frame is the packets of one timestamp up to the marker bit
 * (RFC 7741 §4.1, RFC 6184 §5.1, RFC 9628 §4.1), an Opus frame is one packet (RFC 7587 §4.2).
 * A loss breaks video until the next keyframe: the broken frame and every frame after it that
 * could reference it are dropped and a keyframe is asked for, so what gets written always
 * decodes. Audio frames are independent, so a loss costs only the frames lost.
 */
import { dePacketizeRtpPackets, type DepacketizerCodec, type RtpPacket } from "werift";
import type { MediaKind } from "../protocol.ts";
import { isKeyframeStart, type VideoCodecName } from "../rtp/keyframe.ts";
import type { JitterBufferSink } from "./rtp-jitter-buffer.ts";

/** werift's depacketizer names, by RTP codec name. */
const DEPACKETIZER: Record<string, DepacketizerCodec> = {
  vp8: "VP8",
  vp9: "VP9",
  h264: "MPEG4/ISO/AVC",
  av1: "AV1",
  opus: "OPUS",
};

export interface AssembledFrame {
  data: Uint8Array;
  rtpTimestamp: number;
  keyframe: boolean;
  /** SSRC of the stream the frame came in (a new one means a new source). */
  ssrc: number;
}

export interface FrameAssemblerEvents {
  frame(frame: AssembledFrame): void;
  /** Video was broken by a loss (or started without a keyframe): a keyframe is needed. */
  keyframeNeeded(): void;
}

export function canDepacketize(codec: string): boolean {
  return Object.hasOwn(DEPACKETIZER, codec);
}

export class FrameAssembler implements JitterBufferSink {
  readonly #kind: MediaKind;
  readonly #codec: DepacketizerCodec;
  readonly #videoCodec: VideoCodecName | undefined;
  readonly #events: FrameAssemblerEvents;
  #packets: RtpPacket[] = [];
  #broken = false;
  #waitingForKeyframe: boolean;

  constructor(kind: MediaKind, codec: string, events: FrameAssemblerEvents) {
    this.#kind = kind;
    this.#codec = DEPACKETIZER[codec];
    this.#videoCodec = kind === "video" ? (codec as VideoCodecName) : undefined;
    this.#events = events;
    this.#waitingForKeyframe = kind === "video";
  }

  packet(rtp: RtpPacket): void {
    if (this.#kind === "audio") {
      if (rtp.payload.length > 0) this.#events.frame({ data: rtp.payload, rtpTimestamp: rtp.header.timestamp, keyframe: true, ssrc: rtp.header.ssrc });
      return;
    }
    const packets = this.#packets;
    if (packets.length > 0 && packets[0].header.timestamp !== rtp.header.timestamp) {
      // A new timestamp without the previous frame's marker: that frame's end was lost.
      this.#breakVideo();
    }
    packets.push(rtp);
    if (rtp.header.marker) this.#endFrame();
  }

  lost(_count: number): void {
    if (this.#kind === "video") this.#breakVideo();
  }

  /** Starts over: the next frame must be a keyframe (new source, resume after a pause). */
  restart(): void {
    this.#packets = [];
    this.#broken = false;
    if (this.#kind === "video") this.#waitingForKeyframe = true;
  }

  #breakVideo(): void {
    this.#packets = [];
    this.#broken = true;
    if (!this.#waitingForKeyframe) {
      this.#waitingForKeyframe = true;
      this.#events.keyframeNeeded();
    }
  }

  #endFrame(): void {
    const packets = this.#packets;
    this.#packets = [];
    if (this.#broken) {
      this.#broken = false;
      if (!isKeyframeStart(this.#videoCodec!, packets[0].payload)) {
        return; // the packets of the frame the loss hit, up to its marker: gone with it
      }
      // The loss lay before this frame, which starts as a keyframe: it is whole.
    }
    let frame: ReturnType<typeof dePacketizeRtpPackets>;
    try {
      frame = dePacketizeRtpPackets(this.#codec, packets);
    } catch {
      this.#breakVideo(); // a payload werift cannot parse is as good as lost
      return;
    }
    if (frame.data.length === 0) return;
    if (this.#waitingForKeyframe) {
      if (!frame.isKeyframe) {
        this.#events.keyframeNeeded();
        return;
      }
      this.#waitingForKeyframe = false;
    }
    this.#events.frame({ data: frame.data, rtpTimestamp: packets[0].header.timestamp, keyframe: frame.isKeyframe, ssrc: packets[0].header.ssrc });
  }
}
