/**
 * A media worker crash mid-stream: the HTTP API keeps answering, the supervisor notices within
 * a second, the sessions it carried are marked closed in SQLite, an event says so, a new worker
 * takes over and a new publish works. A worker that stops answering heartbeats is replaced; one
 * that is merely slow fails the request it did not answer in time (503), and nothing more.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLiveStream } from "../helpers/live-stream.ts";
import { waitFor } from "../helpers/werift-peer.ts";
import { Rest } from "../helpers/rest.ts";
import { leftovers, settledLeftovers, startTestServer, type TestServer } from "../helpers/server.ts";

describe("media worker crash", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("closes the worker's sessions within a second, restarts it, and keeps the API answering", async () => {
    const first = await startLiveStream(server, "crash");
    const died = server.events.next("worker.died").then((event) => event.data);
    const oldPid = server.media.workerPids[0]!;

    const answers: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        answers.push((await fetch(`${server.url}/v1/streams`)).status);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    const killedAt = performance.now();
    process.kill(oldPid, "SIGKILL");
    const loss = await died;
    assert.equal(loss.pipelineIds.length, 1, "the stream's pipeline was on the dead worker");
    const openSessions = () => (server.db.$client.prepare("select count(*) as n from webrtc_sessions where state != 'closed'").get() as { n: number }).n;
    await waitFor(() => openSessions() === 0, 1000, "sessions marked closed");
    const closedWithin = performance.now() - killedAt;
    assert.ok(closedWithin < 1000, `sessions closed ${Math.round(closedWithin)} ms after the kill`);
    const reasons = server.db.$client.prepare("select distinct close_reason as reason from webrtc_sessions").all() as Array<{ reason: string }>;
    assert.deepEqual(reasons.map((row) => row.reason), ["media worker died"]);

    await waitFor(() => server.media.workerPids[0] !== undefined, 5000, "a new worker");
    assert.notEqual(server.media.workerPids[0], oldPid);
    probing = false;
    await probe;
    assert.ok(answers.length > 3, "the API was probed while the worker was down");
    assert.ok(answers.every((status) => status === 200), `every API request answered 200: ${answers.join(",")}`);
    await first.stop();

    const second = await startLiveStream(server, "crash");
    assert.ok(second.viewer.received.video.length > 10, "a new publish works on the new worker");
    await second.stop();
    for (const session of server.db.$client.prepare("select id, role from webrtc_sessions where state != 'closed'").all() as Array<{ id: string }>) {
      await server.streams.closeSession(session.id, "test over");
    }
    const left = await leftovers(server);
    assert.deepEqual({ ...left, sessions: 0 }, { pipelines: 0, elements: 0, sessions: 0, workerElements: 0, udpSockets: 0 });
  });
});

describe("hung media worker", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ media: { heartbeatTimeoutMs: 600 } });
  });
  after(async () => {
    await server.close();
  });

  it("is killed and replaced when it stops answering heartbeats", async () => {
    const died = server.events.next("worker.died").then((event) => event.data);
    const hungPid = server.media.workerPids[0]!;
    const stoppedAt = performance.now();
    process.kill(hungPid, "SIGSTOP");
    const loss = await died;
    const after = performance.now() - stoppedAt;
    assert.match(loss.reason, /no heartbeat answer within 600 ms/);
    assert.ok(after < 2500, `declared hung ${Math.round(after)} ms after it stopped`);
    await waitFor(() => server.media.workerPids[0] !== undefined && server.media.workerPids[0] !== hungPid, 5000, "a replacement worker");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });
});

describe("slow media worker", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ media: { requestTimeoutMs: 300 } });
  });
  after(async () => {
    await server.close();
  });

  it("answers 503 when the worker does not answer a command in time, and goes on once it does", async () => {
    const api = new Rest(server.url);
    const pipeline = await api.expect(201, "POST", "/v1/pipelines", {});
    const pid = server.media.workerPids[0]!;
    process.kill(pid, "SIGSTOP");
    const startedAt = performance.now();
    const stalled = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "PassThrough" }).finally(() => process.kill(pid, "SIGCONT"));
    const waited = performance.now() - startedAt;
    assert.equal(stalled.status, 503);
    assert.equal(stalled.headers.get("content-type"), "application/problem+json");
    assert.equal(stalled.body.code, "MEDIA_UNAVAILABLE");
    assert.match(stalled.body.detail, /did not answer element\.create within 300 ms/);
    assert.ok(waited >= 290 && waited < 2000, `answered after ${Math.round(waited)} ms`);
    assert.deepEqual((await api.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements`)).items, [], "the refused element left no row");

    assert.equal(server.media.workerPids[0], pid, "a slow worker is not a dead one: same process");
    await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "PassThrough" });
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline.id}`);
    const nothing = { pipelines: 0, elements: 0, sessions: 0, workerElements: 0, udpSockets: 0 };
    assert.deepEqual(await settledLeftovers(server, nothing), nothing, "the late-created element went with its pipeline");
  });
});
