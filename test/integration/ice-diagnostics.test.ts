/**
 * `GET /v1/diagnostics/ice` against servers on 127.0.0.1: a STUN server that answers, a TURN
 * server that accepts the credentials minted for clients, the same TURN server given to the
 * workers with a wrong secret, and a TURN-over-TCP port where nothing listens. Each is reported
 * with what happened, the candidates a new endpoint gathers are listed, and `ok` is false.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { startLoopbackTurn, type LoopbackTurn } from "../helpers/loopback-turn.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const SECRET = "the-turn-servers-secret";

/** A TCP port on 127.0.0.1 with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("ICE diagnostics", () => {
  let turn: LoopbackTurn;
  let server: TestServer;
  let deadPort: number;
  before(async () => {
    turn = await startLoopbackTurn({ password: (username) => createHmac("sha1", SECRET).update(username).digest("base64"), relayedAddress: ["198.51.100.70", 50002] });
    deadPort = await closedPort();
    server = await startTestServer({
      webrtc: {
        iceServers: [
          { urls: `stun:127.0.0.1:${turn.port}` },
          { urls: [`turn:127.0.0.1:${turn.port}?transport=udp`, `turn:127.0.0.1:${deadPort}?transport=tcp`], secret: SECRET },
        ],
        serverIceServers: [{ urls: `turn:127.0.0.1:${turn.port}?transport=udp`, secret: "a-different-secret" }],
      },
    });
  });
  after(async () => {
    await server.close();
    await turn.close();
  });

  it("reports each server, the gathered candidates and the plan", async () => {
    const response = await fetch(`${server.url}/v1/diagnostics/ice`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as {
      ok: boolean;
      hostAddresses: string[];
      warnings: string[];
      gathering: { candidates: Array<{ type: string; protocol: string; address: string }> };
      servers: Array<{ url: string; for: string; ok: boolean; detail: string; mappedAddress?: string; relayedAddress?: string }>;
    };
    assert.equal(report.ok, false);
    assert.deepEqual(report.hostAddresses, ["127.0.0.1"]);
    const byUrl = (url: string, role: string) => report.servers.find((probe) => probe.url === url && probe.for === role)!;

    const stun = byUrl(`stun:127.0.0.1:${turn.port}`, "clients");
    assert.equal(stun.ok, true, stun.detail);
    assert.match(stun.mappedAddress!, /^127\.0\.0\.1:\d+$/);

    const clientTurn = byUrl(`turn:127.0.0.1:${turn.port}?transport=udp`, "clients");
    assert.equal(clientTurn.ok, true, clientTurn.detail);
    assert.equal(clientTurn.relayedAddress, "198.51.100.70:50002");
    assert.match(clientTurn.detail, /^relay allocated at 198\.51\.100\.70:50002 \(released again\)$/);

    const dead = byUrl(`turn:127.0.0.1:${deadPort}?transport=tcp`, "clients");
    assert.equal(dead.ok, false);
    assert.match(dead.detail, /^ECONNREFUSED/);

    const serverTurn = byUrl(`turn:127.0.0.1:${turn.port}?transport=udp`, "server");
    assert.equal(serverTurn.ok, false);
    assert.match(serverTurn.detail, /^Allocate refused: 401 Unauthorized: credentials refused \(wrong username\/password, or a shared secret that differs/);

    const kinds = report.gathering.candidates.map((candidate) => `${candidate.protocol} ${candidate.type} ${candidate.address}`);
    assert.ok(kinds.includes("udp host 127.0.0.1") && kinds.includes("tcp host 127.0.0.1"), kinds.join(", "));
    assert.ok(!kinds.some((kind) => kind.includes("relay")), "no relay: the workers' TURN server refused them");
    assert.ok(turn.seen.some((request) => request.method === "REFRESH" && request.authenticated), "the allocation was released");
  });
});
