/**
 * Browser-shaped WHIP offers (Chromium 156, notes/whip-whep.md §3): many codecs with RTX and
 * RED/ULPFEC, transport-cc and a dozen header extensions, `a=extmap-allow-mixed`, `a=msid`, an
 * `ssrc-group:FID`, and host candidates already in the offer — once with VP8 first (the default)
 * and once with H.264 first (what `setCodecPreferences` produces). A node-datachannel peer carries
 * the ICE/DTLS/RTP on 127.0.0.1; real Chromium publishing runs in test/e2e (it needs a network
 * namespace). The server must pick the browser's first codec, answer it alone, and forward it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type NdcVideo, ObsClient, PPS_CB, releaseNodeDataChannel, SPS_CB_31, transportOf } from "../helpers/obs-client.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { assertNothingLeft, assertReceives, publishWith, remove, watch } from "../helpers/whip-flow.ts";

const VIDEO_CODECS: Record<number, string[]> = {
  96: ["a=rtpmap:96 VP8/90000"],
  97: ["a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96"],
  102: ["a=rtpmap:102 H264/90000", "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"],
  103: ["a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102"],
  104: ["a=rtpmap:104 H264/90000", "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"],
  105: ["a=rtpmap:105 rtx/90000", "a=fmtp:105 apt=104"],
  106: ["a=rtpmap:106 H264/90000", "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"],
  107: ["a=rtpmap:107 rtx/90000", "a=fmtp:107 apt=106"],
  127: ["a=rtpmap:127 H264/90000", "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"],
  125: ["a=rtpmap:125 rtx/90000", "a=fmtp:125 apt=127"],
  45: ["a=rtpmap:45 AV1/90000", "a=fmtp:45 level-idx=5;profile=0;tier=0"],
  46: ["a=rtpmap:46 rtx/90000", "a=fmtp:46 apt=45"],
  98: ["a=rtpmap:98 VP9/90000", "a=fmtp:98 profile-id=0"],
  99: ["a=rtpmap:99 rtx/90000", "a=fmtp:99 apt=98"],
  116: ["a=rtpmap:116 red/90000"],
  117: ["a=rtpmap:117 rtx/90000", "a=fmtp:117 apt=116"],
  118: ["a=rtpmap:118 ulpfec/90000"],
};
const VP8_FIRST = [96, 97, 102, 103, 104, 105, 106, 107, 127, 125, 45, 46, 98, 99, 116, 117, 118];
const H264_FIRST = [102, 103, 104, 105, 106, 107, 127, 125, 96, 97, 45, 46, 98, 99, 116, 117, 118];

function feedback(payloadType: number): string[] {
  const [, codec] = VIDEO_CODECS[payloadType][0].split(" ");
  if (/^(rtx|red|ulpfec)\//.test(codec)) return [];
  return ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"].map((type) => `a=rtcp-fb:${payloadType} ${type}`);
}

/** A Chromium offer after full gathering, carrying `client`'s transport, SSRCs and loopback candidate. */
function chromiumOffer(client: ObsClient, videoOrder: number[]): string {
  const { ufrag, pwd, fingerprint, candidate } = transportOf(client.localOffer);
  assert.ok(candidate, "libdatachannel gathered a loopback host candidate");
  const port = candidate.split(" ")[5];
  const transport = (mid: string) => [
    `c=IN IP4 127.0.0.1`,
    "a=rtcp:9 IN IP4 0.0.0.0",
    `a=candidate:${candidate}`,
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    "a=ice-options:trickle",
    `a=fingerprint:${fingerprint}`,
    "a=setup:actpass",
    `a=mid:${mid}`,
  ];
  const rtxSsrc = client.videoSsrc + 1000;
  return [
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS browser-stream",
    `m=audio ${port} UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126`,
    ...transport("0"),
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendonly",
    "a=msid:browser-stream audio-track",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:13 CN/8000",
    "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000",
    `a=ssrc:${client.audioSsrc} cname:browsercname`,
    `a=ssrc:${client.audioSsrc} msid:browser-stream audio-track`,
    `m=video ${port} UDP/TLS/RTP/SAVPF ${videoOrder.join(" ")}`,
    ...transport("1"),
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "a=sendonly",
    "a=msid:browser-stream video-track",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    ...videoOrder.flatMap((payloadType) => [VIDEO_CODECS[payloadType][0], ...feedback(payloadType), ...VIDEO_CODECS[payloadType].slice(1)]),
    `a=ssrc-group:FID ${client.videoSsrc} ${rtxSsrc}`,
    `a=ssrc:${client.videoSsrc} cname:browsercname`,
    `a=ssrc:${client.videoSsrc} msid:browser-stream video-track`,
    `a=ssrc:${rtxSsrc} cname:browsercname`,
    `a=ssrc:${rtxSsrc} msid:browser-stream video-track`,
    "",
  ].join("\r\n");
}

describe("WHIP publish with browser-shaped offers (VP8 or H.264 first, Opus)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
    releaseNodeDataChannel();
  });

  const cases = [
    { name: "VP8", order: VP8_FIRST, payloadType: 96, rtpmap: /VP8\/90000/, addCodec: (media: NdcVideo) => media.addVP8Codec(96) },
    { name: "H.264", order: H264_FIRST, payloadType: 102, rtpmap: /H264\/90000/, addCodec: (media: NdcVideo) => media.addH264Codec(102, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f") },
  ];
  for (const test of cases) {
    it(`forwards ${test.name} + Opus from a browser-shaped offer to a viewer`, async () => {
      const stream = `browser-${test.name === "VP8" ? "vp8" : "h264"}`;
      const client = new ObsClient({ video: { codecs: test.addCodec, payloadType: test.payloadType }, sps: SPS_CB_31, pps: PPS_CB, tag: 0x77 });
      const sending = new AbortController();
      try {
        await client.offer();
        const { whip, location } = await publishWith(server, stream, client, chromiumOffer(client, test.order));
        assert.match(whip.body, new RegExp(`^m=video 9 UDP/TLS/RTP/SAVPF ${test.payloadType}\\r\\n`, "m"), "the browser's first video codec, alone");
        assert.match(whip.body, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r\n/m, "Opus, alone");
        assert.doesNotMatch(whip.body, /apt=|ssrc-group|transport-cc|red\/|ulpfec/, "no RTX, RED, FEC or transport-cc in the answer");
        const extensions = whip.body.match(/^a=extmap:.*$/gm) ?? [];
        assert.ok(extensions.length > 0 && extensions.every((line) => line === "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"), `only the MID extension, under the browser's id: ${extensions.join(", ")}`);

        const media = client.stream(5, { gop: 30, codec: test.name === "VP8" ? "vp8" : "h264", signal: sending.signal });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const { viewer, whep } = await watch(server, stream);
        try {
          await assertReceives(viewer, whep, { video: test.rtpmap, tag: 0x77 });
          const first = viewer.received.video[0].payload;
          if (test.name === "VP8") assert.equal(first[1] & 0x01, 0, "the viewer starts on a VP8 keyframe");
          else assert.equal(first[0], 0x67, "the viewer starts on an SPS");
        } finally {
          sending.abort();
          await media;
          await viewer.pc.close();
        }
        assert.equal(await remove(whep.headers.get("location")!), 200);
        assert.equal(await remove(location), 200);
      } finally {
        sending.abort();
        client.close();
      }
      await assertNothingLeft(server);
    });
  }
});
