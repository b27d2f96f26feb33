/**
 * The first path users care about: a werift publisher sends VP8 + Opus over WHIP and werift
 * viewers receive it over WHEP, through a real server with its media worker process — without
 * the publisher's header extensions, with every viewer and its connection kept in SQLite, and
 * with a late viewer of a long-GOP publisher that ignores PLI starting on the cached keyframe.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublisher, createViewer, sendSyntheticMedia, waitFor } from "../helpers/werift-peer.ts";
import { leftovers, post, startTestServer, type TestServer } from "../helpers/server.ts";
import { addExtensionToEverySend, recordWireExtensions } from "../helpers/rtp-extensions.ts";

/** A one-byte header extension id no session negotiates, and what the publisher puts in it. */
const FOREIGN_EXTENSION = { id: 12, payload: Buffer.from("publisher-only") };

type Row = Record<string, unknown>;

describe("WHIP publish, WHEP play (werift peers, VP8 + Opus)", () => {
  let server: TestServer;
  /** Peers to close even when a test fails half-way (an open peer keeps the test process alive). */
  const peers: Array<{ pc: { close(): Promise<void> } }> = [];
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await Promise.all(peers.map((peer) => peer.pc.close()));
    await server.close();
  });

  it("forwards a published stream to two viewers, a late one starting on a keyframe", async () => {
    const publisher = await createPublisher();
    peers.push(publisher);
    const whip = await post(`${server.url}/whip/cam1`, publisher.offer);
    assert.equal(whip.status, 201, whip.body);
    assert.equal(whip.headers.get("content-type"), "application/sdp");
    const location = whip.headers.get("location")!;
    assert.match(location, new RegExp(`^${server.url}/whip/cam1/[A-Za-z0-9_-]{22}$`), "absolute, unguessable Location");
    assert.match(whip.headers.get("etag")!, /^"[A-Za-z0-9_-]+"$/, "strong ETag");
    assert.match(whip.body, /^v=0\r\n/);
    assert.match(whip.body, /a=recvonly/);
    assert.doesNotMatch(whip.body, /a=sendrecv|a=sendonly/);
    assert.match(whip.body, /a=rtcp-mux-only/);
    assert.match(whip.body, /a=end-of-candidates/);
    assert.doesNotMatch(whip.body, /transport-cc/, "no transport-cc toward publishers");
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher connected");

    for (const transceiver of [publisher.audio, publisher.video]) addExtensionToEverySend(transceiver.sender, FOREIGN_EXTENSION.id, FOREIGN_EXTENSION.payload);
    const wire = recordWireExtensions(publisher.video.sender);
    const sending = new AbortController();
    const media = sendSyntheticMedia(publisher, 8, 45, sending.signal);

    const first = await createViewer();
    peers.push(first);
    const whep1 = await post(`${server.url}/whep/cam1`, first.offer);
    assert.equal(whep1.status, 201, whep1.body);
    assert.match(whep1.headers.get("location")!, new RegExp(`^${server.url}/whep/cam1/`));
    assert.match(whep1.body, /a=sendonly/);
    assert.match(whep1.body, /VP8\/90000/);
    await first.pc.setRemoteDescription({ type: "answer", sdp: whep1.body });

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const late = await createViewer();
    peers.push(late);
    const whep2 = await post(`${server.url}/whep/cam1`, late.offer);
    assert.equal(whep2.status, 201, whep2.body);
    const joinedAt = performance.now();
    await late.pc.setRemoteDescription({ type: "answer", sdp: whep2.body });
    await waitFor(() => late.received.video.length > 0, 5000, "late viewer video");
    assert.ok(late.firstPacketAt.video! - joinedAt < 1000, `late viewer got video ${Math.round(late.firstPacketAt.video! - joinedAt)} ms after its answer`);
    const firstVideo = late.received.video[0];
    assert.equal(firstVideo.payload[1] & 0x01, 0, "the late viewer's first video packet is a keyframe (VP8 P bit clear)");

    await waitFor(() => sessionRows(server).every((row) => row.state === "connected"), 5000, "all three sessions connected");
    assertViewersPersisted(server, "cam1", [whep1, whep2].map((response) => response.headers.get("location")!.split("/").pop()!));

    await media;
    const midIds = new Set([...whip.body.matchAll(/^a=extmap:(\d+) urn:ietf:params:rtp-hdrext:sdes:mid$/gm)].map((match) => Number(match[1])));
    const incomplete = wire.filter((packet) => !packet.ids.includes(FOREIGN_EXTENSION.id) || !packet.ids.some((id) => midIds.has(id)));
    assert.ok(wire.length > 200 && incomplete.length === 0, `every packet the publisher sent carried its mid and the foreign extension: ${JSON.stringify(incomplete.slice(0, 3))}`);
    for (const [viewer, answer] of [[first, whep1.body], [late, whep2.body]] as const) {
      await waitFor(() => viewer.received.audio.length > 20, 3000, "audio");
      const seqs = viewer.received.video.map((packet) => packet.header.sequenceNumber);
      for (let index = 1; index < seqs.length; index++) assert.equal(seqs[index], (seqs[index - 1] + 1) & 0xffff, "continuous sequence numbers");
      const negotiated = new Set([...answer.matchAll(/^a=extmap:(\d+) /gm)].map((match) => Number(match[1])));
      const arrived = [...viewer.received.video, ...viewer.received.audio].flatMap((packet) => packet.header.extensions);
      assert.deepEqual(arrived.filter((ext) => !negotiated.has(ext.id) || ext.payload.equals(FOREIGN_EXTENSION.payload)), [], "no publisher extension reaches a viewer");
    }
    assert.ok(first.received.video.length >= 150, `first viewer got ${first.received.video.length} video packets`);

    const streams = (await (await fetch(`${server.url}/v1/streams`)).json()) as { streams: Array<{ name: string; viewers: number; state: string }> };
    assert.deepEqual(
      streams.streams.map((stream) => [stream.name, stream.viewers, stream.state]),
      [["cam1", 2, "connected"]],
    );

    const deleted = await fetch(location, { method: "DELETE" });
    assert.equal(deleted.status, 200);
    assert.equal((await fetch(location, { method: "DELETE" })).status, 404);
    for (const viewer of [first, late]) {
      const session = viewer === first ? whep1 : whep2;
      assert.equal((await fetch(session.headers.get("location")!, { method: "DELETE" })).status, 200);
    }
    await Promise.all([publisher.pc.close(), first.pc.close(), late.pc.close()]);
    assert.deepEqual(await leftovers(server), { pipelines: 0, elements: 0, sessions: 3, workerElements: 0, udpSockets: 0 });
    for (const row of sessionRows(server)) {
      assert.equal(row.state, "closed");
      assert.ok((row.closed_at as number) >= (row.connected_at as number), `session ${row.role} closed after it connected`);
    }
    server.db.$client.prepare("delete from webrtc_sessions").run();
  });

  it("starts a viewer joining mid-GOP on the cached keyframe of a publisher that ignores PLI", async () => {
    const publisher = await createPublisher();
    peers.push(publisher);
    const whip = await post(`${server.url}/whip/long-gop`, publisher.offer);
    assert.equal(whip.status, 201, whip.body);
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher connected");
    let plis = 0;
    publisher.video.sender.onPictureLossIndication.subscribe(() => plis++);

    // One keyframe, then 10 s of delta frames: like OBS with a 10 s keyframe interval, and deaf to PLI.
    const sending = new AbortController();
    const media = sendSyntheticMedia(publisher, 10, 300, sending.signal);
    await new Promise((resolve) => setTimeout(resolve, 4000));

    const viewer = await createViewer();
    peers.push(viewer);
    const whep = await post(`${server.url}/whep/long-gop`, viewer.offer);
    assert.equal(whep.status, 201, whep.body);
    const joinedAt = performance.now();
    await viewer.pc.setRemoteDescription({ type: "answer", sdp: whep.body });
    await waitFor(() => viewer.received.video.length > 0, 5000, "the viewer's first video packet");
    const firstAfter = viewer.firstPacketAt.video! - joinedAt;
    assert.ok(firstAfter < 1000, `first video ${Math.round(firstAfter)} ms after the answer`);
    assert.equal(viewer.received.video[0].payload[1] & 0x01, 0, "the first video packet is the GOP's keyframe (VP8 P bit clear)");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    sending.abort();
    await media;

    const keyframes = viewer.received.video.filter((packet) => (packet.payload[1] & 0x01) === 0).length;
    assert.equal(keyframes, 1, "the publisher sent one keyframe in the whole test, and the viewer got it");
    assert.ok(viewer.received.video.length > 150, `the viewer got the cached GOP and the live frames after it (${viewer.received.video.length} packets)`);
    const seqs = viewer.received.video.map((packet) => packet.header.sequenceNumber);
    for (let index = 1; index < seqs.length; index++) assert.equal(seqs[index], (seqs[index - 1] + 1) & 0xffff, "no frame missing between the cache and the live edge");
    assert.equal(plis, 0, "the server never asked the publisher for a keyframe");

    for (const response of [whep, whip]) assert.equal((await fetch(response.headers.get("location")!, { method: "DELETE" })).status, 200);
    await Promise.all([publisher.pc.close(), viewer.pc.close()]);
  });
});

function sessionRows(server: TestServer): Row[] {
  return server.db.$client.prepare("select id, role, state, element_id, created_at, connected_at, closed_at from webrtc_sessions order by created_at").all() as Row[];
}

/**
 * While `viewerSessions` watch `stream`: its pipeline row holds the publisher's element and one
 * WebRtcEndpoint per viewer, the publisher's element is connected to each viewer's (every media
 * type), and each session row points at its element and has its timestamps in order.
 */
function assertViewersPersisted(server: TestServer, stream: string, viewerSessions: string[]): void {
  const db = server.db.$client;
  const pipeline = db.prepare("select id from media_pipelines where origin = 'stream' and name = ?").get(stream) as Row;
  const elements = db.prepare("select id, type, json_extract(properties, '$.role') as role from media_elements where pipeline_id = ?").all(pipeline.id) as Row[];
  const sessions = sessionRows(server);
  const publisher = sessions.find((row) => row.role === "publisher")!;
  const viewers = viewerSessions.map((id) => sessions.find((row) => row.id === id)!);
  assert.deepEqual(
    elements.map((row) => [row.id, row.type, row.role]).sort(),
    [[publisher.element_id, "WebRtcEndpoint", "publisher"], ...viewers.map((row) => [row.element_id, "WebRtcEndpoint", "viewer"])].sort(),
    "one element per session in the stream's pipeline",
  );
  const connections = db.prepare("select source_id, sink_id, media_type from element_connections where pipeline_id = ?").all(pipeline.id) as Row[];
  assert.deepEqual(
    connections.map((row) => [row.source_id, row.sink_id, row.media_type]).sort(),
    viewers.map((row) => [publisher.element_id, row.element_id, null]).sort(),
    "the publisher's element feeds every viewer's",
  );
  for (const row of [publisher, ...viewers]) {
    assert.equal(row.state, "connected");
    assert.ok((row.created_at as number) <= (row.connected_at as number) && row.closed_at === null, `${row.role} session timestamps: ${JSON.stringify(row)}`);
  }
}
