/**
 * Pipewright as an operator runs it: `node src/main.ts serve` as a process. A bad setting stops
 * start-up with its name; start-up makes the recordings directory and a WAL database; SIGTERM
 * and SIGINT (Ctrl-C) close sessions and the database cleanly; a server killed with SIGKILL
 * leaves open sessions that the next start closes, with the data kept.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { createPublisher, waitFor } from "../helpers/werift-peer.ts";
import { post } from "../helpers/server.ts";
import { MAIN, serverEnvironment, startServerProcess } from "../helpers/server-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pipewright-process-"));
const startProcess = () => startServerProcess(dataDir);

function sessionRows(): Array<{ state: string; close_reason: string | null }> {
  const db = new Database(join(dataDir, "pipewright.db"), { readonly: true });
  try {
    return db.prepare("select state, close_reason from webrtc_sessions order by created_at").all() as Array<{ state: string; close_reason: string | null }>;
  } finally {
    db.close();
  }
}

describe("the server process", () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses to start on an unknown or invalid setting, naming it", async () => {
    for (const [variable, value, message] of [
      ["PIPEWRIGHT_PROT", "1", /PIPEWRIGHT_PROT: unknown setting/],
      ["PIPEWRIGHT_WEBRTC_PORT_RANGE", "9-8", /webrtc\.portRange/],
    ] as const) {
      const child = spawn(process.execPath, [MAIN, "serve"], { env: serverEnvironment(dataDir, { [variable]: value }), stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk) => (stderr += chunk));
      const [code] = await once(child, "exit");
      assert.equal(code, 78, stderr);
      assert.match(stderr, message);
    }
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`closes sessions and the database on ${signal}, and says so about loopback-only access`, async () => {
      const { child, url, logs } = await startProcess();
      assert.ok(logs.some((line) => line.includes("loopback")), "the start-up log says publishing is loopback-only");
      assert.ok(statSync(join(dataDir, "recordings")).isDirectory(), "the recordings directory exists under the data directory");
      const publisher = await createPublisher();
      const response = await post(`${url}/whip/${signal.toLowerCase()}`, publisher.offer);
      assert.equal(response.status, 201, response.body);
      await publisher.pc.setRemoteDescription({ type: "answer", sdp: response.body });
      await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "connected");

      child.kill(signal);
      const [code] = await once(child, "exit");
      assert.equal(code, 0);
      assert.ok(logs.some((line) => line.includes(`"signal":"${signal}"`) && line.includes("shutting down")), `the log says it shut down on ${signal}`);
      assert.equal(existsSync(join(dataDir, "pipewright.db-wal")), false, "the database was closed (WAL checkpointed away)");
      assert.deepEqual(sessionRows().at(-1), { state: "closed", close_reason: "server shutting down" });
      assert.ok(sessionRows().every((row) => row.state === "closed"));
      const db = new Database(join(dataDir, "pipewright.db"), { readonly: true });
      const journal = JSON.parse(readFileSync(new URL("../../migrations/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] };
      assert.equal((db.prepare("select count(*) as n from __drizzle_migrations").get() as { n: number }).n, journal.entries.length, "every migration applied at start-up");
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal", "the database file is in WAL mode");
      db.close();
      await publisher.pc.close();
    });
  }

  it("closes sessions a killed server left open at the next start, keeping the rows", async () => {
    const first = await startProcess();
    const publisher = await createPublisher();
    const response = await post(`${first.url}/whip/killed`, publisher.offer);
    assert.equal(response.status, 201, response.body);
    await first.stop("SIGKILL");
    await publisher.pc.close();
    assert.equal(sessionRows().at(-1)!.state, "connecting", "the open session survived the crash as written");

    const second = await startProcess();
    assert.ok(second.logs.some((line) => line.includes("closed sessions left open by the previous run")));
    assert.deepEqual(sessionRows().map((row) => row.close_reason), ["server shutting down", "server shutting down", "server restarted"]);
    const health = await fetch(`${second.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await second.stop(), 0);
  });
});
