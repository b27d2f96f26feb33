/**
 * Element behaviour over REST: the graph rules (one source per sink and media type, a new
 * connect replacing the old; connections go with a deleted element; an endpoint may feed
 * itself; no connections across pipelines), a PassThrough and a Dispatcher in the media path,
 * and a WebRtcEndpoint that makes the offer (generateOffer / processAnswer).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RTCPeerConnection } from "werift";
import { Rest } from "../helpers/rest.ts";
import { withoutCandidates } from "../helpers/offers.ts";
import { fillOf, RestPeers } from "../helpers/rest-peers.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher, createViewer, loopbackConfig, loopbackOnly, OPUS, sendSyntheticMedia, VP8, waitFor } from "../helpers/werift-peer.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `a=candidate` lines of an SDP as trickle candidates, each with its m-section's mid and index. */
function candidatesOf(sdp: string): Array<{ candidate: string; sdpMid: string; sdpMLineIndex: number }> {
  const sections = sdp.split(/\r\n(?=m=)/).slice(1);
  return sections.flatMap((section, sdpMLineIndex) => {
    const sdpMid = /^a=mid:(\S+)$/m.exec(section)?.[1] ?? String(sdpMLineIndex);
    return [...section.matchAll(/^a=(candidate:[^\r\n]+)$/gm)].map((match) => ({ candidate: match[1], sdpMid, sdpMLineIndex }));
  });
}

describe("elements over REST", () => {
  let server: TestServer;
  let api: Rest;
  let peers: RestPeers;
  const cleanup: Array<() => Promise<void> | void> = [];

  before(async () => {
    server = await startTestServer();
    api = new Rest(server.url);
    peers = new RestPeers(api);
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
    await peers.close();
    await server.close();
  });

  const element = async (pipeline: string, type: string, params?: Record<string, unknown>) =>
    (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type, ...(params ? { params } : {}) })).id as string;
  const connect = (pipeline: string, source: string, sink: string, mediaType?: string) =>
    api.expect(201, "POST", `/v1/pipelines/${pipeline}/connections`, { source, sink, ...(mediaType ? { mediaType } : {}) });
  const sources = async (pipeline: string, sink: string) =>
    (await api.expect(200, "GET", `/v1/pipelines/${pipeline}/elements/${sink}/source-connections`)).items.map((row: { source: string; mediaType: string | null }) => `${row.source}:${row.mediaType ?? "ALL"}`).sort();

  it("enforces the graph rules", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const [a, b, c] = [await element(p, "PassThrough"), await element(p, "PassThrough"), await element(p, "PassThrough")];
    await connect(p, a, b);
    assert.deepEqual(await sources(p, b), [`${a}:ALL`]);
    await connect(p, c, b, "VIDEO");
    assert.deepEqual(await sources(p, b), [`${a}:AUDIO`, `${a}:DATA`, `${c}:VIDEO`].sort(), "C takes over B's video, A keeps audio and data");
    await connect(p, a, a);
    assert.deepEqual(await sources(p, a), [`${a}:ALL`], "an element may feed itself (Kurento's loopback)");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}/elements/${c}`);
    assert.deepEqual(await sources(p, b), [`${a}:AUDIO`, `${a}:DATA`], "a deleted element's connections go with it");
    const { id: other } = await api.expect(201, "POST", "/v1/pipelines", {});
    const foreign = await element(other, "PassThrough");
    const refused = await api.call<{ code: string }>("POST", `/v1/pipelines/${other}/connections`, { source: foreign, sink: a });
    assert.equal(refused.status, 404, "the sink is not in this pipeline");
    const cross = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${p}/elements/${a}/invoke/connect`, { params: { sink: foreign } });
    assert.equal(cross.status, 422);
    assert.equal(cross.body.code, "CONNECT_ERROR");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
    await api.expect(204, "DELETE", `/v1/pipelines/${other}`);
  });

  it("forwards through a PassThrough and routes through a Dispatcher", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const { id: source } = await peers.publishing(p, 0x77);

    const passThrough = await element(p, "PassThrough");
    const dispatcher = await element(p, "Dispatcher");
    const [portIn, portOut] = [await element(p, "HubPort", { hub: dispatcher }), await element(p, "HubPort", { hub: dispatcher })];
    const sink = await element(p, "WebRtcEndpoint");
    await connect(p, source, passThrough);
    await connect(p, passThrough, portIn);
    await connect(p, portOut, sink);
    await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${dispatcher}/invoke/connect`, { params: { source: portIn, sink: portOut } });

    const { viewer } = await peers.viewing(p, sink);
    await waitFor(() => viewer.received.video.filter((packet) => packet.payload[5] === 0x77).length > 20, 10_000, "media through PassThrough → HubPort → HubPort");
    assert.equal(viewer.received.video[0].payload[1] & 0x01, 0, "the first packet through is a keyframe");
    const stats = await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${passThrough}/stats`);
    assert.ok(stats.packetsForwarded.video > 20, "the PassThrough counted what it forwarded");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("makes the offer itself: generateOffer, then the peer's answer", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const source = await element(p, "WebRtcEndpoint");
    const sink = await element(p, "WebRtcEndpoint");
    await connect(p, source, sink);
    await peers.publishing(p, 0x66, source);

    const { offer } = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${sink}/generate-offer`, {});
    assert.match(offer, /m=audio[^]*m=video/);
    assert.match(offer, /VP8\/90000/);
    assert.match(offer, /H264\/90000/);
    assert.doesNotMatch(offer, /transport-cc/);
    const peer = new RTCPeerConnection(loopbackConfig({ codecs: { video: [VP8], audio: [OPUS] } }));
    cleanup.push(() => peer.close());
    const received: number[] = [];
    peer.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => track.kind === "video" && received.push(rtp.payload[5])));
    await peer.setRemoteDescription({ type: "offer", sdp: loopbackOnly(offer) });
    await peer.setLocalDescription(await peer.createAnswer());
    const processed = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${sink}/process-answer`, { answer: loopbackOnly(peer.localDescription!.sdp) });
    assert.equal(processed.offer, offer);
    await waitFor(() => received.filter((fill) => fill === 0x66).length > 20, 10_000, "media to the peer that answered");
    const element_ = await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${sink}`);
    assert.equal(element_.negotiated.codecs.video, "video/VP8");
    const again = await api.call("POST", `/v1/pipelines/${p}/elements/${sink}/process-answer`, { answer: loopbackOnly(peer.localDescription!.sdp) });
    assert.equal(again.status, 409, "an answer is processed once");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("carries only the connected media type, switches to a replacing source, and lists both ends of a connection", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const a = await peers.publishing(p, 0xa1);
    const c = await peers.publishing(p, 0xc3);
    const b = await peers.viewing(p);
    await api.expect(201, "POST", `/v1/pipelines/${p}/connections`, { source: a.id, sink: b.id, mediaType: "VIDEO", sourceDescription: "camera", sinkDescription: "main" });
    await waitFor(() => b.viewer.received.video.filter((packet) => packet.payload[5] === 0xa1).length > 30, 8000, "A's video at B");
    await sleep(1000);
    assert.equal(b.viewer.received.audio.length, 0, "no audio through a VIDEO connection, though A's peer sends audio");

    const ends = (element: string, which: "sink" | "source", mediaType = "") =>
      api.expect(200, "GET", `/v1/pipelines/${p}/elements/${element}/${which}-connections${mediaType ? `?mediaType=${mediaType}` : ""}`);
    const shape = (rows: Array<Record<string, unknown>>) => rows.map((row) => [row.source, row.sink, row.mediaType, row.sourceDescription, row.sinkDescription]);
    assert.deepEqual(shape((await ends(a.id, "sink")).items), [[a.id, b.id, "VIDEO", "camera", "main"]]);
    assert.deepEqual(shape((await ends(a.id, "sink", "VIDEO")).items), [[a.id, b.id, "VIDEO", "camera", "main"]]);
    assert.deepEqual((await ends(a.id, "sink", "AUDIO")).items, [], "nothing of A's audio is connected");
    assert.deepEqual(shape((await ends(b.id, "source")).items), [[a.id, b.id, "VIDEO", "camera", "main"]]);

    await api.expect(201, "POST", `/v1/pipelines/${p}/connections`, { source: c.id, sink: b.id });
    await waitFor(() => fillOf(b.viewer) === 0xc3 && b.viewer.received.audio.length > 20, 8000, "C's video and audio at B");
    const since = b.viewer.received.video.length;
    await sleep(700);
    const recent = b.viewer.received.video.slice(since);
    assert.ok(recent.length > 10 && recent.every((packet) => packet.payload[5] === 0xc3), "only C's video reaches B once C replaced A");
    const videoSeqs = b.viewer.received.video.map((packet) => packet.header.sequenceNumber);
    for (let index = 1; index < videoSeqs.length; index++) assert.equal(videoSeqs[index], (videoSeqs[index - 1] + 1) & 0xffff, "B's video continues across the switch");
    assert.deepEqual((await ends(a.id, "sink")).items, [], "A's connection to B was replaced");
    assert.deepEqual(shape((await ends(c.id, "sink")).items), [[c.id, b.id, null, "default", "default"]]);
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("trickles ICE candidates over REST both ways, and request-keyframe reaches the publisher as a PLI", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const [a, b] = [await element(p, "WebRtcEndpoint"), await element(p, "WebRtcEndpoint")];
    await connect(p, a, b);

    // A's peer offers no candidates and is told none: only what is POSTed lets the server reach it.
    const publisher = await createPublisher();
    cleanup.push(() => publisher.pc.close());
    const { answer } = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${a}/process-offer`, { offer: withoutCandidates(publisher.offer) });
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: withoutCandidates(answer) });
    await sleep(1000);
    assert.notEqual(publisher.pc.connectionState, "connected", "no connection without candidates");
    const trickled = candidatesOf(publisher.offer);
    assert.ok(trickled.length > 0);
    for (const candidate of trickled) await api.expect(204, "POST", `/v1/pipelines/${p}/elements/${a}/ice-candidates`, candidate);
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "A's peer connected through the POSTed candidates");
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    void sendSyntheticMedia(publisher, 60, 15, sending.signal, 0x5c);

    // B's peer learns the server's candidates only from GET ice-candidates.
    const viewer = await createViewer();
    cleanup.push(() => viewer.pc.close());
    const negotiated = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${b}/process-offer`, { offer: withoutCandidates(viewer.offer) });
    const listed = (await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${b}/ice-candidates`)).items as Array<{ candidate: string; sdpMid: string; sdpMLineIndex: number }>;
    const core = (candidate: string) => candidate.split(" ").slice(0, 8).join(" "); // foundation … typ host, without extensions
    assert.deepEqual(listed.map((item) => core(item.candidate)), [...new Set(candidatesOf(negotiated.answer).map((item) => core(item.candidate)))], "the candidates of the answer");
    assert.ok(listed.length > 0 && listed.every((item) => item.candidate.split(" ")[4] === "127.0.0.1"));
    await viewer.pc.setRemoteDescription({ type: "answer", sdp: withoutCandidates(negotiated.answer) });
    for (const candidate of listed) await viewer.pc.addIceCandidate(candidate);
    await waitFor(() => viewer.received.video.filter((packet) => packet.payload[5] === 0x5c).length > 20, 10_000, "A's media at B's peer");

    let plis = 0;
    publisher.video.sender.onPictureLossIndication.subscribe(() => plis++);
    await sleep(600); // past the PLI interval of any request B's start made
    const before = plis;
    await api.expect(204, "POST", `/v1/pipelines/${p}/elements/${a}/request-keyframe`);
    await waitFor(() => plis === before + 1, 2000, "a PLI at A's peer");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("PATCH sets properties (200); maxVideoRecvBandwidth becomes the REMB the endpoint's peer receives", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const { id, publisher } = await peers.publishing(p, 0x42);
    const remb = () => Number(publisher.video.sender.receiverEstimatedMaxBitrate ?? 0n);
    const near = (expected: number) => Math.abs(remb() - expected) <= expected * 0.01;
    await waitFor(() => near(server.config.webrtc.maxIncomingBitrate), 3000, "the default REMB (webrtc.maxIncomingBitrate)");

    const patched = await api.call<{ properties: Record<string, unknown> }>("PATCH", `/v1/pipelines/${p}/elements/${id}`, { properties: { maxVideoRecvBandwidth: 800, maxVideoSendBandwidth: 1200 } });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.properties, { maxVideoRecvBandwidth: 800, maxVideoSendBandwidth: 1200 });
    await waitFor(() => near(800_000), 3000, `a REMB of 800 kbit/s (now ${remb()})`);
    assert.equal((await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${id}/invoke/getMaxVideoRecvBandwidth`, {})).value, 800);

    for (const properties of [{ maxVideoRecvBandwidth: "fast" }, { maxVideoRecvBandwidth: 300, mediaState: "CONNECTED" }, { noSuchProperty: 1 }]) {
      const refused = await api.call<{ code: string }>("PATCH", `/v1/pipelines/${p}/elements/${id}`, { properties });
      assert.equal(refused.status, 400, JSON.stringify(properties));
      assert.equal(refused.body.code, "INVALID_REQUEST");
    }
    await sleep(1200); // a REMB goes out every second
    assert.ok(near(800_000), "a refused PATCH changed nothing");
    assert.deepEqual((await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${id}`)).properties, { maxVideoRecvBandwidth: 800, maxVideoSendBandwidth: 1200 });
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("refuses WebRTC operations on an element that is not a WebRtcEndpoint (422)", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const passThrough = await element(p, "PassThrough");
    const operations: Array<[string, string, unknown]> = [
      ["POST", "process-offer", { offer: "v=0\r\n" }],
      ["POST", "generate-offer", {}],
      ["POST", "process-answer", { answer: "v=0\r\n" }],
      ["POST", "ice-candidates", { candidate: "candidate:1 1 udp 2130706431 127.0.0.1 9 typ host" }],
      ["GET", "ice-candidates", undefined],
      ["POST", "gather-candidates", undefined],
    ];
    for (const [method, operation, body] of operations) {
      const refused = await api.call<{ code: string; detail: string }>(method, `/v1/pipelines/${p}/elements/${passThrough}/${operation}`, body);
      assert.equal(refused.status, 422, `${method} ${operation}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.headers.get("content-type"), "application/problem+json");
      assert.equal(refused.body.code, "OPERATION_NOT_SUPPORTED");
      assert.match(refused.body.detail, /is a PassThrough; SDP and ICE operations belong to WebRtcEndpoints/);
    }
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("accepts RecorderEndpoint and PlayerEndpoint with valid parameters, refuses media operations they cannot do yet, and wants a URI", async () => {
    const { id: p } = await api.expect(201, "POST", "/v1/pipelines", {});
    const recorder = await api.call<Record<string, any>>("POST", `/v1/pipelines/${p}/elements`, { type: "RecorderEndpoint", params: { uri: "rec.webm", mediaProfile: "WEBM" } });
    assert.equal(recorder.status, 201, JSON.stringify(recorder.body));
    assert.equal(recorder.body.type, "RecorderEndpoint");
    assert.equal(recorder.body.params.uri, "rec.webm", "a relative URI resolves inside the recordings directory, as against Kurento's defaultPath");
    assert.equal(recorder.body.params.mediaProfile, "WEBM");
    const player = await api.call<Record<string, any>>("POST", `/v1/pipelines/${p}/elements`, { type: "PlayerEndpoint", params: { uri: "clip.mp4" } });
    assert.equal(player.status, 201, "a player on a file that is not there yet is created, as in Kurento");
    assert.match(player.body.properties.openError, /does not exist/);

    const record = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${p}/elements/${recorder.body.id}/invoke/record`, {});
    assert.equal(record.status, 409);
    assert.match(record.body.detail, /nothing is connected to record/);
    const play = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${p}/elements/${player.body.id}/invoke/play`, {});
    assert.equal(play.status, 404);
    assert.match(play.body.detail, /clip\.mp4 does not exist/);

    const elements = async () => (await api.expect(200, "GET", `/v1/pipelines/${p}/elements`)).items.length;
    const before = await elements();
    for (const [type, params] of [["RecorderEndpoint", { uri: "not a uri" }], ["PlayerEndpoint", { uri: "not a uri" }], ["RecorderEndpoint", {}], ["RecorderEndpoint", { uri: 42 }]] as const) {
      const refused = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${p}/elements`, { type, params });
      assert.equal(refused.status, 400, `${type} ${JSON.stringify(params)}`);
      assert.equal(refused.body.code, "INVALID_REQUEST");
      assert.match(refused.body.detail, /'uri' parameter/);
    }
    assert.equal(await elements(), before, "a refused element leaves no row");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });
});
