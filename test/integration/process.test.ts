/**
 * Pipewright as an operator runs it: `node src/main.ts serve` as a process. A bad setting stops
 * start-up with its name; SIGTERM closes sessions and the database cleanly; a server killed
 * with SIGKILL leaves open sessions that the next start closes, with the data kept.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { createPublisher, waitFor } from "../helpers/werift-peer.ts";
import { post, testPortRange } from "../helpers/server.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "pipewright-process-"));

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const [low] = testPortRange();
  return {
    PATH: process.env.PATH,
    PIPEWRIGHT_PORT: "0",
    PIPEWRIGHT_HOST: "127.0.0.1",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: "info",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: "127.0.0.1",
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: `${low + 50}-${low + 99}`,
    ...extra,
  };
}

/** Starts the server process and resolves with its URL once it logs that it listens. */
async function startProcess(): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawn(process.execPath, [MAIN, "serve"], { env: environment(), stdio: ["ignore", "pipe", "inherit"] });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => logs.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      const entry = JSON.parse(line) as { url?: string; msg: string };
      if (entry.msg.includes("listening on")) resolve(entry.url!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${logs.join("\n")}`)));
  });
  return { child, url, logs };
}

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
      const child = spawn(process.execPath, [MAIN, "serve"], { env: environment({ [variable]: value }), stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk) => (stderr += chunk));
      const [code] = await once(child, "exit");
      assert.equal(code, 78, stderr);
      assert.match(stderr, message);
    }
  });

  it("closes sessions and the database on SIGTERM, and says so about loopback-only access", async () => {
    const { child, url, logs } = await startProcess();
    assert.ok(logs.some((line) => line.includes("loopback")), "the start-up log says publishing is loopback-only");
    const publisher = await createPublisher();
    const response = await post(`${url}/whip/term`, publisher.offer);
    assert.equal(response.status, 201, response.body);
    await publisher.pc.setRemoteDescription({ type: "answer", sdp: response.body });
    await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "connected");

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
    assert.equal(existsSync(join(dataDir, "pipewright.db-wal")), false, "the database was closed (WAL checkpointed away)");
    assert.deepEqual(sessionRows(), [{ state: "closed", close_reason: "server shutting down" }]);
    const db = new Database(join(dataDir, "pipewright.db"), { readonly: true });
    const journal = JSON.parse(readFileSync(new URL("../../migrations/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] };
    assert.equal((db.prepare("select count(*) as n from __drizzle_migrations").get() as { n: number }).n, journal.entries.length, "every migration applied at start-up");
    db.close();
    await publisher.pc.close();
  });

  it("closes sessions a killed server left open at the next start, keeping the rows", async () => {
    const first = await startProcess();
    const publisher = await createPublisher();
    const response = await post(`${first.url}/whip/killed`, publisher.offer);
    assert.equal(response.status, 201, response.body);
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    await publisher.pc.close();
    assert.equal(sessionRows().at(-1)!.state, "connecting", "the open session survived the crash as written");

    const second = await startProcess();
    assert.ok(second.logs.some((line) => line.includes("closed sessions left open by the previous run")));
    assert.deepEqual(sessionRows().map((row) => row.close_reason), ["server shutting down", "server restarted"]);
    const health = await fetch(`${second.url}/healthz`);
    assert.equal(health.status, 200);
    second.child.kill("SIGTERM");
    await once(second.child, "exit");
  });
});
