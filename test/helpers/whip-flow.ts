/**
 * The two halves of a live-stream check shared by the publisher-interop tests: a
 * node-datachannel publisher POSTs an offer (shaped like some real client's), the test checks
 * the 201 a client depends on and waits for ICE+DTLS over loopback; then a werift viewer POSTs
 * a WHEP offer and collects what arrives.
 */
import assert from "node:assert/strict";
import { type ObsClient, waitForState } from "./obs-client.ts";
import { leftovers, post, type SessionResponse, type TestServer } from "./server.ts";
import { createViewer, type Viewer, waitFor } from "./werift-peer.ts";

export interface Published {
  whip: SessionResponse;
  location: string;
}

/** Posts `offer` for `client`, checks the 201, applies the answer and waits until connected. */
export async function publishWith(server: TestServer, stream: string, client: ObsClient, offer: string): Promise<Published> {
  const whip = await post(`${server.url}/whip/${stream}`, offer);
  assert.equal(whip.status, 201, whip.body);
  assert.equal(whip.headers.get("content-type"), "application/sdp");
  const location = whip.headers.get("location")!;
  assert.match(location, new RegExp(`^${server.url}/whip/${stream}/[A-Za-z0-9_-]+$`), "absolute Location without a query");
  assert.match(whip.body, /^v=0\r\n/);
  assert.doesNotMatch(whip.body, /a=sendrecv|a=sendonly/, "every answer m-line is recvonly");
  const candidates = whip.body.match(/^a=candidate:.*$/gm) ?? [];
  assert.ok(candidates.length > 0 && candidates.every((line) => line.split(" ")[4] === "127.0.0.1"), "the answer lists the server's loopback candidates");
  client.setAnswer(whip.body);
  await waitForState(client, "connected", 10_000);
  // libdatachannel may report 'connected' a moment before its selected pair is readable (seen under load).
  const deadline = Date.now() + 2000;
  while (!client.selectedPair() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const pair = client.selectedPair();
  assert.deepEqual({ local: pair?.local, remote: pair?.remote }, { local: "127.0.0.1", remote: "127.0.0.1" });
  return { whip, location };
}

/** A werift WHEP viewer of `stream` with the answer applied. */
export async function watch(server: TestServer, stream: string, videoCodecs?: Parameters<typeof createViewer>[0]): Promise<{ viewer: Viewer; whep: SessionResponse }> {
  const viewer = await createViewer(videoCodecs);
  const whep = await post(`${server.url}/whep/${stream}`, viewer.offer);
  assert.equal(whep.status, 201, whep.body);
  await viewer.pc.setRemoteDescription({ type: "answer", sdp: whep.body });
  return { viewer, whep };
}

/** Video and audio both arrived, with the payload types the viewer's answer names. */
export async function assertReceives(viewer: Viewer, whep: SessionResponse, expect: { video: RegExp; tag: number }): Promise<void> {
  await waitFor(() => viewer.received.video.length >= 30 && viewer.received.audio.length >= 25, 8000, "viewer media");
  const videoPt = Number(whep.body.match(/^m=video \d+ \S+ (\d+)/m)?.[1]);
  const audioPt = Number(whep.body.match(/^m=audio \d+ \S+ (\d+)/m)?.[1]);
  assert.match(whep.body.match(new RegExp(`^a=rtpmap:${videoPt} .*$`, "m"))?.[0] ?? "", expect.video);
  assert.match(whep.body.match(new RegExp(`^a=rtpmap:${audioPt} .*$`, "m"))?.[0] ?? "", /opus\/48000\/2/i);
  assert.ok(viewer.received.video.every((packet) => packet.header.payloadType === videoPt), `video arrives with PT ${videoPt}`);
  assert.ok(viewer.received.audio.every((packet) => packet.header.payloadType === audioPt), `audio arrives with PT ${audioPt}`);
  assert.ok(viewer.received.audio.every((packet) => packet.payload.length === 80 && packet.payload[0] === expect.tag), "audio payload is the publisher's");
  const seqs = viewer.received.video.map((packet) => packet.header.sequenceNumber);
  for (let index = 1; index < seqs.length; index++) assert.equal(seqs[index], (seqs[index - 1] + 1) & 0xffff, "continuous video sequence numbers");
}

/** DELETE on a session URL; returns the status. */
export async function remove(location: string): Promise<number> {
  const response = await fetch(location, { method: "DELETE" });
  await response.arrayBuffer();
  return response.status;
}

/** After every session ended: no pipeline, element, worker object or UDP socket left, every session row closed. */
export async function assertNothingLeft(server: TestServer): Promise<void> {
  const { sessions, ...live } = await leftovers(server);
  assert.deepEqual(live, { pipelines: 0, elements: 0, workerElements: 0, udpSockets: 0 });
  const open = server.db.$client.prepare("select count(*) as n from webrtc_sessions where state != 'closed'").get() as { n: number };
  assert.ok(sessions > 0 && open.n === 0, `${open.n} of ${sessions} sessions still open`);
}
