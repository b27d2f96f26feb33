/**
 * Reads a bitstream most-significant bit first, as the H.264, VP9 and AV1 specifications write
 * their headers: fixed-width fields, Exp-Golomb codes (H.264 §9.1) and AV1's uvlc (§4.10.3).
 * Reading past the end throws, so a truncated header is an error, never a wrong value.
 */
export class BitReader {
  readonly #bytes: Uint8Array;
  #position = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#position;
  }

  bit(): number {
    if (this.#position >= this.#bytes.length * 8) throw new RangeError("header truncated");
    const value = (this.#bytes[this.#position >> 3] >> (7 - (this.#position & 7))) & 1;
    this.#position++;
    return value;
  }

  /** An unsigned field of up to 32 bits. */
  bits(count: number): number {
    let value = 0;
    for (let index = 0; index < count; index++) value = value * 2 + this.bit();
    return value;
  }

  skip(count: number): void {
    for (let index = 0; index < count; index++) this.bit();
  }

  /** ue(v): unsigned Exp-Golomb (H.264 §9.1). */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new RangeError("Exp-Golomb code too long");
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** se(v): signed Exp-Golomb (H.264 §9.1.1). */
  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }

  /** uvlc(): AV1 §4.10.3. */
  uvlc(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros >= 32) return 2 ** 32 - 1;
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
}
