/**
 * The Kurento tutorials' media flows, driven by the real kurento-client against Pipewright with
 * werift peers standing in for the browsers (notes/kurento-protocol.md §1.9, §3): hello-world
 * (an endpoint connected to itself: the peer gets its own media back, with ICE candidates that
 * arrive before the offer and trickle both ways, and Kurento's events in Kurento's order),
 * one-to-many (a presenter and two viewers) and one-to-one (two endpoints connected both ways).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectClient, kurento, type KurentoClient } from "../helpers/kurento-client.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createCaller, createPublisher, createViewer, sendSyntheticMedia, waitFor, type Publisher, type Viewer } from "../helpers/werift-peer.ts";

const IceCandidate = kurento.getComplexType("IceCandidate");

type Peer = Pick<Publisher, "pc" | "offer">;

/** Splits the peer's offer into the SDP without candidates and the candidates, as a trickling browser sends them. */
function trickled(offer: string): { sdp: string; candidates: Array<{ candidate: string; sdpMid: string; sdpMLineIndex: number }> } {
  const lines = offer.split("\r\n");
  const sections = offer.split("\r\nm=").slice(1);
  const candidates = sections.flatMap((section, sdpMLineIndex) => {
    const sdpMid = /\r\na=mid:(\S+)/.exec(section)?.[1] ?? String(sdpMLineIndex);
    return section
      .split("\r\n")
      .filter((line) => line.startsWith("a=candidate:"))
      .map((line) => ({ candidate: line.slice(2), sdpMid, sdpMLineIndex }));
  });
  return { sdp: lines.filter((line) => !line.startsWith("a=candidate:") && line !== "a=end-of-candidates").join("\r\n"), candidates };
}

interface Negotiated {
  events: Array<{ type: string; data: Record<string, unknown> }>;
}

/**
 * What every tutorial does for one browser: queue the browser's candidates on the endpoint
 * (here before the offer, as tutorials often do), listen to IceCandidateFound, processOffer,
 * gatherCandidates, and hand the server's candidates to the browser as they come.
 */
async function negotiate(endpoint: KurentoClient, peer: Peer): Promise<Negotiated> {
  const events: Negotiated["events"] = [];
  for (const type of [
    "IceCandidateFound",
    "IceGatheringDone",
    "IceComponentStateChanged",
    "NewCandidatePairSelected",
    "DtlsConnectionStateChange",
    "ConnectionStateChanged",
    "MediaStateChanged",
    "MediaFlowInStateChanged",
    "MediaFlowOutStateChanged",
  ]) {
    endpoint.on(type, (data: Record<string, unknown>) => {
      events.push({ type, data });
      if (type === "IceCandidateFound") {
        const candidate = data.candidate as { candidate: string; sdpMid: string; sdpMLineIndex: number };
        if (candidate.candidate.includes(" 127.0.0.1 ")) void peer.pc.addIceCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }).catch(() => {});
      }
    });
  }
  const { sdp, candidates } = trickled(peer.offer);
  assert.ok(candidates.length > 0, "the peer has candidates to trickle");
  for (const candidate of candidates) await endpoint.addIceCandidate(IceCandidate(candidate));
  const answer: string = await endpoint.processOffer(sdp);
  await peer.pc.setRemoteDescription({ type: "answer", sdp: trickled(answer).sdp });
  await endpoint.gatherCandidates();
  return { events };
}

const count = (packets: Array<{ payload: Buffer }>, fill: number) => packets.filter((packet) => packet.payload.length > 5 && packet.payload[5] === fill).length;

describe("Kurento tutorials' media flows with kurento-client", () => {
  let server: TestServer;
  let client: KurentoClient;
  const cleanup: Array<() => unknown> = [];

  before(async () => {
    server = await startTestServer();
    client = await connectClient(server.url);
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
    client?.close();
    await server.close();
  });

  it("hello-world: an endpoint connected to itself sends the peer its own media, with Kurento's events", async () => {
    const pipeline = await client.create("MediaPipeline");
    const endpoint = await pipeline.create("WebRtcEndpoint");
    const caller = await createCaller();
    cleanup.push(() => caller.pc.close());
    await endpoint.connect(endpoint);
    const { events } = await negotiate(endpoint, caller);
    await waitFor(() => caller.pc.connectionState === "connected", 10_000, "the caller to connect");
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    void sendSyntheticMedia(caller, 30, 30, sending.signal, 0x5a);
    await waitFor(() => count(caller.received.video, 0x5a) > 30 && caller.received.audio.length > 30, 10_000, "the caller's own media back");
    await waitFor(() => events.some((event) => event.type === "MediaStateChanged"), 5000, "MediaStateChanged");
    sending.abort();

    const types = events.map((event) => event.type);
    const found = events.filter((event) => event.type === "IceCandidateFound");
    assert.ok(found.length > 0, "IceCandidateFound arrived");
    const candidates = found.map((event) => event.data.candidate as Record<string, unknown>);
    const candidate = candidates.find((item) => / udp /i.test(String(item.candidate)));
    assert.ok(candidate, `a UDP candidate among ${candidates.map((item) => item.candidate).join(" | ")}`);
    assert.match(String(candidate.candidate), /^candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/i);
    assert.equal(candidate.__type__, "IceCandidate", "a register travels with its type, as Kurento sends it");
    assert.equal(typeof candidate.sdpMLineIndex, "number");
    assert.ok(types.lastIndexOf("IceCandidateFound") < types.indexOf("IceGatheringDone"), "every candidate comes before IceGatheringDone");
    const ice = events.filter((event) => event.type === "IceComponentStateChanged").map((event) => event.data.state);
    assert.ok(ice.includes("CONNECTING") && ice.includes("CONNECTED"), `ICE went CONNECTING then CONNECTED: ${ice.join(", ")}`);
    assert.ok(ice.indexOf("CONNECTING") < ice.indexOf("CONNECTED"));
    const pairAt = types.indexOf("NewCandidatePairSelected");
    assert.ok(pairAt >= 0 && pairAt < events.findIndex((event) => event.type === "IceComponentStateChanged" && event.data.state === "CONNECTED"), "the pair is selected before ICE reports CONNECTED");
    const pair = events[pairAt].data.candidatePair as Record<string, unknown>;
    assert.match(String(pair.localCandidate), / 127\.0\.0\.1 /);
    assert.match(String(pair.remoteCandidate), / 127\.0\.0\.1 /);
    const dtls = events.filter((event) => event.type === "DtlsConnectionStateChange").map((event) => event.data.state);
    assert.ok(dtls.includes("CONNECTED"), `DTLS reached CONNECTED: ${dtls.join(", ")}`);
    const connection = events.find((event) => event.type === "ConnectionStateChanged")!;
    assert.deepEqual([connection.data.oldState, connection.data.newState], ["DISCONNECTED", "CONNECTED"]);
    const flowIn = events.filter((event) => event.type === "MediaFlowInStateChanged" && event.data.state === "FLOWING").map((event) => event.data.mediaType);
    const flowOut = events.filter((event) => event.type === "MediaFlowOutStateChanged" && event.data.state === "FLOWING").map((event) => event.data.mediaType);
    assert.deepEqual([...flowIn].sort(), ["AUDIO", "VIDEO"]);
    assert.deepEqual([...flowOut].sort(), ["AUDIO", "VIDEO"]);
    const media = events.find((event) => event.type === "MediaStateChanged")!;
    assert.equal(media.data.newState, "CONNECTED");
    assert.ok(types.indexOf("MediaStateChanged") > types.indexOf("ConnectionStateChanged"), "MediaStateChanged follows the connection and the first media");
    for (const event of events) {
      assert.equal(event.data.source, endpoint.id, `${event.type} names its source`);
      assert.match(String(event.data.timestampMillis), /^\d{13}$/, `${event.type} has Kurento's string timestamp`);
    }

    assert.equal(await endpoint.isMediaFlowingIn("VIDEO"), true);
    assert.equal(await endpoint.isMediaFlowingOut("AUDIO"), true);
    assert.equal(await endpoint.getMediaState(), "CONNECTED");
    assert.equal(await endpoint.getConnectionState(), "CONNECTED");
    const stats = Object.values(await endpoint.getStats("VIDEO")) as Array<Record<string, unknown>>;
    const inbound = stats.find((entry) => entry.type === "inboundrtp");
    const outbound = stats.find((entry) => entry.type === "outboundrtp");
    assert.ok(inbound && Number(inbound.packetsReceived) > 30, `inbound video stats: ${JSON.stringify(inbound)}`);
    assert.ok(outbound && Number(outbound.packetsSent) > 30, `outbound video stats: ${JSON.stringify(outbound)}`);
    assert.ok(stats.every((entry) => entry.type !== "inboundrtp" || entry.codecId === "video/VP8"), "only video streams for getStats('VIDEO')");
    const pairs = await endpoint.getICECandidatePairs();
    assert.equal(pairs.length, 1);
    assert.match(pairs[0].localCandidate, / 127\.0\.0\.1 /);
    await pipeline.release();
  });

  it("one-to-many: a presenter's media reaches two viewers in its pipeline", async () => {
    const pipeline = await client.create("MediaPipeline");
    const presenterEndpoint = await pipeline.create("WebRtcEndpoint");
    const presenter = await createPublisher();
    cleanup.push(() => presenter.pc.close());
    await negotiate(presenterEndpoint, presenter);
    await waitFor(() => presenter.pc.connectionState === "connected", 10_000, "the presenter to connect");
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    void sendSyntheticMedia(presenter, 30, 15, sending.signal, 0x6b);

    const viewers: Viewer[] = [];
    for (let index = 0; index < 2; index++) {
      const viewerEndpoint = await pipeline.create("WebRtcEndpoint");
      const viewer = await createViewer();
      cleanup.push(() => viewer.pc.close());
      await negotiate(viewerEndpoint, viewer);
      await presenterEndpoint.connect(viewerEndpoint);
      viewers.push(viewer);
    }
    for (const [index, viewer] of viewers.entries()) {
      await waitFor(() => count(viewer.received.video, 0x6b) > 20 && viewer.received.audio.length > 20, 10_000, `viewer ${index + 1} to get the presenter's media`);
      assert.equal(viewer.received.video[0].payload[1] & 0x01, 0, "each viewer starts on a keyframe");
    }
    const sinks = await presenterEndpoint.getSinkConnections("VIDEO");
    assert.equal(sinks.length, 2, "the presenter feeds two sinks");
    sending.abort();
    await pipeline.release();
  });

  it("one-to-one: two endpoints connected both ways carry each caller's media to the other", async () => {
    const pipeline = await client.create("MediaPipeline");
    const [callerEndpoint, calleeEndpoint] = [await pipeline.create("WebRtcEndpoint"), await pipeline.create("WebRtcEndpoint")];
    await callerEndpoint.connect(calleeEndpoint);
    await calleeEndpoint.connect(callerEndpoint);
    const [caller, callee] = [await createCaller(), await createCaller()];
    cleanup.push(() => caller.pc.close(), () => callee.pc.close());
    await Promise.all([negotiate(callerEndpoint, caller), negotiate(calleeEndpoint, callee)]);
    await waitFor(() => caller.pc.connectionState === "connected" && callee.pc.connectionState === "connected", 10_000, "both callers to connect");
    const sending = new AbortController();
    cleanup.push(() => sending.abort());
    void sendSyntheticMedia(caller, 30, 15, sending.signal, 0x11);
    void sendSyntheticMedia(callee, 30, 15, sending.signal, 0x22);
    await waitFor(() => count(callee.received.video, 0x11) > 20, 10_000, "the callee to get the caller's video");
    await waitFor(() => count(caller.received.video, 0x22) > 20, 10_000, "the caller to get the callee's video");
    assert.equal(count(caller.received.video, 0x11), 0, "the caller does not get its own video back");
    sending.abort();
    await pipeline.release();
  });
});
