/**
 * TURN credentials Pipewright mints from a shared secret (coturn `use-auth-secret`), as clients
 * receive them: on the wire in WHIP/WHEP `Link` header lines (byte by byte, and as OBS's parser
 * reads them), on a plain OPTIONS but never on a CORS preflight, and from `GET /v1/ice-servers`
 * — each one a valid REST credential (username `<expiry>:<caller>`, password the HMAC-SHA1 of it)
 * for exactly the caller that asked, expiring after the configured ttl.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { headerLines, obsParseLinks, raw } from "../helpers/raw-http.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher } from "../helpers/werift-peer.ts";

const SECRET = "coturn-static-auth-secret";
const TTL = 600;
const ICE_SERVERS = [
  { urls: "stun:stun.example.test:3478" },
  { urls: ["turns:turn.example.test:5349?transport=tcp", "turn:turn.example.test:3478?transport=tcp", "turn:turn.example.test:3478?transport=udp"], secret: SECRET, ttl: TTL },
];

/** `<turn:…>; rel="ice-server"; username="…"; credential="…"; credential-type="password"`, exactly. */
function linkPattern(url: string): RegExp {
  const escaped = url.replace(/[.?]/g, "\\$&");
  return new RegExp(`^<${escaped}>; rel="ice-server"; username="(\\d+):([\\w-]+)"; credential="([A-Za-z0-9+/]+=*)"; credential-type="password"$`);
}

/** Checks one minted credential and returns its expiry (Unix seconds). */
function checkMinted(username: string, credential: string, callerId: string, before: number): number {
  const [expiry, caller] = username.split(":");
  assert.equal(caller, callerId, "the username names the caller");
  assert.equal(credential, createHmac("sha1", SECRET).update(username).digest("base64"), "password = base64 HMAC-SHA1(secret, username)");
  const expected = Math.floor(before / 1000) + TTL;
  assert.ok(Number(expiry) >= expected && Number(expiry) <= expected + 2, `expiry ${expiry} is ttl ${TTL} s after the request (${expected})`);
  return Number(expiry);
}

describe("minted TURN credentials", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ webrtc: { iceServers: ICE_SERVERS } });
  });
  after(async () => {
    await server.close();
  });

  it("come on a WHIP 201 as one Link line per URL, TURN/UDP first, readable by OBS", async () => {
    const publisher = await createPublisher();
    const requestedAt = Date.now();
    const response = await raw(`${server.url}/whip/minted`, "POST", { "Content-Type": "application/sdp" }, publisher.offer);
    assert.equal(response.status, 201, response.body);
    const links = headerLines(response, "link");
    const order = ["turn:turn.example.test:3478?transport=udp", "stun:stun.example.test:3478", "turn:turn.example.test:3478?transport=tcp", "turns:turn.example.test:5349?transport=tcp"];
    assert.equal(links.length, 4, links.join("\n"));
    assert.equal(links[1], '<stun:stun.example.test:3478>; rel="ice-server"');
    const minted = [0, 2, 3].map((index) => {
      const match = linkPattern(order[index]).exec(links[index]);
      assert.ok(match, `line ${index}: ${links[index]}`);
      checkMinted(`${match[1]}:${match[2]}`, match[3], "local", requestedAt);
      return `${match[1]}:${match[2]}`;
    });
    assert.equal(new Set(minted).size, 1, "one credential for every URL of the server");

    const obs = obsParseLinks(links);
    assert.deepEqual(
      obs.map((entry) => entry.url),
      ["turn:turn.example.test:3478?transport=udp", "stun:stun.example.test:3478", "turn:turn.example.test:3478?transport=tcp"],
      "OBS sees TURN/UDP first and drops turns:",
    );
    checkMinted(obs[0].username!, obs[0].credential!, "local", requestedAt);

    await fetch(headerLines(response, "location")[0], { method: "DELETE" });
    await publisher.pc.close();
  });

  it("come on a plain OPTIONS, never on a CORS preflight", async () => {
    const preflight = await raw(`${server.url}/whep/minted`, "OPTIONS", { Origin: "https://player.example.test", "Access-Control-Request-Method": "POST" });
    assert.equal(preflight.status, 204);
    assert.deepEqual(headerLines(preflight, "link"), []);
    const requestedAt = Date.now();
    const plain = await raw(`${server.url}/whep/minted`, "OPTIONS");
    assert.equal(plain.status, 204);
    const links = headerLines(plain, "link");
    const match = linkPattern("turn:turn.example.test:3478?transport=udp").exec(links[0]);
    assert.ok(match, links[0]);
    checkMinted(`${match[1]}:${match[2]}`, match[3], "local", requestedAt);
  });

  it("come from GET /v1/ice-servers in RTCConfiguration form, for the token that asked", async () => {
    const requestedAt = Date.now();
    const local = await fetch(`${server.url}/v1/ice-servers`);
    assert.equal(local.status, 200);
    assert.equal(local.headers.get("cache-control"), "no-store");
    const body = (await local.json()) as { iceServers: Array<{ urls: string[]; username?: string; credential?: string; credentialType?: string }>; expiresAt: string };
    assert.deepEqual(body.iceServers[0], { urls: ["stun:stun.example.test:3478"] });
    const turn = body.iceServers[1];
    assert.deepEqual(turn.urls, ICE_SERVERS[1].urls);
    assert.equal(turn.credentialType, "password");
    const expiry = checkMinted(turn.username!, turn.credential!, "local", requestedAt);
    assert.equal(body.expiresAt, new Date(expiry * 1000).toISOString());

    const publish = server.access.createToken({ name: "obs", scope: "publish", streamPattern: "cam*" });
    const play = server.access.createToken({ name: "viewer", scope: "play" });
    try {
      assert.equal((await fetch(`${server.url}/v1/ice-servers`)).status, 401, "a token is needed once tokens exist");
      for (const token of [publish, play]) {
        const asked = Date.now();
        const response = await fetch(`${server.url}/v1/ice-servers`, { headers: { Authorization: `Bearer ${token.token}` } });
        assert.equal(response.status, 200);
        const minted = ((await response.json()) as typeof body).iceServers[1];
        checkMinted(minted.username!, minted.credential!, token.row.id, asked);
      }
    } finally {
      server.access.revokeToken(publish.row.id);
      server.access.revokeToken(play.row.id);
    }
  });
});
