/**
 * `GET /v1/events` as a client sees it: events arrive as SSE messages while the domain
 * publishes them, and a pipeline built over REST with werift peers reports what really happens
 * to it (created, ICE and connection state, candidates, media flow, connect, disconnect,
 * release); a reconnect with Last-Event-ID gets exactly what it missed; filters by
 * pipeline and type; heartbeats on an idle stream; the log (ids included) survives a restart,
 * and a change made just before the process is killed keeps its event and webhook delivery;
 * bad query input is a 400 problem.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { EventPayloads, EventType } from "../../src/domain/events.ts";
import { post, startTestServer, type TestServer } from "../helpers/server.ts";
import { openEventStream, readUntil } from "../helpers/sse.ts";
import { Rest } from "../helpers/rest.ts";
import { RestPeers } from "../helpers/rest-peers.ts";
import { createPublisher, waitFor } from "../helpers/werift-peer.ts";

type Envelope = { id: number; type: EventType; pipelineId: string | null; objectId: string | null; at: string; data: Record<string, unknown> };

function connected(server: TestServer, pipelineId: string, source: string) {
  return server.events.publish("element.connected", { pipelineId, objectId: source }, { source, sink: `${source}-sink`, mediaType: "VIDEO" });
}

async function eventLog(server: TestServer, query = ""): Promise<{ events: Envelope[]; nextAfter: number; lastId: number }> {
  const response = await fetch(`${server.url}/v1/events/log?${query}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { events: Envelope[]; nextAfter: number; lastId: number };
}

describe("event stream (SSE)", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ events: { heartbeatMs: 300 } });
  });
  after(async () => {
    await server.close();
  });

  it("streams events as the domain publishes them", async () => {
    const stream = await openEventStream(`${server.url}/v1/events?pipeline=live`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("content-type") ?? "", /^text\/event-stream/);
    const published = server.events.publish("pipeline.created", { pipelineId: "live", objectId: "live" }, { origin: "api", name: "demo" });
    connected(server, "live", "a");
    const [first, second] = await stream.take(2);
    stream.close();
    assert.equal(first.event, "pipeline.created");
    assert.equal(Number(second.id), Number(first.id) + 1);
    const envelope = JSON.parse(first.data) as Envelope;
    assert.deepEqual(envelope, {
      id: Number(first.id),
      type: "pipeline.created",
      pipelineId: "live",
      objectId: "live",
      at: new Date(published.at).toISOString(),
      data: { origin: "api", name: "demo" } satisfies EventPayloads["pipeline.created"],
    });
    assert.equal(second.event, "element.connected");
  });

  it("streams what a real WHIP publish does to the domain", async () => {
    const stream = await openEventStream(`${server.url}/v1/events?type=pipeline.created,session.state,pipeline.released`);
    const publisher = await createPublisher();
    const whip = await post(`${server.url}/whip/sse-demo`, publisher.offer);
    assert.equal(whip.status, 201, whip.body);
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
    const seen: Envelope[] = [];
    await readUntil(stream, seen, (event) => event.type === "session.state" && event.data.state === "connected"); // the server saw ICE+DTLS complete
    assert.equal((await fetch(whip.headers.get("location")!, { method: "DELETE" })).status, 200);
    await publisher.pc.close();
    await readUntil(stream, seen, (event) => event.type === "pipeline.released");
    stream.close();
    const pipelineId = seen[0].pipelineId;
    assert.equal(seen[0].type, "pipeline.created");
    assert.deepEqual(
      seen.filter((event) => event.type === "session.state").map((event) => [event.data.stream, event.data.role, event.data.state]),
      [["sse-demo", "publisher", "connecting"], ["sse-demo", "publisher", "connected"], ["sse-demo", "publisher", "closed"]],
    );
    assert.ok(seen.every((event) => event.pipelineId === pipelineId || event.type === "session.state"));
  });

  it("reports what REST calls and werift peers really do to a pipeline", async () => {
    const api = new Rest(server.url);
    const peers = new RestPeers(api);
    const start = (await eventLog(server)).lastId;
    try {
      const { id: p } = await api.expect(201, "POST", "/v1/pipelines", { name: "observed" });
      const stream = await openEventStream(`${server.url}/v1/events?pipeline=${p}&after=${start}`);
      const a = await peers.endpoint(p);
      await api.expect(202, "POST", `/v1/pipelines/${p}/elements/${a}/gather-candidates`); // before negotiation: candidates follow it
      const { publisher } = await peers.publishing(p, 0x31, a);
      const local = (await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${a}/ice-candidates`)).items as Array<{ candidate: string }>;
      const { id: b, viewer } = await peers.viewing(p);
      const connection = await api.expect(201, "POST", `/v1/pipelines/${p}/connections`, { source: a, sink: b });
      await waitFor(() => viewer.received.video.length > 20, 8000, "A's media at B");
      const seen: Envelope[] = [];
      const flow = (element: string, type: EventType, mediaType: string, state: string) => (event: Envelope) =>
        event.objectId === element && event.type === type && event.data.mediaType === mediaType && event.data.state === state;
      await readUntil(stream, seen, flow(b, "element.mediaFlowIn", "VIDEO", "FLOWING"));
      await readUntil(stream, seen, flow(a, "element.mediaFlowOut", "AUDIO", "FLOWING"));
      await api.expect(204, "DELETE", `/v1/pipelines/${p}/connections/${connection.id}`);
      await readUntil(stream, seen, flow(b, "element.mediaFlowIn", "VIDEO", "NOT_FLOWING"));
      await api.expect(204, "DELETE", `/v1/pipelines/${p}/elements/${b}`);
      await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
      await readUntil(stream, seen, (event) => event.type === "pipeline.released");
      stream.close();
      await publisher.pc.close();

      const of = (type: EventType, objectId?: string) => seen.filter((event) => event.type === type && (objectId === undefined || event.objectId === objectId));
      assert.ok(seen.every((event) => event.pipelineId === p), "the pipeline filter holds");
      assert.deepEqual(of("pipeline.created").map((event) => event.data), [{ origin: "api", name: "observed" }]);
      assert.deepEqual(of("element.created").map((event) => [event.objectId, event.data.type]), [[a, "WebRtcEndpoint"], [b, "WebRtcEndpoint"]]);
      for (const element of [a, b]) {
        const iceStates = of("element.iceStateChanged", element).map((event) => event.data.state);
        assert.ok(iceStates.includes("checking") && iceStates.some((state) => state === "connected" || state === "completed"), `${element}: ICE states ${iceStates.join(", ")}`);
        assert.deepEqual(of("element.connectionStateChanged", element)[0]?.data, { oldState: "DISCONNECTED", newState: "CONNECTED" });
      }
      const found = of("element.iceCandidateFound", a);
      assert.ok(local.length > 0);
      assert.deepEqual(found.map((event) => event.data.candidate), local.map((item) => item.candidate), "one event per local candidate of A");
      const gatheringDone = seen.findIndex((event) => event.type === "element.iceGatheringDone" && event.objectId === a);
      assert.ok(gatheringDone > seen.indexOf(found.at(-1)!), "iceGatheringDone follows the candidates");
      assert.ok(of("element.mediaFlowOut", a).some((event) => event.data.mediaType === "VIDEO" && event.data.state === "FLOWING"), "A's peer media flows out of A");
      const connected = { source: a, sink: b, mediaType: null };
      assert.deepEqual(of("element.connected").map((event) => [event.objectId, event.data]), [[a, connected]]);
      assert.deepEqual(of("element.disconnected").map((event) => [event.objectId, event.data]), [[a, connected]]);
      assert.deepEqual(of("element.released", b).map((event) => event.data), [{ type: "WebRtcEndpoint" }]);
      assert.equal(seen.at(-1)!.type, "pipeline.released");
      const order = (type: EventType, objectId?: string) => seen.findIndex((event) => event.type === type && (objectId === undefined || event.objectId === objectId));
      assert.ok(order("element.connected") < order("element.disconnected") && order("element.disconnected") < order("element.released", b), "connect, disconnect, release in the order they were made");
    } finally {
      await peers.close();
    }
  });

  it("resumes with Last-Event-ID: exactly the missed events, in order, then live ones", async () => {
    const stream = await openEventStream(`${server.url}/v1/events?pipeline=resume`);
    for (const source of ["a", "b", "c"]) connected(server, "resume", source);
    const seen = await stream.take(3);
    stream.close();
    for (const source of ["d", "e", "f"]) connected(server, "resume", source); // missed while away
    const resumed = await openEventStream(`${server.url}/v1/events?pipeline=resume`, { "Last-Event-ID": seen[2].id! });
    const missed = await resumed.take(3);
    connected(server, "resume", "g");
    const live = await resumed.next();
    await assert.rejects(resumed.next(400), /no SSE message/, "nothing is sent twice");
    resumed.close();
    const last = Number(seen[2].id);
    assert.deepEqual([...missed, live].map((message) => Number(message.id)), [last + 1, last + 2, last + 3, last + 4]);
    assert.deepEqual([...missed, live].map((message) => (JSON.parse(message.data) as Envelope).objectId), ["d", "e", "f", "g"]);
  });

  it("hands over from stored to live events without a gap or a duplicate", async () => {
    const start = (await eventLog(server)).lastId;
    let published = 0;
    const publishing = (async () => {
      for (; published < 200; published++) {
        connected(server, "burst", `s${published}`);
        if (published % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    while (published < 60) await new Promise((resolve) => setTimeout(resolve, 1));
    const stream = await openEventStream(`${server.url}/v1/events?pipeline=burst&after=${start}`); // joins mid-burst
    await publishing;
    const messages = await stream.take(200);
    stream.close();
    assert.deepEqual(
      messages.map((message) => (JSON.parse(message.data) as Envelope).objectId),
      Array.from({ length: 200 }, (_, i) => `s${i}`),
    );
    const ids = messages.map((message) => Number(message.id));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "ids increase");
  });

  it("filters by pipeline and by event types", async () => {
    const start = (await eventLog(server)).lastId;
    connected(server, "f1", "keep-1");
    server.events.publish("element.created", { pipelineId: "f1", objectId: "x" }, { type: "PassThrough" });
    connected(server, "f2", "other-pipeline");
    server.events.publish("element.disconnected", { pipelineId: "f1", objectId: "keep-2" }, { source: "keep-2", sink: "y", mediaType: null });
    const stream = await openEventStream(`${server.url}/v1/events?after=${start}&pipeline=f1&type=element.connected,element.disconnected`);
    const messages = await stream.take(2);
    await assert.rejects(stream.next(400), /no SSE message/);
    stream.close();
    assert.deepEqual(messages.map((message) => [message.event, (JSON.parse(message.data) as Envelope).objectId]), [
      ["element.connected", "keep-1"],
      ["element.disconnected", "keep-2"],
    ]);
    const page = await eventLog(server, `after=${start}&pipeline=f1&type=element.connected,element.disconnected`);
    assert.deepEqual(page.events.map((event) => event.objectId), ["keep-1", "keep-2"]);
  });

  it("sends heartbeat comments on an idle stream and lets go when the client leaves", async () => {
    const listeners = server.eventLog.listenerCount("logged");
    const stream = await openEventStream(`${server.url}/v1/events?pipeline=idle`);
    const heartbeats = () => stream.comments.filter((comment) => comment === "heartbeat").length;
    for (let waited = 0; heartbeats() < 2 && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(heartbeats() >= 2, stream.comments.join("|"));
    assert.equal(server.eventLog.listenerCount("logged"), listeners + 1, "the stream waits for news");
    stream.close();
    const deadline = Date.now() + 2000;
    while (server.eventLog.listenerCount("logged") > listeners && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.eventLog.listenerCount("logged"), listeners, "the server stopped following for the gone client");
  });

  it("pages through the log as JSON", async () => {
    const start = (await eventLog(server)).lastId;
    for (const source of ["p0", "p1", "p2", "p3", "p4"]) connected(server, "paged", source);
    const first = await eventLog(server, `after=${start}&pipeline=paged&limit=3`);
    const second = await eventLog(server, `after=${first.nextAfter}&pipeline=paged&limit=3`);
    assert.deepEqual([...first.events, ...second.events].map((event) => event.objectId), ["p0", "p1", "p2", "p3", "p4"]);
    assert.equal(second.lastId, second.nextAfter);
  });

  it("answers bad input with a 400 problem", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["/v1/events?type=element.exploded", {}, /query\.type/],
      ["/v1/events?after=-1", {}, /query\.after/],
      ["/v1/events?colour=blue", {}, /colour/],
      ["/v1/events", { "Last-Event-ID": "yesterday" }, /Last-Event-ID/],
      ["/v1/events/log?limit=5000", {}, /query\.limit/],
    ];
    for (const [path, headers, detail] of cases) {
      const response = await fetch(`${server.url}${path}`, { headers });
      assert.equal(response.status, 400, path);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const problem = (await response.json()) as { code: string; detail: string };
      assert.equal(problem.code, "INVALID_REQUEST");
      assert.match(problem.detail, detail);
    }
  });
});

describe("event log across a restart", () => {
  it("keeps the events and their ids, and numbers new ones after them", async () => {
    const first = await startTestServer();
    for (const source of ["r0", "r1", "r2"]) connected(first, "restart", source);
    const before = await eventLog(first, "after=0&pipeline=restart");
    assert.equal(before.events.length, 3);
    await first.stop();

    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      const afterRestart = await eventLog(second, "after=0&pipeline=restart");
      assert.deepEqual(afterRestart.events, before.events, "same events, same ids");
      const stream = await openEventStream(`${second.url}/v1/events?pipeline=restart`, { "Last-Event-ID": String(before.events[0].id) });
      const resumed = await stream.take(2);
      assert.deepEqual(resumed.map((message) => Number(message.id)), before.events.slice(1).map((event) => event.id), "resume works across the restart");
      connected(second, "restart", "r3");
      const fresh = JSON.parse((await stream.next()).data) as Envelope;
      stream.close();
      assert.equal(fresh.objectId, "r3");
      assert.ok(fresh.id > before.lastId, `new id ${fresh.id} follows every id of the previous run (${before.lastId})`);
    } finally {
      await second.close();
    }
  });

  it("keeps the event and the webhook delivery of a change made right before a SIGKILL", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pipewright-killed-"));
    try {
      const child = spawn(process.execPath, [fileURLToPath(new URL("../helpers/kill-after-change.ts", import.meta.url)), dataDir], { stdio: ["ignore", "inherit", "inherit"] });
      const [code, signal] = await once(child, "exit");
      assert.equal(signal, "SIGKILL", `the child was killed (exit code ${code})`);

      const server = await startTestServer({}, { dataDir });
      try {
        const [pipeline] = ((await (await fetch(`${server.url}/v1/pipelines?name=last-words`)).json()) as { items: Array<{ id: string }> }).items;
        assert.ok(pipeline, "the change itself was committed");
        const logged = (await eventLog(server, `after=0&pipeline=${pipeline.id}&type=pipeline.created`)).events;
        assert.deepEqual(logged.map((event) => [event.type, event.objectId]), [["pipeline.created", pipeline.id]], "its event is in the log");
        const deliveries = server.db.$client.prepare("select state from webhook_deliveries where event_id = ?").all(logged[0].id);
        assert.deepEqual(deliveries, [{ state: "pending" }], "and its webhook delivery waits in the outbox");
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("prunes to the configured retention", async () => {
    const server = await startTestServer({ events: { retention: 20 } });
    try {
      for (let i = 0; i < 80; i++) connected(server, "retained", `x${i}`);
      const page = await eventLog(server, "after=0&limit=1000");
      assert.ok(page.events.length <= 21, `${page.events.length} events kept`);
      assert.equal(page.events.at(-1)?.objectId, "x79", "the newest are kept");
    } finally {
      await server.close();
    }
  });
});
