/**
 * What WHIP/WHEP clients get back when they send something wrong: the exact status, the
 * problem+json body and the headers that go with it — and that no refused request leaves a
 * row, a worker object or a UDP port behind.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublisher, createViewer, waitFor } from "../helpers/werift-peer.ts";
import { leftovers, post, startTestServer, type TestServer } from "../helpers/server.ts";
import { replaceLines, withDirection, withSecondVideo } from "../helpers/offers.ts";

const NOTHING_LEFT = { pipelines: 0, elements: 0, sessions: 0, workerElements: 0, udpSockets: 0 };

/** Role, stream and state of every session row, oldest first. */
function sessionRows(server: TestServer): Array<[string, string, string]> {
  const rows = server.db.$client.prepare("select role, stream, state from webrtc_sessions order by created_at").all() as Array<{ role: string; stream: string; state: string }>;
  return rows.map((row) => [row.role, row.stream, row.state]);
}

/** After a test: the sessions it left are exactly `expected`; then the history is cleared for the next test. */
function expectSessionsThenClear(server: TestServer, expected: Array<[string, string, string]>): void {
  assert.deepEqual(sessionRows(server), expected, "session rows: only those of the accepted requests");
  server.db.$client.prepare("delete from webrtc_sessions").run();
}

async function problemOf(response: { status: number; headers: Headers; body: string }) {
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const body = JSON.parse(response.body) as { type: string; title: string; status: number; detail: string; code: string };
  assert.equal(body.status, response.status);
  assert.match(body.type, /^urn:pipewright:problem:/);
  assert.ok(body.detail.length > 10, "a detail a person can act on");
  return body;
}

describe("bad input to WHIP/WHEP", () => {
  let server: TestServer;
  let offer: string;
  let viewerOffer: string;

  before(async () => {
    server = await startTestServer({ http: { bodyLimit: 16 * 1024 } });
    const publisher = await createPublisher();
    offer = publisher.offer;
    await publisher.pc.close();
    const viewer = await createViewer();
    viewerOffer = viewer.offer;
    await viewer.pc.close();
  });
  after(async () => {
    await server.close();
  });

  it("415 for a body that is not application/sdp", async () => {
    const response = await post(`${server.url}/whip/s1`, offer, { "Content-Type": "text/plain" });
    assert.equal(response.status, 415);
    assert.equal((await problemOf(response)).code, "UNSUPPORTED_CONTENT_TYPE");
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("accepts the media type case-insensitively and with parameters", async () => {
    const publisher = await createPublisher();
    const response = await post(`${server.url}/whip/s1`, publisher.offer, { "Content-Type": "Application/SDP; charset=utf-8" });
    assert.equal(response.status, 201, response.body);
    assert.equal((await fetch(response.headers.get("location")!, { method: "DELETE" })).status, 200);
    await publisher.pc.close();
    expectSessionsThenClear(server, [["publisher", "s1", "closed"]]);
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("400 for malformed SDP", async () => {
    for (const body of ["hello", "v=0\r\nthis is not sdp\r\n", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", offer.replace(/a=fingerprint:[^\r]+\r\n/g, "")]) {
      const response = await post(`${server.url}/whip/s1`, body);
      assert.equal(response.status, 400, body.slice(0, 40));
      assert.equal((await problemOf(response)).code, "SDP_PARSE_ERROR");
    }
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("422 for media it cannot take, naming the problem", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["whip", replaceLines(offer, /^a=rtpmap:(\d+) VP8\/90000$/, "a=rtpmap:$1 H263/90000"), /no common video codec.*H263/],
      ["whip", withSecondVideo(offer), /2 video tracks/],
      ["whip", withDirection(offer, "recvonly"), /recvonly; a WHIP offer must be sendonly or sendrecv/],
      ["whep", withDirection(viewerOffer, "sendonly"), /sendonly; a WHEP offer must be recvonly or sendrecv/],
    ];
    const publisher = await createPublisher();
    const live = await post(`${server.url}/whip/live`, publisher.offer);
    assert.equal(live.status, 201);
    for (const [kind, body, detail] of cases) {
      const response = await post(`${server.url}/${kind}/${kind === "whep" ? "live" : "s1"}`, body);
      assert.equal(response.status, 422, `${kind}: ${response.body}`);
      const problem = await problemOf(response);
      assert.equal(problem.code, "UNSUPPORTED_MEDIA");
      assert.match(problem.detail, detail);
    }
    assert.equal((await fetch(live.headers.get("location")!, { method: "DELETE" })).status, 200);
    await publisher.pc.close();
    expectSessionsThenClear(server, [["publisher", "live", "closed"]]);
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("422 when a viewer cannot take the stream's codec", async () => {
    const publisher = await createPublisher();
    const live = await post(`${server.url}/whip/vp8only`, publisher.offer);
    const h264Only = replaceLines(replaceLines(viewerOffer, /^a=rtpmap:(\d+) VP8\/90000$/, "a=rtpmap:$1 VP9/90000"), /^$/, "");
    const response = await post(`${server.url}/whep/vp8only`, h264Only);
    assert.equal(response.status, 422);
    assert.match((await problemOf(response)).detail, /the stream sends video\/VP8/);
    await fetch(live.headers.get("location")!, { method: "DELETE" });
    await publisher.pc.close();
    expectSessionsThenClear(server, [["publisher", "vp8only", "closed"]]);
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("409 with Retry-After when the stream has no publisher", async () => {
    const response = await post(`${server.url}/whep/nobody`, viewerOffer);
    assert.equal(response.status, 409);
    assert.equal(response.headers.get("retry-after"), "2");
    assert.equal((await problemOf(response)).code, "NO_PUBLISHER");
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  it("413 for a body over the configured limit, 400 for a bad stream name", async () => {
    const big = await post(`${server.url}/whip/s1`, offer + "a=x-padding:" + "x".repeat(20 * 1024) + "\r\n");
    assert.equal(big.status, 413);
    assert.equal((await problemOf(big)).code, "PAYLOAD_TOO_LARGE");
    const name = await post(`${server.url}/whip/${"n".repeat(200)}`, offer);
    assert.equal(name.status, 400);
    assert.deepEqual(await leftovers(server), NOTHING_LEFT);
  });

  for (const kind of ["whip", "whep"] as const) {
    it(`${kind.toUpperCase()} session URL: 404 when unknown; ETag on the 201; PATCH 428, 412, 415, 400, 422 and trickle 204`, async () => {
      const missing = `${server.url}/${kind}/s1/AAAAAAAAAAAAAAAAAAAAAA`;
      assert.equal((await fetch(missing, { method: "DELETE" })).status, 404);
      assert.equal((await fetch(missing)).status, 404);
      const patch404 = await fetch(missing, { method: "PATCH", headers: { "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": '"x"' }, body: "a=end-of-candidates\r\n" });
      assert.equal(patch404.status, 404);
      assert.equal((await problemOf({ status: 404, headers: patch404.headers, body: await patch404.text() })).code, "NOT_FOUND");

      const publisher = await createPublisher();
      const published = await post(`${server.url}/whip/s1`, publisher.offer);
      assert.equal(published.status, 201, published.body);
      const peer = kind === "whip" ? publisher : await createViewer();
      const created = kind === "whip" ? published : await post(`${server.url}/whep/s1`, peer.offer);
      assert.equal(created.status, 201, created.body);
      const session = created.headers.get("location")!;
      const etag = created.headers.get("etag")!;
      assert.match(etag, /^"[A-Za-z0-9_-]{16,}"$/, "a strong ETag on the 201");
      assert.equal((await fetch(session)).status, 200, "GET on a live session URL");
      const fragment = "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\na=candidate:2 1 udp 2130706431 abcd.local 9 typ host\r\n";
      const patch = (headers: Record<string, string>, body = fragment) => fetch(session, { method: "PATCH", headers, body });

      const noIfMatch = await patch({ "Content-Type": "application/trickle-ice-sdpfrag" });
      assert.equal(noIfMatch.status, 428);
      assert.equal((await problemOf({ status: 428, headers: noIfMatch.headers, body: await noIfMatch.text() })).code, "PRECONDITION_REQUIRED");
      const stale = await patch({ "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": '"stale"' });
      assert.equal(stale.status, 412);
      assert.equal((await problemOf({ status: 412, headers: stale.headers, body: await stale.text() })).code, "PRECONDITION_FAILED");
      const wrongType = await patch({ "Content-Type": "application/sdp", "If-Match": etag });
      assert.equal(wrongType.status, 415);
      const garbage = await patch({ "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag }, "not a fragment");
      assert.equal(garbage.status, 400);
      const restart = await patch({ "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": "*" });
      assert.equal(restart.status, 422);
      const trickle = await patch({ "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag });
      assert.equal(trickle.status, 204, await trickle.text());
      assert.equal(trickle.headers.get("etag"), null, "no ETag on a trickle answer");

      await peer.pc.setRemoteDescription({ type: "answer", sdp: created.body });
      await waitFor(() => peer.pc.connectionState === "connected", 10_000, "the session survived the refused restart");
      const deleted = await fetch(session, { method: "DELETE", headers: { "If-Match": '"ignored"' } });
      assert.equal(deleted.status, 200, "DELETE ignores If-Match");
      assert.equal((await fetch(session, { method: "DELETE" })).status, 404, "a deleted session is unknown");
      if (kind === "whep") assert.equal((await fetch(published.headers.get("location")!, { method: "DELETE" })).status, 200);
      await Promise.all([publisher.pc.close(), peer.pc.close()]);
      expectSessionsThenClear(server, kind === "whip" ? [["publisher", "s1", "closed"]] : [["publisher", "s1", "closed"], ["viewer", "s1", "closed"]]);
      assert.deepEqual(await leftovers(server), NOTHING_LEFT);
    });
  }
});
