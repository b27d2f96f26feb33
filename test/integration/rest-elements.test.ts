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
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher, createViewer, loopbackConfig, loopbackOnly, OPUS, sendSyntheticMedia, VP8, type Viewer, waitFor } from "../helpers/werift-peer.ts";

describe("elements over REST", () => {
  let server: TestServer;
  let api: Rest;
  const cleanup: Array<() => Promise<void> | void> = [];

  before(async () => {
    server = await startTestServer();
    api = new Rest(server.url);
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
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
    const source = await element(p, "WebRtcEndpoint");
    const publisher = await createPublisher();
    cleanup.push(() => publisher.pc.close());
    const { answer } = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${source}/process-offer`, { offer: publisher.offer });
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher");
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    void sendSyntheticMedia(publisher, 60, 15, sending.signal, 0x77);

    const passThrough = await element(p, "PassThrough");
    const dispatcher = await element(p, "Dispatcher");
    const [portIn, portOut] = [await element(p, "HubPort", { hub: dispatcher }), await element(p, "HubPort", { hub: dispatcher })];
    const sink = await element(p, "WebRtcEndpoint");
    await connect(p, source, passThrough);
    await connect(p, passThrough, portIn);
    await connect(p, portOut, sink);
    await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${dispatcher}/invoke/connect`, { params: { source: portIn, sink: portOut } });

    const viewer: Viewer = await createViewer();
    cleanup.push(() => viewer.pc.close());
    const negotiated = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${sink}/process-offer`, { offer: viewer.offer });
    await viewer.pc.setRemoteDescription({ type: "answer", sdp: negotiated.answer });
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
    const publisher = await createPublisher();
    cleanup.push(() => publisher.pc.close());
    const { answer } = await api.expect(200, "POST", `/v1/pipelines/${p}/elements/${source}/process-offer`, { offer: publisher.offer });
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher");
    void sendSyntheticMedia(publisher, 60, 15, sending.signal, 0x66);

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
});
