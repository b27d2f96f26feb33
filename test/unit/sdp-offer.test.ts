/**
 * Reading offers from outside: malformed SDP refused with a reason, real client offers (OBS,
 * GStreamer, Chromium shapes) read into the summary the domain plans with, and the munging
 * that makes werift answer exactly the chosen codec.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "sdp-transform";
import { chooseViewerCodec, choosePublisherCodec } from "../../src/media/codecs.ts";
import { finishAnswer, prepareOffer } from "../../src/media/sdp/munge.ts";
import { isActiveMedia, parseOffer, SdpError } from "../../src/media/sdp/offer.ts";

const FINGERPRINT = "a=fingerprint:sha-256 " + Array.from({ length: 32 }, () => "AB").join(":");

/** OBS 30.1 style: ICE and DTLS attributes at session level, no candidates, upper-case H264. */
const OBS_OFFER = [
  "v=0",
  "o=rtc 4158491451 0 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1",
  "a=group:LS 0 1",
  "a=msid-semantic:WMS *",
  "a=setup:actpass",
  "a=ice-ufrag:kl0M",
  "a=ice-pwd:bGcnAqXkTtaC9qjoCkwjD7",
  "a=ice-options:ice2,trickle",
  FINGERPRINT,
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=sendonly",
  "a=ssrc:1001 cname:obs",
  "a=rtcp-mux",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=mid:1",
  "a=sendonly",
  "a=ssrc:1002 cname:obs",
  "a=rtcp-mux",
  "a=rtpmap:96 H264/90000",
  "a=rtcp-fb:96 nack",
  "a=rtcp-fb:96 nack pli",
  "a=rtcp-fb:96 goog-remb",
  "a=rtcp-fb:96 transport-cc",
  "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
  "",
].join("\r\n");

/** simple-whip-client style: second m-line port 0 + bundle-only, mids audio0/video1, OPUS. */
const GSTREAMER_OFFER = [
  "v=0",
  "o=- 3339858305698558227 0 IN IP4 0.0.0.0",
  "s=-",
  "t=0 0",
  "a=ice-options:trickle",
  "a=group:BUNDLE audio0 video1",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=setup:actpass",
  "a=ice-ufrag:Co1GXbBwTaVmmQqiTBE3sF5w0cwyKJvM",
  "a=ice-pwd:Y5GE5HB1PwPdm4tlsfE2AoOyWbd2Z8n4",
  "a=rtcp-mux",
  "a=rtcp-rsize",
  "a=sendonly",
  "a=rtpmap:111 OPUS/48000/2",
  "a=rtcp-fb:111 transport-cc",
  "a=fmtp:111 sprop-stereo=0;sprop-maxcapturerate=48000",
  "a=ssrc:1 cname:user",
  "a=mid:audio0",
  FINGERPRINT,
  "a=rtcp-mux-only",
  "m=video 0 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=setup:actpass",
  "a=ice-ufrag:Co1GXbBwTaVmmQqiTBE3sF5w0cwyKJvM",
  "a=ice-pwd:Y5GE5HB1PwPdm4tlsfE2AoOyWbd2Z8n4",
  "a=bundle-only",
  "a=rtcp-mux",
  "a=sendonly",
  "a=rtpmap:96 H264/90000",
  "a=rtcp-fb:96 nack pli",
  "a=rtcp-fb:96 ccm fir",
  "a=rtcp-fb:96 transport-cc",
  "a=fmtp:96 packetization-mode=1;profile-level-id=42c015;level-asymmetry-allowed=1",
  "a=ssrc:2 cname:user",
  "a=mid:video1",
  FINGERPRINT,
  "a=rtcp-mux-only",
  "",
].join("\r\n");

describe("parseOffer", () => {
  it("refuses what is not SDP, with a reason", () => {
    const cases: Array<[string, RegExp]> = [
      ["", /must start with v=0/],
      ["hello", /must start with v=0/],
      ["v=0\r\nnot a line\r\n", /not of the form/],
      ["v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", /no m= line/],
      ["v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video nine RTP 1\r\n", /malformed m-line/],
      [`v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n${"a=x\r\n".repeat(10_001)}`, /more than 10000 lines/],
      [OBS_OFFER.replace(FINGERPRINT, "a=x-nothing"), /no DTLS fingerprint/],
      [OBS_OFFER.replace("a=ice-pwd:bGcnAqXkTtaC9qjoCkwjD7", "a=x-nothing"), /no ICE credentials/],
      [OBS_OFFER.replace(/UDP\/TLS\/RTP\/SAVPF/g, "RTP/AVP"), /not UDP\/TLS\/RTP\/SAVPF/],
      [OBS_OFFER.replace("m=video 9 UDP/TLS/RTP/SAVPF 96", "m=video 9 UDP/TLS/RTP/SAVPF 200"), /payload type 200/],
      [OBS_OFFER.replace("a=mid:1", "a=mid:0"), /repeats a mid/],
      ["v=0\0", /NUL/],
    ];
    for (const [text, reason] of cases) assert.throws(() => parseOffer(text), (error: Error) => error instanceof SdpError && reason.test(error.message), reason.source);
  });

  it("reads OBS's session-level ICE/DTLS attributes and codecs", () => {
    const offer = parseOffer(OBS_OFFER);
    assert.deepEqual(offer.media.map((media) => [media.kind, media.mid, media.direction, isActiveMedia(media)]), [
      ["audio", "0", "sendonly", true],
      ["video", "1", "sendonly", true],
    ]);
    assert.deepEqual(choosePublisherCodec(offer.media[1]), {
      mimeType: "video/H264",
      clockRate: 90000,
      channels: undefined,
      payloadType: 96,
      parameters: "profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
    });
  });

  it("treats GStreamer's port-0 bundle-only m-line as active", () => {
    const offer = parseOffer(GSTREAMER_OFFER);
    assert.deepEqual(offer.media.map((media) => [media.mid, media.port, media.bundleOnly, isActiveMedia(media)]), [
      ["audio0", 9, false, true],
      ["video1", 0, true, true],
    ]);
    assert.equal(choosePublisherCodec(offer.media[0])?.mimeType, "audio/OPUS");
  });
});

describe("prepareOffer and finishAnswer", () => {
  it("cuts the offer to the planned codec, drops transport-cc and copies session attributes down", () => {
    const offer = parseOffer(OBS_OFFER);
    const plan = { direction: "recvonly" as const, codecs: { audio: choosePublisherCodec(offer.media[0])!, video: choosePublisherCodec(offer.media[1])! } };
    const prepared = parse(prepareOffer(OBS_OFFER, plan));
    const video = prepared.media[1];
    assert.equal(String(video.payloads), "96");
    assert.deepEqual(video.rtcpFb?.map((fb) => `${fb.type} ${fb.subtype ?? ""}`.trim()), ["nack", "nack pli", "goog-remb"]);
    assert.equal(video.iceUfrag, "kl0M");
    assert.ok(video.fingerprint);
    assert.equal(prepared.iceUfrag, undefined);
  });

  it("reopens GStreamer's bundle-only m-line and drops .local candidates", () => {
    const offer = parseOffer(GSTREAMER_OFFER);
    const plan = { direction: "recvonly" as const, codecs: { audio: choosePublisherCodec(offer.media[0])!, video: choosePublisherCodec(offer.media[1])! } };
    const withCandidates = GSTREAMER_OFFER.replace("a=mid:audio0", "a=mid:audio0\r\na=candidate:1 1 UDP 2015363327 abcd.local 38635 typ host\r\na=candidate:2 1 UDP 2015363327 127.0.0.1 38636 typ host");
    const prepared = parse(prepareOffer(withCandidates, plan));
    assert.equal(prepared.media[1].port, 9);
    assert.equal(prepared.media[1].bundleOnly, undefined);
    assert.deepEqual(prepared.media[0].candidates?.map((candidate) => candidate.ip), ["127.0.0.1"]);
  });

  it("marks every answered m-line rtcp-mux-only with end-of-candidates", () => {
    const answer = finishAnswer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n");
    const [audio, video] = answer.split(/\r\n(?=m=)/).slice(1);
    for (const line of ["a=rtcp-mux", "a=rtcp-mux-only", "a=end-of-candidates"]) assert.ok(audio.split("\r\n").includes(line), line);
    assert.doesNotMatch(video, /rtcp-mux-only/, "a refused m-line stays untouched");
  });
});

describe("viewer codec choice", () => {
  const viewer = parseOffer(
    OBS_OFFER.replace("a=sendonly", "a=recvonly")
      .replace("m=video 9 UDP/TLS/RTP/SAVPF 96", "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99")
      .replace(
        "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
        [
          "a=fmtp:96 profile-level-id=42001f;packetization-mode=0",
          "a=rtpmap:97 H264/90000",
          "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1",
          "a=rtpmap:98 H264/90000",
          "a=fmtp:98 profile-level-id=640032;packetization-mode=1",
          "a=rtpmap:99 VP8/90000",
        ].join("\r\n"),
      ),
  ).media[1];
  const published = { mimeType: "video/H264", clockRate: 90000, payloadType: 102, parameters: "profile-level-id=42e01f;packetization-mode=1" };

  it("matches H.264 packetization mode and the stream's real profile", () => {
    assert.equal(chooseViewerCodec(viewer, published)?.payloadType, 97, "signalled profile, same packetization mode");
    assert.equal(chooseViewerCodec(viewer, published, "640028")?.payloadType, 98, "the SPS says High: the viewer's High entry");
    assert.equal(chooseViewerCodec(viewer, { ...published, mimeType: "video/VP8", parameters: undefined })?.payloadType, 99);
    assert.equal(chooseViewerCodec(viewer, { ...published, mimeType: "video/AV1", parameters: undefined }), undefined);
  });
});
