/**
 * The REST control plane driven only over HTTP, with werift peers negotiating through it:
 * two WebRtcEndpoints connected A→B carry A's media to B's peer and stop on disconnect; a
 * DispatcherOneToMany switches every port to a new source; a WHIP stream shows up as a pipeline
 * and a REST-created endpoint can watch it; deleting a pipeline frees every media object in the
 * worker (counted by the worker itself); deleting a stream's endpoint or pipeline over REST ends
 * the WHEP/WHIP sessions riding on it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLiveStream } from "../helpers/live-stream.ts";
import { Rest } from "../helpers/rest.ts";
import { settledLeftovers, startTestServer, type TestServer } from "../helpers/server.ts";
import { fillOf, RestPeers } from "../helpers/rest-peers.ts";
import { waitFor } from "../helpers/werift-peer.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NOTHING_LIVE = { pipelines: 0, elements: 0, sessions: 0, workerElements: 0, udpSockets: 0 };

describe("REST pipelines, elements and connections", () => {
  let server: TestServer;
  let api: Rest;
  let peers: RestPeers;
  const liveStreams: Array<{ stop(): Promise<unknown> }> = [];

  before(async () => {
    server = await startTestServer();
    api = new Rest(server.url);
    peers = new RestPeers(api);
  });
  after(async () => {
    for (const live of liveStreams) await live.stop();
    await peers.close();
    await server.close();
  });

  const publishingEndpoint = (pipelineId: string, fill: number) => peers.publishing(pipelineId, fill);
  const viewingEndpoint = (pipelineId: string, existing?: string) => peers.viewing(pipelineId, existing);

  it("carries A's media to B's peer when A is connected to B, and stops on disconnect", async () => {
    const created = await api.call<{ id: string; kurentoId: string }>("POST", "/v1/pipelines", { name: "call", tags: [{ key: "room", value: "blue" }] });
    assert.equal(created.status, 201);
    const pipeline = created.body;
    assert.equal(created.headers.get("location"), `${server.url}/v1/pipelines/${pipeline.id}`);
    assert.equal(pipeline.kurentoId, `${pipeline.id}_kurento.MediaPipeline`);

    const a = await publishingEndpoint(pipeline.id, 0xa1);
    const b = await viewingEndpoint(pipeline.id);
    await sleep(500);
    assert.equal(b.viewer.received.video.length, 0, "nothing flows before connect");

    const connection = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/connections`, { source: a.id, sink: b.id });
    await waitFor(() => b.viewer.received.video.length > 30 && b.viewer.received.audio.length > 20, 8000, "A's media at B");
    assert.equal(fillOf(b.viewer), 0xa1);
    assert.deepEqual((await api.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements/${b.id}/source-connections`)).items.map((item: { source: string }) => item.source), [a.id]);

    await sleep(1500);
    const elementA = await api.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements/${a.id}`);
    assert.deepEqual(elementA.mediaFlow.out, { AUDIO: "FLOWING", VIDEO: "FLOWING" }, "A's peer media flows out of A into the pipeline");
    assert.deepEqual(elementA.negotiated, { codecs: { audio: "audio/opus", video: "video/VP8" }, connectionState: "CONNECTED" });
    const elementB = await api.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements/${b.id}`);
    assert.equal(elementB.mediaFlow.in.VIDEO, "FLOWING", "media flows into B from A");

    const graph = await api.expect(200, "GET", `/v1/pipelines/${pipeline.id}/graph`);
    assert.deepEqual(graph.edges, [{ id: String(connection.id), source: a.id, sink: b.id, mediaType: null }]);
    const svg = await api.call<string>("GET", `/v1/pipelines/${pipeline.id}/graph?format=svg`);
    assert.equal(svg.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    assert.match(svg.body, /^<\?xml[^]*<svg[^]*WebRtcEndpoint[^]*<\/svg>\s*$/);

    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline.id}/connections/${connection.id}`);
    await sleep(300);
    const stopped = b.viewer.received.video.length;
    await sleep(1000);
    assert.equal(b.viewer.received.video.length, stopped, "no media after disconnect");

    const listed = await api.expect(200, "GET", "/v1/pipelines?tag=room:blue");
    assert.deepEqual(listed.items.map((item: { id: string }) => item.id), [pipeline.id]);
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline.id}`);
    await api.expect(404, "GET", `/v1/pipelines/${pipeline.id}`);
  });

  it("switches every port of a DispatcherOneToMany to the new source", async () => {
    const pipeline = await api.expect(201, "POST", "/v1/pipelines", { name: "dispatch" });
    const hub = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "DispatcherOneToMany" });
    const port = async () => (await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "HubPort", params: { hub: hub.id } })).id as string;
    const [in1, in2, out1, out2] = [await port(), await port(), await port(), await port()];
    const s1 = await publishingEndpoint(pipeline.id, 0x11);
    const s2 = await publishingEndpoint(pipeline.id, 0x22);
    const v1 = await viewingEndpoint(pipeline.id);
    const v2 = await viewingEndpoint(pipeline.id);
    for (const [source, sink] of [[s1.id, in1], [s2.id, in2], [out1, v1.id], [out2, v2.id]]) {
      await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/connections`, { source, sink });
    }
    const setSource = (source: string) => api.expect(200, "POST", `/v1/pipelines/${pipeline.id}/elements/${hub.id}/invoke/setSource`, { params: { source } });

    await setSource(in1);
    await waitFor(() => fillOf(v1.viewer) === 0x11 && fillOf(v2.viewer) === 0x11, 8000, "both viewers get source 1");
    const before = v1.viewer.received.video.length;
    await setSource(in2);
    await waitFor(() => fillOf(v1.viewer) === 0x22 && fillOf(v2.viewer) === 0x22, 8000, "both viewers switch to source 2");
    const switched = v1.viewer.received.video.slice(before);
    const firstOfNew = switched.findIndex((packet) => packet.payload[5] === 0x22);
    assert.equal(switched[firstOfNew].payload[1] & 0x01, 0, "the new source starts on a keyframe");
    for (let index = 1; index < v1.viewer.received.video.length; index++) {
      const [previous, current] = [v1.viewer.received.video[index - 1], v1.viewer.received.video[index]];
      assert.equal(current.header.sequenceNumber, (previous.header.sequenceNumber + 1) & 0xffff, "continuous sequence numbers across the switch");
    }

    await api.expect(200, "POST", `/v1/pipelines/${pipeline.id}/elements/${hub.id}/invoke/removeSource`, {});
    await sleep(300);
    const idle = v1.viewer.received.video.length;
    await sleep(800);
    assert.equal(v1.viewer.received.video.length, idle, "removeSource stops the ports");

    const live = await server.media.health();
    assert.equal(live[0].endpoints, 9, "hub, 4 ports and 4 endpoints in the worker");
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline.id}`);
    assert.deepEqual(await settledLeftovers(server, NOTHING_LIVE), NOTHING_LIVE, "every media object and socket freed, counted by the worker");
  });

  it("lists a WHIP stream as a pipeline, and a REST endpoint can watch it", async () => {
    const live = await startLiveStream(server, "studio"); // a WHIP publisher (and a WHEP viewer) of synthetic media filled with 0xab
    liveStreams.push(live);

    const { items } = await api.expect(200, "GET", "/v1/pipelines?name=studio");
    assert.equal(items.length, 1);
    assert.equal(items[0].origin, "stream");
    const [publisherElement] = (await api.expect(200, "GET", `/v1/pipelines/${items[0].id}/elements`)).items;
    const watcher = await api.expect(201, "POST", `/v1/pipelines/${items[0].id}/elements`, { type: "WebRtcEndpoint" });
    await api.expect(201, "POST", `/v1/pipelines/${items[0].id}/connections`, { source: publisherElement.id, sink: watcher.id });
    const { viewer } = await viewingEndpoint(items[0].id, watcher.id);
    await waitFor(() => fillOf(viewer) === 0xab, 8000, "the WHIP stream at the REST endpoint");
    assert.equal((await fetch(live.whip.headers.get("location")!, { method: "DELETE" })).status, 200);
    await api.expect(204, "DELETE", `/v1/pipelines/${items[0].id}`); // the WHEP viewer would otherwise wait out the publisher grace
  });

  it("ends the WHEP and WHIP sessions when their endpoint or the stream's pipeline is deleted over REST", async () => {
    const live = await startLiveStream(server, "deleted");
    liveStreams.push(live);
    const [whip, whep] = [live.whip.headers.get("location")!, live.whep.headers.get("location")!];
    const streams = async () => ((await api.expect(200, "GET", "/v1/streams")) as { streams: Array<{ name: string; viewers: number }> }).streams;
    assert.deepEqual(await streams(), [{ ...(await streams())[0], name: "deleted", viewers: 1 }]);
    const { items } = await api.expect(200, "GET", "/v1/pipelines?name=deleted");
    const elements = (await api.expect(200, "GET", `/v1/pipelines/${items[0].id}/elements`)).items as Array<{ id: string }>;
    const viewerElement = (server.db.$client.prepare("select element_id from webrtc_sessions where role = 'viewer' and stream = 'deleted'").get() as { element_id: string }).element_id;
    assert.ok(elements.some((element) => element.id === viewerElement));

    await api.expect(204, "DELETE", `/v1/pipelines/${items[0].id}/elements/${viewerElement}`);
    assert.equal((await fetch(whep)).status, 404, "the viewer's session ended with its endpoint");
    assert.equal((await streams())[0].viewers, 0);
    assert.equal((await fetch(whip)).status, 200, "the publisher goes on");

    await api.expect(204, "DELETE", `/v1/pipelines/${items[0].id}`);
    assert.equal((await fetch(whip)).status, 404, "the publisher's session ended with the pipeline");
    assert.equal((await fetch(whip, { method: "DELETE" })).status, 404);
    assert.deepEqual(await streams(), [], "the stream is no longer live");
    const rows = server.db.$client.prepare("select role, state, close_reason as reason from webrtc_sessions where stream = 'deleted' order by role").all();
    assert.deepEqual(rows, [
      { role: "publisher", state: "closed", reason: "the stream's pipeline was released" },
      { role: "viewer", state: "closed", reason: "its WebRtcEndpoint was released" },
    ]);
    const history = { ...NOTHING_LIVE, sessions: rows.length + (server.db.$client.prepare("select count(*) as n from webrtc_sessions where stream != 'deleted'").get() as { n: number }).n };
    assert.deepEqual(await settledLeftovers(server, history), history, "no pipeline, element, worker object or socket of the stream is left");
  });

  it("pages with limit and after; a cursor outlives its pipeline; a string that is not a cursor is a 400", async () => {
    for (let index = 0; index < 5; index++) await api.expect(201, "POST", "/v1/pipelines", { name: `page-${index}`, tags: [{ key: "paged", value: "yes" }] });
    // The list order (creation time, then id for pipelines made in the same millisecond).
    const ids = (await api.expect(200, "GET", "/v1/pipelines?tag=paged")).items.map((item: { id: string }) => item.id) as string[];
    assert.equal(ids.length, 5);
    const page = (after?: string) => api.expect(200, "GET", `/v1/pipelines?tag=paged&limit=2${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    const first = await page();
    assert.deepEqual(first.items.map((item: { id: string }) => item.id), ids.slice(0, 2));
    const second = await page(first.next);
    assert.deepEqual(second.items.map((item: { id: string }) => item.id), ids.slice(2, 4));
    await api.expect(204, "DELETE", `/v1/pipelines/${ids[3]}`); // the row second.next points after
    await api.expect(204, "DELETE", `/v1/pipelines/${ids[1]}`);
    const third = await page(second.next);
    assert.deepEqual(third.items.map((item: { id: string }) => item.id), [ids[4]], "the walk goes on after the deleted row, not from page 1");
    assert.equal(third.next, null, "the last page says so");
    assert.deepEqual((await page(first.next)).items.map((item: { id: string }) => item.id), [ids[2], ids[4]], "an older cursor still points after its own row");

    for (const bad of [ids[0], "yesterday", "12_"]) {
      const refused = await api.call<{ code: string; detail: string }>("GET", `/v1/pipelines?tag=paged&after=${encodeURIComponent(bad)}`);
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.headers.get("content-type"), "application/problem+json");
      assert.equal(refused.body.code, "INVALID_REQUEST");
      assert.match(refused.body.detail, /not a cursor/);
    }
    for (const id of [ids[0], ids[2], ids[4]]) await api.expect(204, "DELETE", `/v1/pipelines/${id}`);
  });
});
