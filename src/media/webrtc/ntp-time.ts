/**
 * Corrects the NTP time in werift's RTCP sender reports. werift (0.25.2, `ntpTime`) builds the
 * 64-bit NTP timestamp from the decimal digits after the point of the time in seconds
 * (`123.456` → fraction 456, i.e. 0.0000001 s), so every sender report it sends is off by up to
 * a second, differently for audio and video, and a receiver that aligns streams by their sender
 * reports (RFC 3550 §6.4.1: browsers for lip sync, Pipewright's recorder) plays or records them
 * out of sync. werift's bundled function cannot be replaced, so each RTCRtpSender instead notes
 * the time of every packet it really sends, and its `ntpTimestamp` — read only when a sender
 * report goes out — is that time in the RFC 3550 §4 format (seconds since 1900, 32-bit binary
 * fraction). Per packet this costs one clock read and one number store. Importing the module
 * applies it once per process; a changed werift sender layout makes the import throw.
 */
import { RTCRtpSender } from "werift";

const NTP_EPOCH_MS = Date.UTC(1900, 0, 1);
const SENT_AT = Symbol("pipewright.sentAt");
const PATCHED = Symbol.for("pipewright.ntpTimePatched");

/** A time on the performance clock as a 64-bit NTP timestamp (RFC 3550 §4). */
export function ntpAt(performanceMs: number): bigint {
  const ms = performance.timeOrigin + performanceMs - NTP_EPOCH_MS;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}

export function ntpNow(): bigint {
  return ntpAt(performance.now());
}

/** A 64-bit NTP timestamp as milliseconds since 1970. */
export function ntpToEpochMs(ntp: bigint): number {
  return Number(ntp >> 32n) * 1000 + (Number(ntp & 0xffffffffn) / 2 ** 32) * 1000 + NTP_EPOCH_MS;
}

interface PatchedSender {
  packetCount: number;
  ntpTimestamp: bigint;
  [SENT_AT]?: number;
}

type Dispatch = (this: PatchedSender, rtp: unknown) => Promise<void>;

function track(sender: PatchedSender): void {
  sender[SENT_AT] = performance.now();
  Object.defineProperty(sender, "ntpTimestamp", {
    configurable: true,
    get(this: PatchedSender) {
      return ntpAt(this[SENT_AT]!);
    },
    set() {
      // werift's own (wrong) value is ignored; the getter answers from the send time.
    },
  });
}

const prototype = RTCRtpSender.prototype as unknown as Record<string | symbol, unknown>;
if (typeof prototype.dispatchRtp !== "function" || !("ntpTimestamp" in new (RTCRtpSender as unknown as new (kind: string) => object)("audio"))) {
  throw new Error("werift's RTCRtpSender changed: re-check src/media/webrtc/ntp-time.ts");
}
if (!prototype[PATCHED]) {
  const dispatch = prototype.dispatchRtp as Dispatch;
  prototype.dispatchRtp = function dispatchWithSendTime(this: PatchedSender, rtp: unknown): Promise<void> {
    if (this[SENT_AT] === undefined) track(this);
    const sent = this.packetCount;
    // werift sets packetCount synchronously, before its first await, when the packet goes out.
    const pending = dispatch.call(this, rtp);
    if (this.packetCount !== sent) this[SENT_AT] = performance.now();
    return pending;
  };
  prototype[PATCHED] = true;
}
