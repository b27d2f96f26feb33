/**
 * Trickle PATCH bodies (RFC 8840 fragments): candidates with their mid, credentials,
 * end-of-candidates, and refusal of bodies that are not fragments.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rembFields } from "../../src/media/webrtc/remb.ts";
import { parseSdpFragment } from "../../src/http/sdpfrag.ts";

describe("parseSdpFragment", () => {
  it("reads GStreamer's trickle fragment", () => {
    const fragment = parseSdpFragment(
      "a=ice-ufrag:edYw\r\na=ice-pwd:q4dA\r\nm=audio 9 RTP/AVP 0\r\na=mid:audio0\r\na=candidate:1 1 UDP 2015363327 192.0.2.2 38635 typ host\r\na=candidate:2 1 TCP 1015021823 192.0.2.2 9 typ host tcptype active\r\n",
    );
    assert.equal(fragment.iceUfrag, "edYw");
    assert.deepEqual(fragment.candidates.map((candidate) => [candidate.sdpMid, candidate.sdpMLineIndex, candidate.candidate.split(" ")[2]]), [
      ["audio0", 0, "UDP"],
      ["audio0", 0, "TCP"],
    ]);
    assert.equal(parseSdpFragment("a=end-of-candidates\r\n").endOfCandidates, true);
  });

  it("refuses what is not a fragment", () => {
    assert.throws(() => parseSdpFragment("{\"candidate\": 1}"), /not of the form/);
    assert.throws(() => parseSdpFragment("a=mid:0\r\n"), /no candidate/);
    assert.throws(() => parseSdpFragment("a=candidate:1 1 UDP 1 192.0.2.2 1 typ host\r\n".repeat(101)), /more than 100 candidates/);
  });
});

describe("rembFields", () => {
  it("encodes bitrates as an 18-bit mantissa and exponent", () => {
    for (const bitrate of [0, 1000, 262_143, 3_000_000, 100_000_000]) {
      const { brExp, brMantissa } = rembFields(bitrate);
      assert.ok(brMantissa < 1 << 18 && brExp < 64);
      const decoded = brMantissa * 2 ** brExp;
      assert.ok(decoded <= bitrate && decoded > bitrate * 0.999 - 1, `${bitrate} → ${decoded}`);
    }
  });
});
