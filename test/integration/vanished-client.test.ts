/**
 * A client that disappears without DELETE (process killed) is cleaned up once ICE consent
 * expires (RFC 7675: about 30 s): its session is closed in SQLite, its endpoint and UDP port
 * released, and the stream is free again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/werift-peer.ts";
import { settledLeftovers, startTestServer, type TestServer } from "../helpers/server.ts";

const CLIENT = fileURLToPath(new URL("../helpers/vanishing-client.ts", import.meta.url));

describe("a client that vanishes without DELETE", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("has its publisher and viewer sessions closed after consent expiry", { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, [CLIENT, server.url, "vanish"], { stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
    const sessions = JSON.parse(line) as { publisher: string; viewer: string };
    const state = (url: string) => {
      const id = url.split("/").pop();
      return (server.db.$client.prepare("select state, close_reason as reason from webrtc_sessions where id = ?").get(id) as { state: string; reason: string | null });
    };
    await waitFor(() => state(sessions.publisher).state === "connected" && state(sessions.viewer).state === "connected", 5000, "both sessions connected");

    const killedAt = performance.now();
    child.kill("SIGKILL");
    await once(child, "exit");
    await waitFor(() => state(sessions.publisher).state === "closed" && state(sessions.viewer).state === "closed", 45_000, "sessions closed");
    const after = (performance.now() - killedAt) / 1000;
    assert.ok(after > 5 && after < 40, `closed ${after.toFixed(1)} s after the client vanished (consent expiry is ~30 s)`);
    assert.match(state(sessions.publisher).reason!, /consent expired|peer vanished/);
    const nothingLeft = { pipelines: 0, elements: 0, sessions: 2, workerElements: 0, udpSockets: 0 };
    assert.deepEqual(await settledLeftovers(server, nothingLeft), nothingLeft);
  });
});
