/**
 * The keyframe headers a recorder reads its file's track header from, on real encoder output
 * (test/fixtures, made with ffmpeg): VP8 picture size, H.264 SPS (codec string and cropped
 * size, also through emulation-prevention bytes), VP9 and AV1 codec strings and sizes — each
 * compared with what mediabunny reads from the container ffmpeg wrote. Garbage gives undefined,
 * never a wrong answer or a throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from "mediabunny";
import { parseAvcDecoderConfigurationRecord } from "werift";
import { av1SequenceInfo } from "../../src/media/codec-headers/av1-sequence.ts";
import { annexBNalUnits, h264SpsOf, parseH264Sps } from "../../src/media/codec-headers/h264-sps.ts";
import { opusPacketDuration } from "../../src/media/codec-headers/opus-toc.ts";
import { vp8KeyframeSize } from "../../src/media/codec-headers/vp8-frame.ts";
import { vp9KeyframeInfo } from "../../src/media/codec-headers/vp9-frame.ts";
import { videoDecoderConfig } from "../../src/media/recording/decoder-config.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function firstVideoPacket(name: string) {
  const input = new Input({ formats: ALL_FORMATS, source: new FilePathSource(fixture(name)) });
  const track = (await input.getPrimaryVideoTrack())!;
  const packet = (await new EncodedPacketSink(track).getFirstPacket())!;
  const result = { data: packet.data, key: packet.type === "key", config: (await track.getDecoderConfig())!, codecString: await track.getCodecParameterString(), width: await track.getCodedWidth(), height: await track.getCodedHeight() };
  input.dispose();
  return result;
}

describe("keyframe headers", () => {
  it("VP8: the picture size (RFC 6386 §9.1)", async () => {
    const packet = await firstVideoPacket("vp8-opus.webm");
    assert.equal(packet.key, true);
    assert.deepEqual(vp8KeyframeSize(packet.data), { width: 320, height: 240 });
    assert.deepEqual(videoDecoderConfig("vp8", packet.data), { codec: "vp8", codedWidth: 320, codedHeight: 240 });
    const delta = Uint8Array.from(packet.data);
    delta[0] |= 1;
    assert.equal(vp8KeyframeSize(delta), undefined, "an inter frame has no size");
  });

  it("H.264: codec string and size from the SPS of an Annex B access unit", async () => {
    const packet = await firstVideoPacket("h264-opus.mp4");
    const record = parseAvcDecoderConfigurationRecord(packet.config.description!);
    const start = Buffer.from([0, 0, 0, 1]);
    const annexB = Buffer.concat([start, record.sps[0], start, record.pps[0], Buffer.from([0, 0, 1, 0x65, 0x88])]);
    assert.deepEqual([...annexBNalUnits(annexB)].map((nal) => nal[0] & 0x1f), [7, 8, 5]);
    const sps = h264SpsOf(annexB)!;
    assert.equal(sps.codec, packet.codecString, "the codec string mediabunny reads from ffmpeg's avcC");
    assert.deepEqual([sps.width, sps.height], [320, 240]);
  });

  it("H.264: high profile with cropping, scaling lists and emulation prevention", () => {
    // 1920x1080 High@4.0 SPS (frame_cropping to 1080 rows) as x264 writes it.
    const nal = Buffer.from("6764002aacd940780227e5c04400000300040000030190f0c18c60", "hex");
    const sps = parseH264Sps(nal);
    assert.equal(sps.codec, "avc1.64002a");
    assert.deepEqual([sps.width, sps.height], [1920, 1080]);
    assert.equal(h264SpsOf(Buffer.from([0, 0, 1, 0x65, 0x88, 0x80])), undefined, "an access unit without SPS");
    assert.equal(videoDecoderConfig("h264", Buffer.from([0, 0, 1, 0x67, 0x64])), undefined, "a truncated SPS");
  });

  it("VP9: profile, level, bit depth and size", async () => {
    const packet = await firstVideoPacket("vp9-352x288.webm");
    const info = vp9KeyframeInfo(packet.data)!;
    assert.deepEqual([info.width, info.height], [352, 288]);
    assert.equal(info.codec, "vp09.00.20.08", "profile 0, level 2 (up to 122 880 samples) for 352x288, 8 bits");
    assert.equal(vp9KeyframeInfo(Uint8Array.from([0x86, 0x00])), undefined, "an inter frame");
  });

  it("AV1: codec string and maximum size from the sequence header OBU", async () => {
    const packet = await firstVideoPacket("av1-200x120.webm");
    const info = av1SequenceInfo(packet.data)!;
    assert.deepEqual([info.width, info.height], [200, 120]);
    assert.equal(info.codec, packet.codecString);
    assert.equal(av1SequenceInfo(Uint8Array.from([0x32, 0x00])), undefined, "a temporal unit without a sequence header");
  });

  it("Opus: packet duration from the TOC byte (RFC 6716 §3.1)", () => {
    assert.equal(opusPacketDuration(Uint8Array.from([0xfc, 0x00])), 0.02, "CELT FB 20 ms, one frame");
    assert.equal(opusPacketDuration(Uint8Array.from([0x78, 0x00])), 0.02, "hybrid 20 ms");
    assert.equal(opusPacketDuration(Uint8Array.from([0x09, 0x00])), 0.04, "SILK 20 ms, two frames");
    assert.equal(opusPacketDuration(Uint8Array.from([0x1b, 0x03])), 0.18, "SILK 60 ms, code 3 with three frames");
    assert.equal(opusPacketDuration(Uint8Array.from([])), 0.02);
  });
});
