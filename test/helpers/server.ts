/**
 * Starts a Pipewright server in-process for a test: port chosen by the OS, HTTP and media on
 * 127.0.0.1 only, a fresh data directory, and a UDP port range of its own per test process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../../src/config/load.ts";
import { startServer, type RunningServer } from "../../src/server.ts";

export interface TestServer extends RunningServer {
  dataDir: string;
  close(): Promise<void>;
}

/** A UDP port range unlikely to collide with other test processes running at the same time. */
export function testPortRange(): [number, number] {
  const base = 20000 + (process.pid % 300) * 100;
  return [base, base + 99];
}

/**
 * `options.dataDir` reuses a data directory (a restart); the server then leaves it in place on
 * close, otherwise a fresh one is made and removed.
 */
export async function startTestServer(overrides: Record<string, unknown> = {}, options: { dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "pipewright-test-"));
  const { webrtc, ...rest } = overrides as { webrtc?: Record<string, unknown> };
  const config = loadConfig({
    env: {},
    file: undefined,
    overrides: {
      port: 0,
      host: "127.0.0.1",
      dataDir,
      logLevel: process.env.PIPEWRIGHT_TEST_LOG ?? "silent",
      ...rest,
      webrtc: { listenAddress: "127.0.0.1", announceOnly: true, portRange: testPortRange(), ...webrtc },
    },
  });
  const server = await startServer(config, { log: pino({ level: config.logLevel }) });
  return {
    ...server,
    dataDir,
    async close() {
      await server.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SessionResponse {
  status: number;
  headers: Headers;
  body: string;
}

export async function post(url: string, body: string, headers: Record<string, string> = { "Content-Type": "application/sdp" }): Promise<SessionResponse> {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Counts of rows and worker objects, to show a refused request left nothing behind. */
export async function leftovers(
  server: RunningServer,
): Promise<{ pipelines: number; elements: number; sessions: number; workerElements: number; udpSockets: number }> {
  const count = (table: string) => (server.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const health = await server.media.health();
  return {
    pipelines: count("media_pipelines"),
    elements: count("media_elements"),
    sessions: count("webrtc_sessions"),
    workerElements: health.reduce((sum, worker) => sum + worker.endpoints, 0),
    udpSockets: health.reduce((sum, worker) => sum + worker.udpSockets, 0),
  };
}

/** Polls `leftovers` until it equals `expected` (teardown finishes just after a session is marked closed). */
export async function settledLeftovers(server: RunningServer, expected: Awaited<ReturnType<typeof leftovers>>, timeoutMs = 5000): Promise<Awaited<ReturnType<typeof leftovers>>> {
  const deadline = Date.now() + timeoutMs;
  let last = await leftovers(server);
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await leftovers(server);
  }
  return last;
}
