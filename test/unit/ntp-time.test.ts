/**
 * The NTP time werift's senders put in RTCP sender reports, once ntp-time.ts is loaded: a
 * werift sender that sends a packet reports the send time, to the millisecond, as a 64-bit NTP
 * timestamp with a binary fraction (RFC 3550 §4) — werift's own clock puts the decimal digits
 * of the fraction there, up to a second off.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtpHeader, RtpPacket, RTCRtpSender } from "werift";
import { ntpAt, ntpNow, ntpToEpochMs } from "../../src/media/webrtc/ntp-time.ts";

describe("NTP time of werift's sender reports", () => {
  it("converts with a binary fraction", () => {
    const halfPast = ntpAt(Date.UTC(2030, 0, 1) + 500 - performance.timeOrigin);
    assert.equal(halfPast & 0xffffffffn, 0x80000000n, "half a second is 2^31");
    assert.equal(ntpToEpochMs(halfPast), Date.UTC(2030, 0, 1) + 500);
    const before = Date.now();
    const now = ntpToEpochMs(ntpNow());
    assert.ok(now >= before - 1 && now <= Date.now() + 1);
  });

  it("is the time a werift sender last sent a packet", async () => {
    const sender = new RTCRtpSender("video") as unknown as {
      ntpTimestamp: bigint;
      packetCount: number;
      codec: unknown;
      canSendRtp(): boolean;
      dispatchRtp(rtp: RtpPacket): Promise<void>;
      dtlsTransport: unknown;
      runRtcp(): void;
    };
    // Just enough of a transport for dispatchRtp to count the packet as sent.
    sender.codec = { payloadType: 96 };
    sender.canSendRtp = () => true;
    sender.dtlsTransport = { sendRtp: async () => 100, transportSequenceNumber: 0 };
    sender.runRtcp = () => {};
    const rtp = new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: 1, timestamp: 1000 }), Buffer.alloc(10));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = performance.timeOrigin + performance.now();
    const sending = sender.dispatchRtp(rtp); // werift counts the packet before its first await
    const after = performance.timeOrigin + performance.now();
    await sending;
    assert.equal(sender.packetCount, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reported = ntpToEpochMs(sender.ntpTimestamp);
    assert.ok(reported >= before - 1 && reported <= after + 1, `reported ${reported}, sent between ${before} and ${after}`);
  });
});
