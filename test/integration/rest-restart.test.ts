/**
 * SQLite is the truth: after the server restarts on the same data directory, pipelines,
 * elements, connections, tokens and the event log are all still there; elements whose media
 * died with the old process are marked media-lost with an event, and negotiate again.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Rest } from "../helpers/rest.ts";
import { startTestServer } from "../helpers/server.ts";
import { createViewer, waitFor } from "../helpers/werift-peer.ts";

describe("a server restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-restart-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps pipelines, elements, connections, tokens and events; marks lost media with an event", async () => {
    const first = await startTestServer({}, { dataDir });
    const { token } = first.access.createToken({ name: "ops", scope: "admin" });
    const api = new Rest(first.url, token);
    const pipeline = await api.expect(201, "POST", "/v1/pipelines", { name: "kept", tags: [{ key: "team", value: "a" }] });
    const endpoint = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "WebRtcEndpoint", properties: { maxVideoSendBandwidth: 1200 } });
    const passThrough = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/elements`, { type: "PassThrough" });
    const connection = await api.expect(201, "POST", `/v1/pipelines/${pipeline.id}/connections`, { source: endpoint.id, sink: passThrough.id, mediaType: "VIDEO" });
    const viewer = await createViewer();
    await api.expect(200, "POST", `/v1/pipelines/${pipeline.id}/elements/${endpoint.id}/process-offer`, { offer: viewer.offer });
    await viewer.pc.close();
    const eventsBefore = first.db.$client.prepare("select id, type from events order by id").all() as Array<{ id: number; type: string }>;
    assert.ok(eventsBefore.some((event) => event.type === "element.connected"));
    await first.close();

    const second = await startTestServer({}, { dataDir });
    try {
      const again = new Rest(second.url, token);
      assert.equal((await new Rest(second.url).call("GET", "/v1/pipelines")).status, 401, "tokens survived: anonymous calls are refused");
      const [kept] = (await again.expect(200, "GET", "/v1/pipelines")).items;
      assert.deepEqual({ id: kept.id, name: kept.name, tags: kept.tags, elements: kept.elements }, { id: pipeline.id, name: "kept", tags: [{ key: "team", value: "a" }], elements: 2 });
      const elements = (await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements`)).items;
      assert.deepEqual(
        elements.map((element: { id: string; type: string; state: string }) => [element.id, element.type, element.state]),
        [
          [endpoint.id, "WebRtcEndpoint", "media-lost"],
          [passThrough.id, "PassThrough", "media-lost"],
        ],
      );
      assert.equal(elements[0].properties.maxVideoSendBandwidth, 1200);
      const connections = (await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/connections`)).items;
      assert.deepEqual(connections.map((row: { id: number; mediaType: string }) => [row.id, row.mediaType]), [[connection.id, "VIDEO"]]);

      const events = second.db.$client.prepare("select id, type, object_id as objectId from events order by id").all() as Array<{ id: number; type: string; objectId: string }>;
      assert.deepEqual(events.slice(0, eventsBefore.length).map((event) => event.id), eventsBefore.map((event) => event.id), "the old events are still there, ids unchanged");
      const lost = events.filter((event) => event.type === "element.mediaLost").map((event) => event.objectId);
      assert.deepEqual(lost.sort(), [endpoint.id, passThrough.id].sort(), "each element's lost media was an event");
      assert.ok(events.every((event, index) => index === 0 || event.id > events[index - 1].id), "ids keep increasing");

      const renegotiating = await createViewer();
      const { answer } = await again.expect(200, "POST", `/v1/pipelines/${pipeline.id}/elements/${endpoint.id}/process-offer`, { offer: renegotiating.offer });
      await renegotiating.pc.setRemoteDescription({ type: "answer", sdp: answer });
      await waitFor(() => renegotiating.pc.connectionState === "connected", 10_000, "the endpoint connects again");
      assert.equal((await again.expect(200, "GET", `/v1/pipelines/${pipeline.id}/elements/${endpoint.id}`)).state, "ready");
      await renegotiating.pc.close();
    } finally {
      await second.close();
    }
  });
});
