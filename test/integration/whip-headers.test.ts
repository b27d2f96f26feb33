/**
 * Headers WHIP/WHEP clients depend on, checked on the wire: ICE servers as separate `Link`
 * lines in the form OBS's parser accepts, CORS for browser clients (preflight without
 * credentials, exposed Location/ETag/Link), the probes (GET/HEAD), and bearer-token access.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublisher } from "../helpers/werift-peer.ts";
import { headerLines, obsParseLinks, raw } from "../helpers/raw-http.ts";
import { post, startTestServer, type TestServer } from "../helpers/server.ts";

const ICE_SERVERS = [
  { urls: "turns:turn.example.test:5349", username: "u1", credential: "p1" },
  { urls: ["turn:turn.example.test:3478?transport=udp", "turn:turn.example.test:3478?transport=tcp"], username: "u1", credential: "p1" },
  { urls: "stun:stun.example.test:3478" },
];

describe("WHIP/WHEP headers on the wire", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ webrtc: { iceServers: ICE_SERVERS } });
  });
  after(async () => {
    await server.close();
  });

  it("sends one Link line per ICE server, TURN/UDP first and turns: last, readable by OBS", async () => {
    const publisher = await createPublisher();
    const response = await raw(`${server.url}/whip/links`, "POST", { "Content-Type": "application/sdp" }, publisher.offer);
    assert.equal(response.status, 201, response.body);
    const links = headerLines(response, "link");
    assert.deepEqual(links, [
      '<turn:turn.example.test:3478?transport=udp>; rel="ice-server"; username="u1"; credential="p1"; credential-type="password"',
      '<stun:stun.example.test:3478>; rel="ice-server"',
      '<turn:turn.example.test:3478?transport=tcp>; rel="ice-server"; username="u1"; credential="p1"; credential-type="password"',
      '<turns:turn.example.test:5349>; rel="ice-server"; username="u1"; credential="p1"; credential-type="password"',
    ]);
    assert.deepEqual(obsParseLinks(links)[0], { url: "turn:turn.example.test:3478?transport=udp", username: "u1", credential: "p1" });
    assert.equal(obsParseLinks(links).length, 3, "OBS sees every stun:/turn: server and ignores turns:");
    const location = headerLines(response, "location");
    assert.equal(location.length, 1);
    await fetch(location[0], { method: "DELETE" });
    await publisher.pc.close();
  });

  it("answers a CORS preflight without credentials and a plain OPTIONS with Accept-Post and Links", async () => {
    const preflight = await raw(`${server.url}/whip/links`, "OPTIONS", {
      Origin: "https://studio.example.test",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization, content-type",
    });
    assert.equal(preflight.status, 204);
    assert.equal(headerLines(preflight, "access-control-allow-origin")[0], "*");
    assert.match(headerLines(preflight, "access-control-allow-methods")[0], /POST/);
    assert.match(headerLines(preflight, "access-control-allow-methods")[0], /PATCH/);
    assert.match(headerLines(preflight, "access-control-allow-headers")[0], /Authorization/);
    assert.match(headerLines(preflight, "access-control-allow-headers")[0], /If-Match/);
    assert.deepEqual(headerLines(preflight, "link"), [], "no TURN credentials on a preflight");

    const plain = await raw(`${server.url}/whip/links`, "OPTIONS");
    assert.equal(plain.status, 204);
    assert.equal(headerLines(plain, "accept-post")[0], "application/sdp");
    assert.equal(headerLines(plain, "link").length, 4);
  });

  it("exposes Location, ETag and Link to browser scripts", async () => {
    const publisher = await createPublisher();
    const response = await post(`${server.url}/whip/cors`, publisher.offer, { "Content-Type": "application/sdp", Origin: "https://studio.example.test" });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    const exposed = response.headers.get("access-control-expose-headers")!.split(/,\s*/);
    for (const name of ["Location", "ETag", "Link"]) assert.ok(exposed.includes(name), `${name} exposed`);
    await fetch(response.headers.get("location")!, { method: "DELETE" });
    await publisher.pc.close();
  });

  it("answers GET and HEAD probes: WHEP HEAD says application/sdp", async () => {
    const whepHead = await fetch(`${server.url}/whep/anything`, { method: "HEAD" });
    assert.equal(whepHead.status, 200);
    assert.equal(whepHead.headers.get("content-type"), "application/sdp");
    const whipGet = await fetch(`${server.url}/whip/anything`);
    assert.equal(whipGet.status, 200);
    assert.equal(await whipGet.text(), "");
  });

  it("requires a bearer token once tokens exist: 401 with WWW-Authenticate, 403 outside the token's rights", async () => {
    const publish = server.access.createToken({ name: "obs", scope: "publish", streamPattern: "cam*" });
    const play = server.access.createToken({ name: "viewer", scope: "play" });
    try {
      const publisher = await createPublisher();
      const anonymous = await post(`${server.url}/whip/cam1`, publisher.offer);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="pipewright"');
      const forged = await post(`${server.url}/whip/cam1`, publisher.offer, { "Content-Type": "application/sdp", Authorization: "Bearer pw_not-a-token" });
      assert.equal(forged.status, 401);
      const wrongScope = await post(`${server.url}/whip/cam1`, publisher.offer, { "Content-Type": "application/sdp", Authorization: `Bearer ${play.token}` });
      assert.equal(wrongScope.status, 403);
      const wrongStream = await post(`${server.url}/whip/studio`, publisher.offer, { "Content-Type": "application/sdp", Authorization: `Bearer ${publish.token}` });
      assert.equal(wrongStream.status, 403);
      assert.match(JSON.parse(wrongStream.body).detail, /may not publish stream studio/);
      const allowed = await post(`${server.url}/whip/cam1`, publisher.offer, { "Content-Type": "application/sdp", Authorization: `Bearer ${publish.token}` });
      assert.equal(allowed.status, 201, allowed.body);
      const session = allowed.headers.get("location")!;
      assert.equal((await fetch(session, { method: "DELETE" })).status, 401, "DELETE needs the token too");
      assert.equal((await fetch(session, { method: "DELETE", headers: { Authorization: `Bearer ${publish.token}` } })).status, 200);
      const streams = await fetch(`${server.url}/v1/streams`, { headers: { Authorization: `Bearer ${play.token}` } });
      assert.equal(streams.status, 200);
      await publisher.pc.close();
    } finally {
      server.access.revokeToken(publish.row.id);
      server.access.revokeToken(play.row.id);
    }
    assert.ok(server.access.loopbackOnly, "revoking every token returns to the loopback-only default");
  });
});
