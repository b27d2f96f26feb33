/**
 * The recorder's packet path without a network: the jitter buffer puts reordered packets back
 * in order, waits for a late one for its latency and then reports exactly the lost ones; the
 * frame assembler turns packets into frames, drops video broken by a loss until the next
 * keyframe (asking for one), and keeps whole frames whose loss lay before them. Profiles refuse
 * codecs their container cannot hold, naming one that can.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
import { type AssembledFrame, FrameAssembler } from "../../src/media/recording/frame-assembler.ts";
import { profileMismatch, profileSpec } from "../../src/media/recording/profiles.ts";
import { RtpJitterBuffer } from "../../src/media/recording/rtp-jitter-buffer.ts";
import { vp8Packet } from "../helpers/werift-peer.ts";

function packet(seq: number): RtpPacket {
  return new RtpPacket(new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: seq * 10 }), Buffer.from([seq & 0xff]));
}

function collector() {
  const out: string[] = [];
  return { out, sink: { packet: (rtp: RtpPacket) => out.push(String(rtp.header.sequenceNumber)), lost: (count: number) => out.push(`lost ${count}`) } };
}

describe("RtpJitterBuffer", () => {
  it("reorders, drops duplicates, and gives up a gap after its latency", () => {
    const { out, sink } = collector();
    const buffer = new RtpJitterBuffer(100, sink);
    buffer.push(packet(10), 0);
    buffer.push(packet(12), 1);
    buffer.push(packet(11), 2);
    buffer.push(packet(11), 3);
    assert.deepEqual(out, ["10", "11", "12"], "in order, once each");
    buffer.push(packet(15), 10);
    buffer.push(packet(16), 20);
    buffer.expire(100);
    assert.deepEqual(out.slice(3), [], "13 and 14 are still awaited 90 ms later");
    buffer.push(packet(14), 105);
    buffer.expire(111);
    assert.deepEqual(out.slice(3), ["lost 1", "14", "15", "16"], "13 given up, 14 (late but in time) kept");
    buffer.push(packet(13), 120);
    assert.equal(out.length, 7, "a packet after its place was given up is dropped");
    assert.equal(buffer.lostPackets, 1);
  });

  it("crosses the 16-bit wrap, restarts after a jump, and flushes what it holds", () => {
    const { out, sink } = collector();
    const buffer = new RtpJitterBuffer(100, sink);
    for (const seq of [65534, 0, 65535, 1]) buffer.push(packet(seq), 0);
    assert.deepEqual(out, ["65534", "65535", "0", "1"]);
    buffer.push(packet(30000), 1);
    buffer.push(packet(30002), 2);
    buffer.flush();
    assert.deepEqual(out.slice(4), ["30000", "lost 1", "30002"]);
    assert.equal(buffer.held, 0);
  });
});

describe("FrameAssembler", () => {
  const vp8 = (seq: number, frame: number, key: boolean, marker = true) => {
    const rtp = vp8Packet(seq, frame * 3000, key, 40);
    rtp.header.marker = marker;
    if (!marker || seq % 2 === 1) rtp.payload[0] = seq % 2 === 1 && !marker ? 0x00 : rtp.payload[0];
    return rtp;
  };

  it("assembles frames, drops video broken by a loss until a keyframe, and asks for one", () => {
    const frames: AssembledFrame[] = [];
    let requests = 0;
    const assembler = new FrameAssembler("video", "vp8", { frame: (frame) => frames.push(frame), keyframeNeeded: () => requests++ });
    assembler.packet(vp8(1, 0, false));
    assert.equal(frames.length, 0, "video starts on a keyframe");
    assert.equal(requests, 1);
    assembler.packet(vp8(2, 1, true));
    assembler.packet(vp8(3, 2, false));
    assert.deepEqual(frames.map((frame) => [frame.rtpTimestamp, frame.keyframe]), [[3000, true], [6000, false]]);
    assembler.lost(1);
    assert.equal(requests, 2, "a loss asks for a keyframe");
    assembler.packet(vp8(5, 4, false));
    assembler.packet(vp8(6, 5, false));
    assert.equal(frames.length, 2, "delta frames after a loss are dropped");
    assembler.packet(vp8(7, 6, true));
    assert.equal(frames.length, 3, "a whole keyframe after the loss restarts the video");
    assert.equal(frames[2].keyframe, true);
  });

  it("keeps every Opus frame around a loss", () => {
    const frames: AssembledFrame[] = [];
    const assembler = new FrameAssembler("audio", "opus", { frame: (frame) => frames.push(frame), keyframeNeeded: () => assert.fail("audio needs no keyframe") });
    const opus = (seq: number) => new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960 }), Buffer.from([0xfc, 1, 2]));
    assembler.packet(opus(1));
    assembler.lost(1);
    assembler.packet(opus(3));
    assert.deepEqual(frames.map((frame) => frame.rtpTimestamp), [960, 2880]);
  });
});

describe("recording profiles", () => {
  it("refuses a codec the container cannot hold, naming one that can", () => {
    assert.equal(profileMismatch("WEBM", { video: "vp8", audio: "opus" }), undefined);
    assert.match(profileMismatch("WEBM", { video: "h264", audio: "opus" })!, /WEBM cannot hold H264 video; use MKV/);
    assert.match(profileMismatch("MP4_VIDEO_ONLY", { video: "vp8" })!, /use WEBM_VIDEO_ONLY/);
    assert.match(profileMismatch("MKV", { video: "vp8", audio: "pcmu" })!, /PCMU.*use MKV_VIDEO_ONLY/);
    assert.equal(profileMismatch("MP4_AUDIO_ONLY", { video: "vp8", audio: "opus" }), undefined, "the left-out kind is not checked");
    assert.deepEqual(profileSpec("MKV_AUDIO_ONLY"), { profile: "MKV_AUDIO_ONLY", container: "mkv", kinds: ["audio"], mimeType: "audio/x-matroska", extension: ".mkv" });
  });
});
