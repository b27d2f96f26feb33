/**
 * The recorder's jitter buffer: puts one RTP stream's packets back in sequence-number order
 * (RFC 3550 §A.1 arithmetic on 16-bit sequence numbers) and holds a gap open for `latencyMs`,
 * the time a NACK-requested retransmission has to arrive, before giving the missing packets up
 * as lost. What comes out is strictly in order, with every loss reported where it happened, so
 * the frame assembler can drop broken frames instead of writing garbage.
 *
 * Hot path: `push` runs for every recorded packet. Packets sit in a fixed ring indexed by
 * sequence number; nothing is allocated per packet.
 */
import type { RtpPacket } from "werift";

const SLOTS = 1024;
const MASK = SLOTS - 1;

export interface JitterBufferSink {
  /** The next packet, in sequence order. */
  packet(rtp: RtpPacket): void;
  /** `count` packets before the next one were given up as lost. */
  lost(count: number): void;
}

/** Signed distance from `from` to `to` on the 16-bit sequence-number circle. */
function seqDistance(from: number, to: number): number {
  return (((to - from) & 0xffff) << 16) >> 16;
}

export class RtpJitterBuffer {
  readonly #latencyMs: number;
  readonly #sink: JitterBufferSink;
  readonly #slots: (RtpPacket | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #arrivedAt = new Float64Array(SLOTS);
  /** Sequence number of the next packet to release; -1 before the first packet. */
  #expected = -1;
  #held = 0;
  /** When the current gap was first seen (a later packet waited behind it); -1 when none. */
  #gapSince = -1;
  /** Packets given up as lost, for stats. */
  lostPackets = 0;

  constructor(latencyMs: number, sink: JitterBufferSink) {
    this.#latencyMs = latencyMs;
    this.#sink = sink;
  }

  get held(): number {
    return this.#held;
  }

  push(rtp: RtpPacket, nowMs: number): void {
    const seq = rtp.header.sequenceNumber;
    if (this.#expected < 0) this.#expected = seq;
    let distance = seqDistance(this.#expected, seq);
    if (distance < 0) return; // a duplicate, or too late: its place was already given up
    if (distance >= SLOTS) {
      // A jump no reordering explains (the sender restarted its numbering): start over there.
      this.flush();
      this.#expected = seq;
      distance = 0;
    }
    const slot = seq & MASK;
    if (this.#slots[slot] !== undefined) return;
    this.#slots[slot] = rtp;
    this.#arrivedAt[slot] = nowMs;
    this.#held++;
    this.#drain();
    if (this.#held === 0) {
      this.#gapSince = -1;
      return;
    }
    if (this.#gapSince < 0) this.#gapSince = nowMs;
    this.expire(nowMs);
  }

  /** Gives up gaps whose later packets have waited longer than the latency. */
  expire(nowMs: number): void {
    while (this.#held > 0 && nowMs - this.#gapSince >= this.#latencyMs) {
      this.#skipTo(this.#firstHeld());
      this.#drain();
      // A further gap became visible no later than the packet just past it arrived.
      this.#gapSince = this.#held > 0 ? this.#arrivedAt[this.#firstHeld() & MASK] : -1;
    }
    if (this.#held === 0) this.#gapSince = -1;
  }

  /** Releases everything held, in order, reporting the gaps as losses (end of recording). */
  flush(): void {
    while (this.#held > 0) {
      if (this.#slots[this.#expected & MASK] === undefined) this.#skipTo(this.#firstHeld());
      this.#drain();
    }
    this.#gapSince = -1;
  }

  /** Forgets everything held and the expected sequence number (the source changed). */
  reset(): void {
    this.#slots.fill(undefined);
    this.#held = 0;
    this.#expected = -1;
    this.#gapSince = -1;
  }

  #drain(): void {
    const slots = this.#slots;
    for (let slot = this.#expected & MASK; slots[slot] !== undefined; slot = this.#expected & MASK) {
      const rtp = slots[slot]!;
      slots[slot] = undefined;
      this.#held--;
      this.#expected = (this.#expected + 1) & 0xffff;
      this.#sink.packet(rtp);
    }
  }

  #firstHeld(): number {
    let seq = this.#expected;
    while (this.#slots[seq & MASK] === undefined) seq = (seq + 1) & 0xffff;
    return seq;
  }

  #skipTo(seq: number): void {
    const count = seqDistance(this.#expected, seq);
    this.lostPackets += count;
    this.#expected = seq;
    this.#sink.lost(count);
  }
}
