/**
 * The forwarding core without a network: a MediaOutput fanning packets out to MediaInputs whose
 * sender is a recorder. Shows extension stripping, keyframe-gated start, the GOP burst squeezed
 * to the live edge, throttled keyframe requests, and continuity across a source switch.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtpHeader, RtpPacket, type RTCRtpSender } from "werift";
import { MediaInput } from "../../src/media/rtp/media-input.ts";
import { MediaOutput } from "../../src/media/rtp/media-output.ts";
import { SenderTarget } from "../../src/media/rtp/rtp-target.ts";

class RecordingSender {
  sent: RtpPacket[] = [];
  continuity: number[] = [];
  async sendRtp(packet: RtpPacket): Promise<void> {
    this.sent.push(packet.clone());
  }
  replaceRTP(_header: unknown, _discontinuity: boolean, step: number): void {
    this.continuity.push(step);
  }
}

function vp8(sequenceNumber: number, timestamp: number, keyframe: boolean): RtpPacket {
  const header = new RtpHeader({ sequenceNumber, timestamp, payloadType: 96, ssrc: 1, extension: true, extensions: [{ id: 3, payload: Buffer.from([1, 2]) }] });
  return new RtpPacket(header, Buffer.from([0x10, keyframe ? 0x00 : 0x01, 0xaa]));
}

function setup(options: { gop?: number; pliMinIntervalMs?: number } = {}) {
  const requests: number[] = [];
  const output = new MediaOutput({
    kind: "video",
    gopCacheMaxPackets: options.gop ?? 100,
    pliMinIntervalMs: options.pliMinIntervalMs ?? 1000,
    sendKeyframeRequest: () => requests.push(performance.now()),
    onVideoProfile: () => {},
  });
  output.setCodec("video/VP8", 90000);
  const sender = new RecordingSender();
  const input = new MediaInput("video");
  input.attachTarget(new SenderTarget(sender as unknown as RTCRtpSender, "video/VP8", 90000));
  return { output, input, sender, requests };
}

describe("MediaOutput → MediaInput", () => {
  it("waits for a keyframe when nothing is cached, asking the publisher once per interval", () => {
    const { output, input, sender, requests } = setup({ gop: 0 });
    input.setSource(output);
    input.setReady(true);
    assert.equal(requests.length, 1, "joining asks for a keyframe");
    for (let index = 0; index < 5; index++) output.push(vp8(index, index * 3000, false));
    assert.equal(sender.sent.length, 0, "delta frames before a keyframe are dropped");
    assert.equal(requests.length, 1, "further requests are throttled");
    output.push(vp8(5, 15000, true));
    output.push(vp8(6, 18000, false));
    assert.deepEqual(sender.sent.map((packet) => packet.header.sequenceNumber), [5, 6]);
    assert.ok(sender.sent.every((packet) => packet.header.extensions.length === 0 && !packet.header.extension), "publisher extensions stripped");
  });

  it("starts a late sink with the cached GOP, squeezed one tick apart up to the newest frame", () => {
    const { output, input, sender, requests } = setup();
    output.push(vp8(10, 1000, false));
    output.push(vp8(11, 4000, true));
    output.push(vp8(12, 4000, false));
    output.push(vp8(13, 7000, false));
    output.push(vp8(14, 10000, false));
    input.setSource(output);
    input.setReady(true);
    assert.equal(requests.length, 0, "a cached GOP needs no keyframe request");
    assert.deepEqual(sender.sent.map((packet) => [packet.header.sequenceNumber, packet.header.timestamp]), [
      [11, 9998],
      [12, 9998],
      [13, 9999],
      [14, 10000],
    ]);
    output.push(vp8(15, 13000, false));
    assert.deepEqual(sender.sent.at(-1)!.header.timestamp, 13000, "live packets keep their timestamps");
  });

  it("paces a large GOP out in chunks and holds live packets behind it, in order", async () => {
    const { output, input, sender } = setup({ gop: 1000 });
    output.push(vp8(0, 0, true));
    for (let index = 1; index < 100; index++) output.push(vp8(index, Math.floor(index / 10) * 3000, false));
    input.setSource(output);
    input.setReady(true);
    assert.equal(sender.sent.length, 32, "the first chunk goes at once");
    output.push(vp8(100, 30000, false));
    assert.equal(sender.sent.length, 32, "a live packet waits behind the burst");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      sender.sent.map((packet) => packet.header.sequenceNumber),
      Array.from({ length: 101 }, (_, index) => index),
    );
    output.push(vp8(101, 33000, false));
    assert.equal(sender.sent.at(-1)!.header.sequenceNumber, 101, "then live again");
  });

  it("drops the cache when a GOP outgrows it", () => {
    const { output } = setup({ gop: 3 });
    output.push(vp8(1, 0, true));
    for (let index = 2; index <= 4; index++) output.push(vp8(index, index * 3000, false));
    assert.equal(output.gopCache.length, 0);
    output.push(vp8(5, 20000, true));
    assert.equal(output.gopCache.length, 1);
  });

  it("keeps sequence continuity when the sink switches to another source", () => {
    const { output, input, sender } = setup();
    output.push(vp8(1, 0, true));
    input.setSource(output);
    input.setReady(true);
    const other = new MediaOutput({ kind: "video", gopCacheMaxPackets: 100, pliMinIntervalMs: 0, sendKeyframeRequest: () => {}, onVideoProfile: () => {} });
    other.setCodec("video/VP8", 90000);
    other.push(vp8(500, 777000, true));
    input.setSource(other);
    assert.deepEqual(sender.continuity, [3000], "the sender is told to continue seq/ts one frame on");
    assert.equal(output.sinks.length, 0, "the old source no longer feeds the sink");
    assert.equal(sender.sent.at(-1)!.header.sequenceNumber, 500);
  });

  it("refuses to forward a codec the sink did not negotiate", () => {
    const { input } = setup();
    const h264 = new MediaOutput({ kind: "video", gopCacheMaxPackets: 10, pliMinIntervalMs: 0, sendKeyframeRequest: () => {}, onVideoProfile: () => {} });
    h264.setCodec("video/H264", 90000);
    input.setSource(h264);
    input.setReady(true);
    assert.equal(input.active, false);
    assert.match(input.blockedReason!, /video\/H264.*video\/VP8/);
  });
});
