/**
 * Keyframe detection and the H.264 profile read from an SPS, on hand-built RTP payloads for
 * each codec's payload format.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { h264ProfileFromPacket, isKeyframeStart } from "../../src/media/rtp/keyframe.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const SPS_HIGH = [0x67, 0x64, 0x00, 0x28, 0xac, 0xd9]; // NAL type 7, profile_idc 100, level 40
const PPS = [0x68, 0xee, 0x3c, 0x80];
const IDR = [0x65, 0x88, 0x84, 0x00];

describe("isKeyframeStart", () => {
  it("VP8: S bit, partition 0 and a clear P bit, through the extended descriptor", () => {
    assert.equal(isKeyframeStart("vp8", bytes(0x10, 0x00)), true);
    assert.equal(isKeyframeStart("vp8", bytes(0x10, 0x01)), false, "P=1 is an inter frame");
    assert.equal(isKeyframeStart("vp8", bytes(0x00, 0x00)), false, "not the start of a partition");
    assert.equal(isKeyframeStart("vp8", bytes(0x90, 0x80, 0x81, 0x23, 0x00)), true, "X, I with a 15-bit picture id");
    assert.equal(isKeyframeStart("vp8", bytes(0x90, 0xe0, 0x12, 0x05, 0x20, 0x01)), false, "I, L, T then P=1");
    assert.equal(isKeyframeStart("vp8", bytes(0x90)), false, "truncated");
  });

  it("H.264: IDR or SPS alone, in STAP-A, or at the start of an FU-A", () => {
    assert.equal(isKeyframeStart("h264", bytes(...IDR)), true);
    assert.equal(isKeyframeStart("h264", bytes(...SPS_HIGH)), true);
    assert.equal(isKeyframeStart("h264", bytes(0x41, 0x9a)), false, "non-IDR slice");
    const stap = bytes(0x78, 0x00, SPS_HIGH.length, ...SPS_HIGH, 0x00, PPS.length, ...PPS);
    assert.equal(isKeyframeStart("h264", stap), true);
    assert.equal(isKeyframeStart("h264", bytes(0x7c, 0x85, 0x88)), true, "FU-A start of an IDR");
    assert.equal(isKeyframeStart("h264", bytes(0x7c, 0x05, 0x88)), false, "FU-A continuation");
    assert.equal(isKeyframeStart("h264", bytes(0x7c, 0x81, 0x88)), false, "FU-A start of a non-IDR slice");
  });

  it("VP9 and AV1", () => {
    assert.equal(isKeyframeStart("vp9", bytes(0x08)), true, "B set, P clear");
    assert.equal(isKeyframeStart("vp9", bytes(0x48)), false, "inter-predicted");
    assert.equal(isKeyframeStart("av1", bytes(0x08)), true, "N: new coded video sequence");
    assert.equal(isKeyframeStart("av1", bytes(0x00)), false);
    assert.equal(isKeyframeStart("av1", bytes(0x88)), false, "a continuation cannot start a frame");
  });
});

describe("h264ProfileFromPacket", () => {
  it("reads profile-level-id from an SPS alone, in STAP-A, or at the start of an FU-A", () => {
    assert.equal(h264ProfileFromPacket(bytes(...SPS_HIGH)), "640028");
    assert.equal(h264ProfileFromPacket(bytes(0x78, 0x00, PPS.length, ...PPS, 0x00, SPS_HIGH.length, ...SPS_HIGH)), "640028");
    assert.equal(h264ProfileFromPacket(bytes(0x7c, 0x87, 0x42, 0xe0, 0x1f, 0x00)), "42e01f");
    assert.equal(h264ProfileFromPacket(bytes(...IDR)), undefined);
    assert.equal(h264ProfileFromPacket(bytes(0x67, 0x64)), undefined, "truncated SPS");
  });
});
