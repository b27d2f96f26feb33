/**
 * Puts one RTP stream's timestamps on a wall clock shared with the other streams of a
 * recording. RTP timestamps of different streams have random offsets and their own rates; an
 * RTCP sender report (RFC 3550 §6.4.1) tells, for each stream, which NTP time one RTP
 * timestamp corresponds to on the sender's clock — the clock audio and video were captured on —
 * so mapping both through their sender reports aligns them as they were captured (lip sync).
 * When no sender report arrives in time, arrival time stands in (on the receiver's clock,
 * again the same for both). Timestamps are unwrapped past the 32-bit rollover (§5.1).
 */

/** Seconds on the receiver's clock, the fallback time base. */
export function arrivalSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

export class StreamClock {
  readonly clockRate: number;
  #refSeconds = 0;
  #lastRtp = 0;
  /** Ticks from the reference RTP timestamp to `#lastRtp`, unwrapped. */
  #ticks = 0;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
  }

  /** `rtpTimestamp` happened at `seconds` (a sender report, or an arrival time). */
  anchor(seconds: number, rtpTimestamp: number): void {
    this.#refSeconds = seconds;
    this.#lastRtp = rtpTimestamp >>> 0;
    this.#ticks = 0;
  }

  /** The shared-clock time of an RTP timestamp at or after the ones seen (up to 2^31 ticks apart). */
  seconds(rtpTimestamp: number): number {
    const delta = ((rtpTimestamp >>> 0) - this.#lastRtp) | 0;
    this.#ticks += delta;
    this.#lastRtp = rtpTimestamp >>> 0;
    return this.#refSeconds + this.#ticks / this.clockRate;
  }
}
