/**
 * SQLite is the truth: `node src/main.ts serve` is stopped and started again on the same data
 * directory, as an operator restarts it, and pipelines, elements (with their properties),
 * connections, tokens and the event log are all still there; elements whose media died with the
 * old process are marked media-lost with an event, and once their peers negotiate again the
 * connection kept from before the restart carries media — nobody connects anything anew.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Rest } from "../helpers/rest.ts";
import { fillOf, RestPeers } from "../helpers/rest-peers.ts";
import { runCommand, type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { waitFor } from "../helpers/werift-peer.ts";

type Event = { id: number; type: string; objectId: string | null };

describe("a server process restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-restart-"));
  const running: ServerProcess[] = [];
  after(async () => {
    for (const server of running) await server.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<ServerProcess> {
    const server = await startServerProcess(dataDir);
    running.push(server);
    return server;
  }

  it("keeps pipelines, elements, connections, tokens and events; a kept connection carries media after renegotiation", async () => {
    const created = await runCommand(dataDir, ["token", "create", "--scope", "admin", "--name", "ops"]);
    assert.equal(created.code, 0, created.stderr);
    const token = /(pw_\S+)/.exec(created.stdout)![1];

    const first = await start();
    const api = new Rest(first.url, token);
    const peers = new RestPeers(api);
    const pipeline = await api.expect(201, "POST", "/v1/pipelines", { name: "kept", tags: [{ key: "team", value: "a" }] });
    const a = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "WebRtcEndpoint", properties: { maxVideoSendBandwidth: 1200 } });
    const b = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "WebRtcEndpoint" });
    const passThrough = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "PassThrough" });
    const toB = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/connections`, { source: a.id, sink: b.id });
    const toPassThrough = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/connections`, { source: a.id, sink: passThrough.id, mediaType: "VIDEO" });
    await peers.publishing(pipeline.id, 0x11, a.id);
    const before = await peers.viewing(pipeline.id, b.id);
    await waitFor(() => fillOf(before.viewer) === 0x11, 8000, "A's media at B before the restart");
    const eventsBefore = (await api.expect(200, "GET", "/v1/events/log?limit=1000")).events as Event[];
    assert.ok(eventsBefore.some((event) => event.type === "element.connected"));
    assert.equal(await first.stop("SIGTERM"), 0);
    await peers.close();

    const second = await start();
    const again = new Rest(second.url, token);
    assert.equal((await new Rest(second.url).call("GET", "/v1/pipelines")).status, 401, "the token survived: anonymous calls are refused");
    const [kept] = (await again.expect(200, "GET", "/v1/pipelines")).items;
    assert.deepEqual({ id: kept.id, name: kept.name, tags: kept.tags, elements: kept.elements }, { id: pipeline.id, name: "kept", tags: [{ key: "team", value: "a" }], elements: 3 });
    const elements = (await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements`)).items as Array<{ id: string; type: string; state: string; properties: Record<string, unknown> }>;
    assert.deepEqual(
      elements.map((element) => [element.id, element.type, element.state]).sort(),
      [[a.id, "WebRtcEndpoint", "media-lost"], [b.id, "WebRtcEndpoint", "media-lost"], [passThrough.id, "PassThrough", "media-lost"]].sort(),
    );
    assert.equal(elements.find((element) => element.id === a.id)!.properties.maxVideoSendBandwidth, 1200);
    const connections = (await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/connections`)).items as Array<{ id: number; source: string; sink: string; mediaType: string | null }>;
    assert.deepEqual(
      connections.map((row) => [row.id, row.source, row.sink, row.mediaType]).sort(),
      [[toB.id, a.id, b.id, null], [toPassThrough.id, a.id, passThrough.id, "VIDEO"]].sort(),
    );

    const events = (await again.expect(200, "GET", "/v1/events/log?limit=1000")).events as Event[];
    assert.deepEqual(events.slice(0, eventsBefore.length), eventsBefore, "the old events are still there, ids unchanged");
    const lost = events.slice(eventsBefore.length).filter((event) => event.type === "element.mediaLost").map((event) => event.objectId);
    assert.deepEqual(lost.sort(), [a.id, b.id, passThrough.id].sort(), "each element's lost media was an event");
    assert.ok(events.every((event, index) => index === 0 || event.id > events[index - 1].id), "ids keep increasing");

    const renegotiated = new RestPeers(again);
    try {
      await renegotiated.publishing(pipeline.id, 0x7e, a.id);
      const { viewer } = await renegotiated.viewing(pipeline.id, b.id);
      await waitFor(() => viewer.received.video.filter((packet) => packet.payload[5] === 0x7e).length > 20 && viewer.received.audio.length > 10, 10_000, "the new publisher's media at B through the kept connection");
      for (const id of [a.id, b.id]) assert.equal((await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements/${id}`)).state, "ready");
    } finally {
      await renegotiated.close();
    }
    assert.equal(await second.stop("SIGTERM"), 0);
  });
});
