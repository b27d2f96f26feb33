/**
 * The KeyObject patch of werift's SRTP ciphers must keep SRTP and SRTCP working in both
 * profiles a WebRTC peer may pick (AES-CM + HMAC-SHA1-80, AEAD AES-128-GCM): what one session
 * protects, its peer unprotects to the same bytes, and a tampered packet is refused.
 */
import assert from "node:assert/strict";
import { KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import "../../src/media/webrtc/srtp-key-objects.ts";
import { RtcpSrPacket, RtcpSenderInfo, RtpHeader, SrtcpSession, SrtpSession } from "werift";

const PROFILES = { "AES_CM_128_HMAC_SHA1_80": 1, "AEAD_AES_128_GCM": 7 };

function pair<T>(Session: new (config: never) => T, profile: number): [T, T] {
  const a = { key: Buffer.alloc(16, 1), salt: Buffer.alloc(profile === 7 ? 12 : 14, 2) };
  const b = { key: Buffer.alloc(16, 3), salt: Buffer.alloc(profile === 7 ? 12 : 14, 4) };
  const sender = new Session({ keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt }, profile } as never);
  const receiver = new Session({ keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt }, profile } as never);
  return [sender, receiver];
}

describe("SRTP with KeyObject session keys", () => {
  for (const [name, profile] of Object.entries(PROFILES)) {
    it(`${name}: RTP and RTCP round-trip, tampering is detected`, () => {
      const [sender, receiver] = pair(SrtpSession, profile);
      const cipher = (sender as unknown as { localContext: { cipher: { srtpSessionKey: unknown } } }).localContext.cipher;
      assert.ok(cipher.srtpSessionKey instanceof KeyObject, "the cipher holds a KeyObject");
      const payload = Buffer.alloc(1188, 7);
      for (let sequenceNumber = 1; sequenceNumber <= 3; sequenceNumber++) {
        const packet = sender.encrypt(payload, new RtpHeader({ payloadType: 96, sequenceNumber, timestamp: sequenceNumber * 3000, ssrc: 42 }));
        assert.ok(!packet.subarray(12, 12 + payload.length).equals(payload), "encrypted");
        assert.ok(receiver.decrypt(packet).subarray(12).equals(payload), "decrypted to the same bytes");
      }
      const tampered = sender.encrypt(payload, new RtpHeader({ payloadType: 96, sequenceNumber: 9, timestamp: 1, ssrc: 42 }));
      tampered[40] ^= 0xff;
      assert.throws(() => receiver.decrypt(tampered));

      const [rtcpSender, rtcpReceiver] = pair(SrtcpSession, profile);
      const report = new RtcpSrPacket({ ssrc: 42, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 1n, rtpTimestamp: 2, packetCount: 3, octetCount: 4 }) }).serialize();
      assert.ok(rtcpReceiver.decrypt(rtcpSender.encrypt(report)).equals(report));
    });
  }
});
