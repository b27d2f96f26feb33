/**
 * PlayerEndpoint, hermetic: a file is played into a pipeline and a werift viewer receives it
 * through a WebRtcEndpoint — the file's codec negotiated, video at the file's 30 frames a
 * second and audio at 50 packets a second, in real time; `setPosition` seeks and EndOfStream
 * arrives when the file ends; a RecorderEndpoint with stopOnEndOfStream records the whole file
 * and stops; a viewer that negotiated another codec gets an Error naming both.
 * Over http(s) the file comes from a local server, allowed only when the configuration allows
 * private addresses; by default loopback, private, link-local and metadata addresses are refused.
 */
import assert from "node:assert/strict";
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DomainEvent } from "../../src/domain/events.ts";
import { FIXTURES } from "../helpers/file-publisher.ts";
import { Rest } from "../helpers/rest.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createViewer, H264, VP8, type Viewer, waitFor } from "../helpers/werift-peer.ts";

const FIXTURE_DIR = dirname(FIXTURES.vp8);

/** Distinct video frames (RTP timestamps) and audio packets received between two moments. */
function rates(viewer: Viewer, from: number, to: number): { fps: number; audioPps: number } {
  const frames = new Set(viewer.received.video.filter((packet) => (packet as { at?: number }).at! >= from && (packet as { at?: number }).at! < to).map((packet) => packet.header.timestamp));
  const audio = viewer.received.audio.filter((packet) => (packet as { at?: number }).at! >= from && (packet as { at?: number }).at! < to).length;
  const seconds = (to - from) / 1000;
  return { fps: frames.size / seconds, audioPps: audio / seconds };
}

/** Stamps each received packet with its arrival time. */
function stampArrivals(viewer: Viewer): void {
  for (const kind of ["audio", "video"] as const) {
    const list = viewer.received[kind];
    const push = list.push.bind(list);
    list.push = (...packets) => push(...packets.map((packet) => Object.assign(packet, { at: performance.now() })));
  }
}

function nextEvent<T extends DomainEvent["type"]>(server: TestServer, type: T, objectId: string, timeoutMs: number): Promise<DomainEvent<T>> {
  return Promise.race([
    server.events.next(type, (event) => event.objectId === objectId),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs)),
  ]);
}

async function playInto(api: Rest, uri: string, viewerCodecs = [VP8, H264]) {
  const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
  const player = await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "PlayerEndpoint", params: { uri } });
  const endpoint = (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", params: { sendonly: true } })).id as string;
  await api.expect(201, "POST", `/v1/pipelines/${pipeline}/connections`, { source: player.id, sink: endpoint });
  const viewer = await createViewer(viewerCodecs);
  stampArrivals(viewer);
  const { answer } = await api.expect(200, "POST", `/v1/pipelines/${pipeline}/elements/${endpoint}/process-offer`, { offer: viewer.offer });
  await viewer.pc.setRemoteDescription({ type: "answer", sdp: answer });
  await waitFor(() => viewer.pc.connectionState === "connected", 10_000, "viewer connected");
  return { pipeline, player: player as Record<string, any>, endpoint, viewer, answer: answer as string };
}

describe("PlayerEndpoint from files", () => {
  let server: TestServer;
  let api: Rest;

  before(async () => {
    server = await startTestServer({ player: { mediaRoots: [FIXTURE_DIR] } });
    api = new Rest(server.url);
  });
  after(async () => {
    await server.close();
  });

  for (const [name, mimeType] of [["vp8", "VP8"], ["h264", "H264"]] as const) {
    it(`${mimeType}: plays at the file's rate in the file's codec, seeks, and ends with EndOfStream`, async (t) => {
      const played = await playInto(api, `file://${FIXTURES[name]}`);
      t.after(() => played.viewer.pc.close());
      assert.match(played.answer, new RegExp(`a=rtpmap:\\d+ ${mimeType}/90000`), "the viewer is answered with the file's codec");
      const info = await api.expect<{ value: Record<string, unknown> }>(200, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/invoke/getVideoInfo`, {});
      assert.equal(info.value.isSeekable, true);
      assert.ok(Math.abs((info.value.duration as number) - 6000) < 100, `duration ${String(info.value.duration)} ms`);

      await api.expect(204, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/play`);
      const state = await api.expect<{ value: string }>(200, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/invoke/getState`, {});
      assert.equal(state.value, "START");
      await waitFor(() => played.viewer.received.video.length > 0, 5000, "first video packet");
      const start = performance.now() + 500;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const measured = rates(played.viewer, start, start + 2000);
      t.diagnostic(`${mimeType}: ${measured.fps.toFixed(1)} video frames/s, ${measured.audioPps.toFixed(1)} audio packets/s`);
      assert.ok(Math.abs(measured.fps - 30) <= 3, `video at the file's 30 fps: ${measured.fps}`);
      assert.ok(Math.abs(measured.audioPps - 50) <= 5, `Opus at 50 packets/s: ${measured.audioPps}`);

      const ended = nextEvent(server, "element.endOfStream", played.player.id, 8000);
      await api.expect(204, "PUT", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/position`, { position: 4500 });
      const seekedAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { position } = await api.expect<{ position: number }>(200, "GET", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/position`);
      assert.ok(position >= 4000 && position <= 5300, `position after seeking to 4500 ms: ${position}`);
      await ended;
      const toEnd = performance.now() - seekedAt;
      assert.ok(toEnd > 900 && toEnd < 2600, `EndOfStream ${Math.round(toEnd)} ms after seeking 1.5 s before the end`);
      const stopped = await api.expect<{ value: string }>(200, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/invoke/getState`, {});
      assert.equal(stopped.value, "STOP");
      await api.expect(204, "DELETE", `/v1/pipelines/${played.pipeline}`);
    });
  }

  it("records what it plays: a RecorderEndpoint with stopOnEndOfStream stops at the end of the file", async () => {
    const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
    const player = (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "PlayerEndpoint", params: { uri: `file://${FIXTURES.vp8}` } })).id;
    const recorder = (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "RecorderEndpoint", params: { uri: "replay.webm", stopOnEndOfStream: true } })).id;
    await api.expect(201, "POST", `/v1/pipelines/${pipeline}/connections`, { source: player, sink: recorder });
    const stopped = nextEvent(server, "element.stopped", recorder, 20_000);
    await api.expect(204, "POST", `/v1/pipelines/${pipeline}/elements/${recorder}/record`);
    await api.expect(204, "POST", `/v1/pipelines/${pipeline}/elements/${player}/play`);
    const { data } = await stopped;
    const row = await api.expect<Record<string, any>>(200, "GET", `/v1/recordings/${data.recordingId}`);
    assert.equal(row.state, "finished");
    assert.deepEqual(row.codecs, { video: "vp8", audio: "opus" });
    assert.ok(Math.abs(row.durationMs - 6000) < 500, `the 6 s file recorded as ${row.durationMs} ms`);
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline}`);
  });

  it("reports an Error naming both codecs when a viewer negotiated one the file does not have", async (t) => {
    const played = await playInto(api, `file://${FIXTURES.h264}`, [VP8]);
    t.after(() => played.viewer.pc.close());
    const error = nextEvent(server, "element.error", played.player.id, 5000);
    await api.expect(204, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/play`);
    const { data } = await error;
    assert.equal(data.errorType, "STREAM_ERROR_CODEC_NOT_FOUND");
    assert.match(data.description, /negotiated VP8 video, but the file has H264/);
    await api.expect(204, "DELETE", `/v1/pipelines/${played.pipeline}`);
  });

  it("refuses a bad URI and a forbidden place or address at creation, leaving nothing", async () => {
    const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
    const create = (uri: string) => api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${pipeline}/elements`, { type: "PlayerEndpoint", params: { uri } });
    const cases: Array<[string, number, string, RegExp]> = [
      ["file:///etc/passwd", 403, "FORBIDDEN", /outside the media directories/],
      [`file://${FIXTURE_DIR}/../../package.json`, 403, "FORBIDDEN", /outside the media directories/],
      ["file:///nope/../../etc/shadow", 403, "FORBIDDEN", /outside/],
      ["not a uri", 400, "INVALID_REQUEST", /not a URI/],
      ["http://127.0.0.1:9/x.webm", 403, "FORBIDDEN", /loopback address/],
      ["http://169.254.169.254/latest/meta-data", 403, "FORBIDDEN", /link-local address/],
      ["http://[::ffff:10.0.0.1]/a.mp4", 403, "FORBIDDEN", /private address/],
      ["http://localhost:8888/a.mp4", 403, "FORBIDDEN", /this machine/],
      ["rtsp://camera.example/stream", 501, "NOT_IMPLEMENTED", /RTSP/],
      ["ftp://files.example/a.webm", 400, "INVALID_REQUEST", /not ftp:/],
    ];
    for (const [uri, status, code, detail] of cases) {
      const response = await create(uri);
      assert.equal(response.status, status, `${uri}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.code, code, uri);
      assert.match(response.body.detail, detail, uri);
    }
    const { items } = await api.expect<{ items: unknown[] }>(200, "GET", `/v1/pipelines/${pipeline}/elements`);
    assert.equal(items.length, 0, "no element was left behind");
    assert.equal((await server.media.health())[0].endpoints, 0, "nothing left in the worker");
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline}`);
  });

  it("creates a player on a file it cannot read as Kurento does: an Error at once, and play() fails with the reason", async () => {
    const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
    for (const [uri, status, code, detail, errorCode] of [
      [`file://${FIXTURE_DIR}/missing.webm`, 404, "NOT_FOUND", /does not exist/, 40600],
      [`file://${FIXTURE_DIR}/README.md`, 422, "UNSUPPORTED_MEDIA", /not a media file/, 40005],
    ] as const) {
      const errors: DomainEvent[] = [];
      const listener = (event: DomainEvent) => event.type === "element.error" && errors.push(event);
      server.events.on("event", listener);
      const player = await api.expect<Record<string, any>>(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "PlayerEndpoint", params: { uri } });
      assert.match(player.properties.openError, detail, uri);
      await waitFor(() => errors.some((event) => event.objectId === player.id), 2000, "the Error event");
      const error = errors.find((event) => event.objectId === player.id)!.data as Record<string, unknown>;
      assert.deepEqual([error.errorType, error.errorCode], ["RESOURCE_ERROR_OPEN", errorCode], uri);
      server.events.off("event", listener);
      const refused = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${pipeline}/elements/${player.id}/play`);
      assert.equal(refused.status, status, `${uri}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.code, code);
      assert.match(refused.body.detail, detail);
    }
    await api.expect(204, "DELETE", `/v1/pipelines/${pipeline}`);
  });
});

describe("PlayerEndpoint over HTTP", () => {
  let files: Server;
  let base: string;
  let server: TestServer;
  let api: Rest;

  before(async () => {
    // A file server with range requests on 127.0.0.1 only.
    files = createServer((request, response) => {
      const path = FIXTURES.vp8;
      const size = statSync(path).size;
      const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? "");
      if (!request.url?.endsWith("/clip.webm")) return void response.writeHead(404).end();
      if (!range) {
        response.writeHead(200, { "Content-Length": size, "Content-Type": "video/webm", "Accept-Ranges": "bytes" });
        return void createReadStream(path).pipe(response);
      }
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      response.writeHead(206, { "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Type": "video/webm" });
      createReadStream(path, { start, end }).pipe(response);
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    server = await startTestServer({ player: { allowPrivateAddresses: true } });
    api = new Rest(server.url);
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => files.close(resolve));
  });

  it("plays a file served on 127.0.0.1 when private addresses are allowed; a 404 there makes play() a 404", async (t) => {
    const played = await playInto(api, `${base}/clip.webm`);
    t.after(() => played.viewer.pc.close());
    await api.expect(204, "POST", `/v1/pipelines/${played.pipeline}/elements/${played.player.id}/play`);
    await waitFor(() => new Set(played.viewer.received.video.map((packet) => packet.header.timestamp)).size >= 30, 5000, "a second of video frames from the HTTP source");
    const missing = await api.expect<Record<string, any>>(201, "POST", `/v1/pipelines/${played.pipeline}/elements`, { type: "PlayerEndpoint", params: { uri: `${base}/missing.webm` } });
    assert.match(missing.properties.openError, /cannot read http:\/\/127\.0\.0\.1:\d+\/missing\.webm/);
    assert.equal((await api.call("POST", `/v1/pipelines/${played.pipeline}/elements/${missing.id}/play`)).status, 404);
    await api.expect(204, "DELETE", `/v1/pipelines/${played.pipeline}`);
  });
});
