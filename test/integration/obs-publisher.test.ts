/**
 * OBS Studio as a WHIP publisher, reproduced with node-datachannel (libdatachannel, OBS's own
 * WebRTC stack; notes/whip-whep.md §2): an offer without candidates that is never PATCHed, H.264
 * advertised as 42e01f while the SPS says High 4.0, the older offer with session-level ICE/DTLS
 * attributes, and OBS's reconnect — a fresh POST for the same stream without a DELETE first.
 * Werift viewers watch over WHEP; everything runs on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RTCRtpCodecParameters, type RtpPacket } from "werift";
import { ObsClient, releaseNodeDataChannel, SPS_HIGH_40 } from "../helpers/obs-client.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { H264, VP8, waitFor } from "../helpers/werift-peer.ts";
import { assertNothingLeft, assertReceives, publishWith, remove, watch } from "../helpers/whip-flow.ts";

function h264(payloadType: number, profileLevelId: string): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: "video/H264",
    clockRate: 90000,
    payloadType,
    parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId}`,
    rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
  });
}

/** OBS ≤ 30.1 (older libdatachannel): ICE credentials and DTLS setup at session level, `OPUS` upper case. */
function olderObsOffer(offer: string): string {
  const lines = offer.split("\r\n");
  const moved = ["a=ice-ufrag:", "a=ice-pwd:", "a=setup:", "a=fingerprint:"].map((prefix) => lines.find((line) => line.startsWith(prefix))!);
  const media = lines.findIndex((line) => line.startsWith("m="));
  const session = lines.slice(0, media).filter((line) => !moved.includes(line));
  const rest = lines.slice(media).filter((line) => !moved.includes(line)).map((line) => line.replace("opus/48000/2", "OPUS/48000/2"));
  return [...session, ...moved, ...rest].join("\r\n");
}

/** The filler byte of an H.264 slice packet (single NAL or FU-A), or undefined for SPS/PPS. */
function sliceTag(packet: RtpPacket): number | undefined {
  const type = packet.payload[0] & 0x1f;
  if (type === 1) return packet.payload[1];
  if (type === 28) return packet.payload[2];
  return undefined;
}

async function profileKnown(server: TestServer, profileLevelId: string): Promise<void> {
  const rows = () => server.db.$client.prepare("select properties from media_elements").all() as Array<{ properties: string }>;
  await waitFor(() => rows().some((row) => JSON.parse(row.properties).videoProfile === profileLevelId), 5000, `the server to read profile ${profileLevelId} from the SPS`);
}

describe("WHIP publish from OBS (node-datachannel stand-in), WHEP play", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
    releaseNodeDataChannel();
  });

  it("publishes H.264 + Opus from an offer without candidates, never PATCHed, and a viewer receives it", async () => {
    const obs = new ObsClient({ tag: 0x11 });
    const sending = new AbortController();
    try {
      const offer = await obs.offer();
      assert.match(obs.localOffer, /^a=candidate:.* 127\.0\.0\.1 \d+ typ host/m, "libdatachannel gathered on loopback only");
      assert.doesNotMatch(offer, /a=candidate|a=end-of-candidates/, "OBS posts no candidates");
      assert.match(offer, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r\n/m);
      assert.match(offer, /^a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1$/m);
      const { whip, location } = await publishWith(server, "obs", obs, offer);
      assert.match(whip.body, /^a=mid:0$/m);
      assert.match(whip.body, /^a=mid:1$/m);
      assert.match(whip.body, /^a=fmtp:111 .*stereo=1/m);
      assert.match(whip.body, /^a=rtpmap:96 H264\/90000$/m);
      assert.match(whip.body, /a=rtcp-mux-only/);
      assert.match(whip.body, /a=end-of-candidates/);
      const media = obs.stream(6, { gop: 30, signal: sending.signal });

      await new Promise((resolve) => setTimeout(resolve, 700));
      const { viewer, whep } = await watch(server, "obs");
      try {
        assert.match(whep.body, /^a=rtpmap:102 H264\/90000$/m);
        await assertReceives(viewer, whep, { video: /H264\/90000/, tag: 0x11 });
        assert.equal(viewer.received.video[0].payload[0], 0x67, "the viewer starts on the SPS of the cached keyframe");
        assert.ok(viewer.received.video.some((packet) => sliceTag(packet) === 0x11), "video slices are the publisher's");
        assert.equal(await remove(whep.headers.get("location")!), 200);
      } finally {
        sending.abort();
        await media;
        await viewer.pc.close();
      }
      const streams = (await (await fetch(`${server.url}/v1/streams`)).json()) as { streams: Array<{ name: string; codecs: Record<string, string> }> };
      assert.deepEqual(streams.streams.find((stream) => stream.name === "obs")?.codecs, { audio: "audio/opus", video: "video/H264" });
      assert.equal(await remove(location), 200, "OBS logs a warning unless DELETE answers 200");
    } finally {
      sending.abort();
      obs.close();
    }
    await assertNothingLeft(server);
  });

  it("accepts OBS ≤ 30.1's offer with session-level ICE/DTLS attributes and upper-case OPUS", async () => {
    const obs = new ObsClient({ tag: 0x22 });
    const sending = new AbortController();
    try {
      const offer = olderObsOffer(await obs.offer());
      const beforeFirstMedia = offer.slice(0, offer.indexOf("\r\nm="));
      for (const attribute of ["ice-ufrag", "ice-pwd", "setup", "fingerprint"]) {
        assert.match(beforeFirstMedia, new RegExp(`^a=${attribute}:`, "m"));
        assert.doesNotMatch(offer.slice(beforeFirstMedia.length), new RegExp(`^a=${attribute}:`, "m"));
      }
      const { whip, location } = await publishWith(server, "obs-old", obs, offer);
      assert.match(whip.body, /^a=rtpmap:111 OPUS\/48000\/2$/im);
      const media = obs.stream(5, { gop: 30, signal: sending.signal });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { viewer, whep } = await watch(server, "obs-old");
      try {
        await assertReceives(viewer, whep, { video: /H264\/90000/, tag: 0x22 });
      } finally {
        sending.abort();
        await media;
        await viewer.pc.close();
      }
      assert.equal(await remove(whep.headers.get("location")!), 200);
      assert.equal(await remove(location), 200);
    } finally {
      sending.abort();
      obs.close();
    }
    await assertNothingLeft(server);
  });

  it("answers a viewer with the SPS's real profile (High 640028) although OBS advertised 42e01f", async () => {
    assert.equal(SPS_HIGH_40.subarray(1, 4).toString("hex"), "640028");
    const obs = new ObsClient({ sps: SPS_HIGH_40, tag: 0x33 });
    const sending = new AbortController();
    try {
      const offer = await obs.offer();
      assert.match(offer, /profile-level-id=42e01f/);
      const { location } = await publishWith(server, "obs-high", obs, offer);
      const media = obs.stream(6, { gop: 30, signal: sending.signal });
      await profileKnown(server, "640028");

      // A browser-like viewer offering Constrained Baseline first, then Main and High.
      const { viewer, whep } = await watch(server, "obs-high", [VP8, h264(102, "42e01f"), h264(104, "4d001f"), h264(106, "640028"), h264(108, "640c28")]);
      // A viewer offering Constrained Baseline only still gets the stream (as advertised).
      const { viewer: baseline, whep: baselineWhep } = await watch(server, "obs-high", [VP8, H264]);
      try {
        assert.match(whep.body, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 106\r\n/m, "the viewer's High entry is chosen");
        assert.match(whep.body, /^a=fmtp:106 .*profile-level-id=640028/m);
        assert.doesNotMatch(whep.body, /profile-level-id=42e01f/);
        await assertReceives(viewer, whep, { video: /H264\/90000/, tag: 0x33 });
        assert.equal(viewer.received.video[0].payload.subarray(0, 4).toString("hex"), "67640028", "the first packet is the High-profile SPS");
        assert.match(baselineWhep.body, /^a=fmtp:102 .*profile-level-id=42e01f/m);
        await assertReceives(baseline, baselineWhep, { video: /H264\/90000/, tag: 0x33 });
      } finally {
        sending.abort();
        await media;
        await Promise.all([viewer.pc.close(), baseline.pc.close()]);
      }
      assert.equal(await remove(whep.headers.get("location")!), 200);
      assert.equal(await remove(baselineWhep.headers.get("location")!), 200);
      assert.equal(await remove(location), 200);
    } finally {
      sending.abort();
      obs.close();
    }
    await assertNothingLeft(server);
  });

  it("replaces a stale publisher on a fresh POST (OBS reconnect); the viewer keeps receiving with continuous sequence numbers", async () => {
    const first = new ObsClient({ tag: 0xa1 });
    const second = new ObsClient({ tag: 0xb2 });
    const sending = new AbortController();
    let secondLocation = "";
    try {
      const { location: firstLocation } = await publishWith(server, "obs-re", first, await first.offer());
      const firstMedia = first.stream(3, { gop: 30 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { viewer, whep } = await watch(server, "obs-re");
      try {
        await firstMedia;
        await waitFor(() => viewer.received.video.some((packet) => sliceTag(packet) === 0xa1), 3000, "video from the first publisher");
        const countsBefore = { video: viewer.received.video.length, audio: viewer.received.audio.length };

        // The first OBS went silent without a DELETE (its PeerConnection is still open); it reconnects with a new POST.
        secondLocation = (await publishWith(server, "obs-re", second, await second.offer())).location;
        assert.notEqual(secondLocation, firstLocation);
        assert.equal(await remove(firstLocation), 404, "the replaced session is gone");
        const secondMedia = second.stream(4, { gop: 30, signal: sending.signal });
        await waitFor(() => viewer.received.video.filter((packet) => sliceTag(packet) === 0xb2).length >= 30, 8000, "video from the second publisher");
        sending.abort();
        await secondMedia;

        const videoTags = viewer.received.video.map(sliceTag).filter((tag) => tag !== undefined);
        const switchAt = videoTags.indexOf(0xb2);
        assert.ok(switchAt > 0 && videoTags.slice(0, switchAt).every((tag) => tag === 0xa1) && videoTags.slice(switchAt).every((tag) => tag === 0xb2), "first publisher's video, then only the second's");
        assert.ok(viewer.received.audio.slice(countsBefore.audio).some((packet) => packet.payload[0] === 0xb2), "audio from the second publisher");
        assert.ok(viewer.received.video.length > countsBefore.video);
        for (const kind of ["video", "audio"] as const) {
          const seqs = viewer.received[kind].map((packet) => packet.header.sequenceNumber);
          for (let index = 1; index < seqs.length; index++) assert.equal(seqs[index], (seqs[index - 1] + 1) & 0xffff, `continuous ${kind} sequence numbers across the switch (index ${index})`);
        }
        const isFirst = { video: (packet: RtpPacket) => sliceTag(packet) === 0xa1, audio: (packet: RtpPacket) => packet.payload[0] === 0xa1 };
        for (const [kind, oneSecond] of [["video", 90000], ["audio", 48000]] as const) {
          const packets = viewer.received[kind];
          const lastOld = packets.findLastIndex(isFirst[kind]);
          assert.ok(lastOld >= 0 && lastOld + 1 < packets.length, `${kind} from both publishers`);
          const step = (packets[lastOld + 1].header.timestamp - packets[lastOld].header.timestamp) >>> 0;
          assert.ok(step > 0 && step <= oneSecond, `${kind} timestamp moves forward by ${step} at the switch, not backwards or by more than a second`);
        }
        assert.equal(new Set(viewer.received.video.map((packet) => packet.header.ssrc)).size, 1, "one video SSRC toward the viewer across the switch");

        const streams = (await (await fetch(`${server.url}/v1/streams`)).json()) as { streams: Array<{ name: string; viewers: number; state: string }> };
        assert.deepEqual(
          streams.streams.filter((stream) => stream.name === "obs-re").map((stream) => [stream.viewers, stream.state]),
          [[1, "connected"]],
        );
        assert.equal(await remove(whep.headers.get("location")!), 200);
      } finally {
        sending.abort();
        await viewer.pc.close();
      }
      assert.equal(await remove(secondLocation), 200);
    } finally {
      sending.abort();
      first.close();
      second.close();
    }
    await assertNothingLeft(server);
  });
});
