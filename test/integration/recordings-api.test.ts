/**
 * Recordings as REST resources, as a user sees them: record on publish switched on per stream
 * over the API (a WHIP stream is recorded with no pipeline code, in the profile its codecs
 * call for), the recording listed with its state, profile, codecs, duration and size; its file
 * downloaded whole and by HTTP ranges (206 with Content-Range, 416 past the end, If-Range,
 * HEAD) the way a `<video>` element seeks; a viewer's token reading only its streams'
 * recordings; deleting refused while the file is written and removing the file after.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createFilePublisher } from "../helpers/file-publisher.ts";
import { inspectMedia } from "../helpers/media-file.ts";
import { Rest } from "../helpers/rest.ts";
import { post, startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/werift-peer.ts";

describe("recordings over REST", () => {
  let server: TestServer;
  let admin: Rest;
  let viewer: Rest;
  let token: string;
  let viewerToken: string;

  before(async () => {
    server = await startTestServer();
    token = server.access.createToken({ name: "admin", scope: "admin" }).token;
    admin = new Rest(server.url, token);
    viewerToken = server.access.createToken({ name: "viewer", scope: "play", streamPattern: "rec-*" }).token;
    viewer = new Rest(server.url, viewerToken);
  });
  after(async () => {
    await server.close();
  });

  it("records a WHIP stream on publish, serves its file with ranges, and deletes it", async (t) => {
    assert.equal((await admin.call("GET", "/v1/streams/rec-a/recording-rule")).status, 404);
    const rule = await admin.expect(200, "PUT", "/v1/streams/rec-a/recording-rule", {});
    assert.deepEqual(rule, { stream: "rec-a", profile: "auto", source: "api" });

    const source = await createFilePublisher("h264");
    t.after(async () => {
      await source.stop();
      await source.publisher.pc.close();
    });
    const whip = await post(`${server.url}/whip/rec-a`, source.publisher.offer, { "Content-Type": "application/sdp", Authorization: `Bearer ${token}` });
    assert.equal(whip.status, 201, whip.body);
    await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
    await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "publisher connected");
    source.start();

    let listed: Record<string, any> | undefined;
    for (let attempt = 0; attempt < 100 && listed?.startedAt == null; attempt++) {
      listed = (await admin.expect<{ items: Array<Record<string, any>> }>(200, "GET", "/v1/recordings?stream=rec-a")).items[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(listed, "record on publish made a recording");
    assert.equal(listed.state, "recording");
    assert.equal(listed.profile, "MP4", "auto picks MP4 for H.264");
    assert.match(listed.file, /^rec-a\/rec-a-.*\.mp4$/);
    const busy = await admin.call<{ code: string }>("DELETE", `/v1/recordings/${listed.id}`);
    assert.equal(busy.status, 409, "a recording being written cannot be deleted");

    await new Promise((resolve) => setTimeout(resolve, 3000));
    const stopped = server.events.next("recording.state", (event) => event.data.recordingId === listed!.id && event.data.state !== "recording");
    await admin.expect(204, "DELETE", "/v1/streams/rec-a/recording-rule");
    assert.equal((await stopped).data.state, "finished", "removing the rule stops and finishes the live recording");
    const row = await admin.expect<Record<string, any>>(200, "GET", `/v1/recordings/${listed.id}`);
    assert.deepEqual(row.codecs, { video: "avc1.42c01f", audio: "opus" });
    assert.equal(row.mimeType, "video/mp4");
    assert.ok(row.durationMs > 2500 && row.durationMs < 4500, `duration ${row.durationMs} ms`);

    // The viewer's token reads its streams' recordings, nothing else.
    assert.equal((await viewer.call("GET", "/v1/recordings?stream=rec-a")).status, 200);
    assert.equal((await viewer.call("GET", "/v1/recordings")).status, 403, "listing everything needs admin");
    assert.equal((await viewer.call("GET", "/v1/recordings?stream=other")).status, 403);
    assert.equal((await viewer.call("GET", `/v1/recordings/${row.id}`)).status, 200);

    const auth = { Authorization: `Bearer ${token}` };
    const whole = await fetch(row.url, { headers: auth });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.equal(whole.headers.get("content-type"), "video/mp4");
    assert.equal(whole.headers.get("content-length"), String(row.size));
    const bytes = new Uint8Array(await whole.arrayBuffer());
    assert.equal(bytes.length, row.size);
    const media = await inspectMedia(bytes);
    assert.equal(media.video?.codec, "avc");
    const etag = whole.headers.get("etag")!;

    const part = await fetch(row.url, { headers: { ...auth, Range: "bytes=100-1099" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 100-1099/${row.size}`);
    assert.equal(part.headers.get("content-length"), "1000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(100, 1100));
    const tail = await fetch(row.url, { headers: { ...auth, Range: "bytes=-64" } });
    assert.equal(tail.status, 206);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.subarray(bytes.length - 64));
    const beyond = await fetch(row.url, { headers: { ...auth, Range: `bytes=${row.size}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${row.size}`);
    await beyond.arrayBuffer();
    const changed = await fetch(row.url, { headers: { ...auth, Range: "bytes=0-9", "If-Range": '"another-version"' } });
    assert.equal(changed.status, 200, "If-Range that does not match: the whole file");
    await changed.arrayBuffer();
    const same = await fetch(row.url, { headers: { ...auth, Range: "bytes=0-9", "If-Range": etag } });
    assert.equal(same.status, 206);
    await same.arrayBuffer();
    const inUrl = await fetch(`${row.url}?access_token=${viewerToken}`, { headers: { Range: "bytes=0-99" } });
    assert.equal(inUrl.status, 206, "a <video src> carries the viewer's token in the URL");
    await inUrl.arrayBuffer();
    assert.equal((await fetch(`${row.url}?access_token=pw_forged`)).status, 401);
    assert.equal((await fetch(`${server.url}/v1/recordings?access_token=${viewerToken}&stream=rec-a`)).status, 401, "only the file URL takes a token from its query");
    const head = await fetch(row.url, { method: "HEAD", headers: auth });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(row.size));

    const file = join(server.recordings.root, row.file);
    assert.ok(existsSync(file));
    await admin.expect(204, "DELETE", `/v1/recordings/${row.id}`);
    assert.equal(existsSync(file), false, "the file is deleted with the recording");
    assert.equal((await admin.call("GET", `/v1/recordings/${row.id}`)).status, 404);
    assert.equal((await admin.call("DELETE", "/v1/streams/rec-a/recording-rule")).status, 404);
  });
});
