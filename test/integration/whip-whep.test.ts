/**
 * The first path users care about: a werift publisher sends VP8 + Opus over WHIP and werift
 * viewers receive it over WHEP, through a real server with its media worker process.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublisher, createViewer, sendSyntheticMedia, waitFor } from "../helpers/werift-peer.ts";
import { leftovers, post, startTestServer, type TestServer } from "../helpers/server.ts";

describe("WHIP publish, WHEP play (werift peers, VP8 + Opus)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("forwards a published stream to two viewers, a late one starting on a keyframe", async () => {
    const publisher = await createPublisher();
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

    const sending = new AbortController();
    const media = sendSyntheticMedia(publisher, 8, 45, sending.signal);

    const first = await createViewer();
    const whep1 = await post(`${server.url}/whep/cam1`, first.offer);
    assert.equal(whep1.status, 201, whep1.body);
    assert.match(whep1.headers.get("location")!, new RegExp(`^${server.url}/whep/cam1/`));
    assert.match(whep1.body, /a=sendonly/);
    assert.match(whep1.body, /VP8\/90000/);
    await first.pc.setRemoteDescription({ type: "answer", sdp: whep1.body });

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const late = await createViewer();
    const whep2 = await post(`${server.url}/whep/cam1`, late.offer);
    assert.equal(whep2.status, 201, whep2.body);
    const joinedAt = performance.now();
    await late.pc.setRemoteDescription({ type: "answer", sdp: whep2.body });
    await waitFor(() => late.received.video.length > 0, 5000, "late viewer video");
    assert.ok(late.firstPacketAt.video! - joinedAt < 1000, `late viewer got video ${Math.round(late.firstPacketAt.video! - joinedAt)} ms after its answer`);
    const firstVideo = late.received.video[0];
    assert.equal(firstVideo.payload[1] & 0x01, 0, "the late viewer's first video packet is a keyframe (VP8 P bit clear)");

    await media;
    for (const viewer of [first, late]) {
      await waitFor(() => viewer.received.audio.length > 20, 3000, "audio");
      const seqs = viewer.received.video.map((packet) => packet.header.sequenceNumber);
      for (let index = 1; index < seqs.length; index++) assert.equal(seqs[index], (seqs[index - 1] + 1) & 0xffff, "continuous sequence numbers");
      assert.ok(viewer.received.video.every((packet) => packet.header.extensions.length === 0 || packet.header.extensions.every((ext) => ext.id !== 99)));
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
    const states = server.db.$client.prepare("select state, close_reason from webrtc_sessions").all();
    assert.ok(states.every((row) => (row as { state: string }).state === "closed"));
  });
});
