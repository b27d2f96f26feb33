/**
 * Where a RecorderEndpoint's MediaInput of one kind delivers packets: an RtpTarget that runs
 * them through the jitter buffer and the frame assembler and hands whole frames on. It takes
 * any codec (a recorder adopts its source's), starts only on a keyframe that arrives live (never
 * on the squeezed GOP cache), and treats a source switch or a resume as a fresh start: the
 * buffer forgets the old sequence numbers and video waits for a keyframe.
 *
 * Hot path: `send` runs for every recorded packet; it stamps nothing and allocates nothing
 * itself (the assembler allocates once per frame).
 */
import type { RtpPacket } from "werift";
import { codecName } from "../codecs.ts";
import type { MediaKind } from "../protocol.ts";
import type { MediaInput } from "../rtp/media-input.ts";
import type { RtpTarget } from "../rtp/rtp-target.ts";
import type { SenderReport } from "../rtp/sender-report.ts";
import { type AssembledFrame, canDepacketize, FrameAssembler } from "./frame-assembler.ts";
import { arrivalSeconds } from "./media-clock.ts";
import type { SessionTrack } from "./recording-session.ts";
import { RtpJitterBuffer } from "./rtp-jitter-buffer.ts";

export interface RecorderTrackSink {
  frame(kind: MediaKind, frame: AssembledFrame, arrival: number): void;
  keyframeNeeded(kind: MediaKind): void;
  endOfStream(kind: MediaKind): void;
}

export class RecorderTrack implements RtpTarget, SessionTrack {
  readonly kind: MediaKind;
  readonly mimeType = undefined;
  readonly startsOnLiveKeyframe = true;
  clockRate = 90000;
  /** RTP codec name of what arrives; empty until known. */
  codec = "";
  readonly #input: MediaInput;
  readonly #latencyMs: number;
  readonly #sink: RecorderTrackSink;
  #jitter: RtpJitterBuffer | undefined;
  #assembler: FrameAssembler | undefined;

  /** A track for what `input` (the recorder's input it is attached to) delivers. */
  constructor(input: MediaInput, latencyMs: number, sink: RecorderTrackSink) {
    this.kind = input.kind;
    this.#input = input;
    this.#latencyMs = latencyMs;
    this.#sink = sink;
  }

  /** The latest RTCP sender report of the source feeding the input. */
  senderReport(): SenderReport | undefined {
    return this.#input.source?.latestSenderReport();
  }

  adoptCodec(mimeType: string, clockRate: number): void {
    const codec = codecName(mimeType);
    if (codec === this.codec && clockRate === this.clockRate && this.#jitter) return;
    this.codec = codec;
    this.clockRate = clockRate;
    if (!canDepacketize(codec)) {
      this.#jitter = undefined;
      this.#assembler = undefined;
      return;
    }
    const assembler = new FrameAssembler(this.kind, codec, {
      frame: (frame) => this.#sink.frame(this.kind, frame, arrivalSeconds()),
      keyframeNeeded: () => this.#sink.keyframeNeeded(this.kind),
    });
    this.#assembler = assembler;
    this.#jitter = new RtpJitterBuffer(this.#latencyMs, assembler);
  }

  send(rtp: RtpPacket): void {
    this.#jitter?.push(rtp, performance.now());
  }

  /** The next packets come from another source, or after a pause: start over on a keyframe. */
  continuity(): void {
    this.#jitter?.flush();
    this.#jitter?.reset();
    this.#assembler?.restart();
  }

  endOfStream(): void {
    this.#sink.endOfStream(this.kind);
  }

  /** Gives up gaps that waited too long (called on a timer, so a stalled stream still drains). */
  expire(): void {
    this.#jitter?.expire(performance.now());
  }

  /** Releases everything buffered (pause, stop). */
  flush(): void {
    this.#jitter?.flush();
  }
}
