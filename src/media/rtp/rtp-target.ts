/**
 * Where a MediaInput delivers packets: a werift sender toward a remote peer (SenderTarget), or
 * the element's own output when media passes through (OutputTarget — PassThrough, hub ports).
 * `continuity` tells the target that the next packet comes from another source, so sequence
 * numbers and timestamps must carry on from the last packet sent rather than jump.
 */
import type { RTCRtpSender, RtpPacket } from "werift";
import type { MediaInput } from "./media-input.ts";
import type { MediaOutput } from "./media-output.ts";

export interface RtpTarget {
  /** Codec negotiated for the target; undefined for pass-through targets, which take any. */
  readonly mimeType: string | undefined;
  readonly clockRate: number;
  /**
   * True for targets that must start on a keyframe that arrives live (a recorder: the cached
   * GOP's squeezed timestamps would be written as they are); others get the GOP cache at once.
   */
  readonly startsOnLiveKeyframe?: boolean;
  send(rtp: RtpPacket): void;
  continuity(timestampStep: number): void;
  /** The codec of what will arrive (pass-through targets adopt it). */
  adoptCodec(mimeType: string, clockRate: number): void;
  /** The source reached the end of its media (a player's file ended). */
  endOfStream?(): void;
}

function ignoreSendError(): void {
  // A packet that cannot be sent (transport closing) is simply lost, as on the wire.
}

export class SenderTarget implements RtpTarget {
  readonly mimeType: string;
  readonly clockRate: number;
  readonly #sender: RTCRtpSender;

  constructor(sender: RTCRtpSender, mimeType: string, clockRate: number) {
    this.#sender = sender;
    this.mimeType = mimeType;
    this.clockRate = clockRate;
  }

  send(rtp: RtpPacket): void {
    this.#sender.sendRtp(rtp).catch(ignoreSendError);
  }

  continuity(timestampStep: number): void {
    this.#sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, false, timestampStep);
  }

  adoptCodec(): void {}
}

export class OutputTarget implements RtpTarget {
  readonly mimeType = undefined;
  readonly #output: MediaOutput;

  /** Passes what `feed` delivers on to `output`, which then knows `feed` as what feeds it. */
  constructor(output: MediaOutput, feed: MediaInput) {
    this.#output = output;
    output.feed = feed;
  }

  get clockRate(): number {
    return this.#output.clockRate;
  }

  send(rtp: RtpPacket): void {
    this.#output.push(rtp);
  }

  continuity(timestampStep: number): void {
    this.#output.sourceSwitched(timestampStep);
  }

  adoptCodec(mimeType: string, clockRate: number): void {
    if (this.#output.mimeType !== mimeType) this.#output.setCodec(mimeType, clockRate);
  }

  endOfStream(): void {
    this.#output.endOfStream();
  }
}
