/**
 * GStreamer's WHIP client (simple-whip-client on webrtcbin) offers in its own style
 * (notes/whip-whep.md §3): mids `audio0`/`video1`, `OPUS` in upper case, the video m-line on
 * port 0 with `a=bundle-only`, transport-cc and `sprop-parameter-sets`, no candidates in the
 * offer, then its candidates trickled by PATCH with `If-Match`, and DELETE with `If-Match`.
 * A node-datachannel peer with those mids carries the ICE/DTLS/RTP; the SDP the server sees is
 * the webrtcbin offer, filled with that peer's credentials.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ObsClient, PPS_CB, releaseNodeDataChannel, SPS_CB_31, transportOf } from "../helpers/obs-client.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { assertNothingLeft, assertReceives, publishWith, remove, watch } from "../helpers/whip-flow.ts";

/** The offer simple-whip-client (webrtcbin, max-bundle) posts, as captured, with `client`'s transport. */
function webrtcbinOffer(client: ObsClient): string {
  const { ufrag, pwd, fingerprint } = transportOf(client.localOffer);
  const transport = [`a=setup:actpass`, `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`];
  return [
    "v=0",
    "o=- 3339858305698558227 0 IN IP4 0.0.0.0",
    "s=-",
    "t=0 0",
    "a=ice-options:trickle",
    "a=group:BUNDLE audio0 video1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 0.0.0.0",
    ...transport,
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=sendonly",
    "a=rtpmap:111 OPUS/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 sprop-stereo=0;sprop-maxcapturerate=48000",
    `a=ssrc:${client.audioSsrc} msid:user3159871385@host-5a4b webrtctransceiver0`,
    `a=ssrc:${client.audioSsrc} cname:user3159871385@host-5a4b`,
    "a=mid:audio0",
    `a=fingerprint:${fingerprint}`,
    "a=rtcp-mux-only",
    "m=video 0 UDP/TLS/RTP/SAVPF 96",
    "c=IN IP4 0.0.0.0",
    ...transport,
    "a=bundle-only",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=sendonly",
    "a=rtpmap:96 H264/90000",
    "a=rtcp-fb:96 nack pli",
    "a=rtcp-fb:96 ccm fir",
    "a=rtcp-fb:96 transport-cc",
    "a=framerate:30",
    "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAFdoBQBboQAAAAwBAAAAHo8YMqA==,aM48gA==;profile-level-id=42c015;level-asymmetry-allowed=1",
    `a=ssrc:${client.videoSsrc} msid:user3159871385@host-5a4b webrtctransceiver1`,
    `a=ssrc:${client.videoSsrc} cname:user3159871385@host-5a4b`,
    "a=mid:video1",
    `a=fingerprint:${fingerprint}`,
    "a=rtcp-mux-only",
    "",
  ].join("\r\n");
}

/** The same offer written the RFC 8843/JSEP way: the bundle-only m-line carries no ICE/DTLS attributes of its own. */
function withoutBundleOnlyTransport(offer: string): string {
  const [head, video] = offer.split(/(?=^m=video)/m);
  return head + video.replace(/^a=(setup|ice-ufrag|ice-pwd|fingerprint):.*\r\n/gm, "");
}

/** webrtcbin's trickle fragment: ufrag/pwd first, then the first m-line with proto RTP/AVP. */
function trickleFragment(client: ObsClient, end: boolean): string {
  const { ufrag, pwd, candidate } = transportOf(client.localOffer);
  assert.ok(candidate, "libdatachannel gathered a loopback host candidate");
  const lines = [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, "m=audio 9 RTP/AVP 0", "a=mid:audio0", end ? "a=end-of-candidates" : `a=candidate:${candidate}`];
  return `${lines.join("\r\n")}\r\n`;
}

describe("WHIP publish with GStreamer's offer style (m=video 0 + bundle-only, mids audio0/video1)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
    releaseNodeDataChannel();
  });

  for (const variant of ["as webrtcbin writes it", "JSEP-style, no transport attributes on the bundle-only m-line"]) {
    it(`publishes H.264 + Opus, trickles by PATCH and is watched (${variant})`, async () => {
      const stream = variant.startsWith("JSEP") ? "gst-jsep" : "gst";
      const client = new ObsClient({
        audio: { mid: "audio0" },
        video: { mid: "video1", codecs: (media) => media.addH264Codec(96, "packetization-mode=1;profile-level-id=42c015;level-asymmetry-allowed=1"), payloadType: 96 },
        sps: SPS_CB_31,
        pps: PPS_CB,
        tag: 0x5a,
      });
      const sending = new AbortController();
      try {
        await client.offer();
        let offer = webrtcbinOffer(client);
        if (stream === "gst-jsep") offer = withoutBundleOnlyTransport(offer);
        assert.match(offer, /^m=video 0 UDP\/TLS\/RTP\/SAVPF 96\r\nc=IN IP4 0\.0\.0\.0\r\n(a=.*\r\n)*a=bundle-only\r\n/m);

        const { whip, location } = await publishWith(server, stream, client, offer);
        assert.match(whip.body, /^a=group:BUNDLE audio0 video1$/m, "both m-lines bundled under the offer's mids");
        assert.match(whip.body, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 96\r\n/m, "the bundle-only video m-line is accepted, not rejected with port 0");
        assert.match(whip.body, /^a=mid:video1$/m);
        assert.match(whip.body, /^a=rtpmap:111 OPUS\/48000\/2$/im);
        assert.match(whip.body, /^a=fmtp:96 .*profile-level-id=42c015/m);
        assert.doesNotMatch(whip.body, /transport-cc/, "no transport-cc toward publishers");

        const etag = whip.headers.get("etag")!;
        for (const end of [false, true]) {
          const patch = await fetch(location, { method: "PATCH", headers: { "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag }, body: trickleFragment(client, end) });
          assert.equal(patch.status, 204, await patch.text());
        }

        const media = client.stream(6, { gop: 30, signal: sending.signal });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const { viewer, whep } = await watch(server, stream);
        try {
          assert.match(whep.body, /^a=fmtp:102 .*profile-level-id=42e01f/m, "the viewer's H.264 entry");
          await assertReceives(viewer, whep, { video: /H264\/90000/, tag: 0x5a });
          assert.equal(viewer.received.video[0].payload[0], 0x67, "the viewer starts on the SPS of a keyframe");
          assert.equal(await remove(whep.headers.get("location")!), 200);
        } finally {
          sending.abort();
          await media;
          await viewer.pc.close();
        }
        const deleted = await fetch(location, { method: "DELETE", headers: { "If-Match": etag } });
        assert.equal(deleted.status, 200, "DELETE with If-Match (as simple-whip-client sends it) → 200");
        assert.equal(await remove(location), 404);
      } finally {
        sending.abort();
        client.close();
      }
      await assertNothingLeft(server);
    });
  }
});
