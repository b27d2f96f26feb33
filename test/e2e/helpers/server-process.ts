/**
 * Runs `node src/main.ts serve` inside a network namespace, the way a user starts Pipewright:
 * HTTP on every address of the namespace (pages load from its 127.0.0.1, a secure context for
 * getUserMedia; the veth address lets a test be a client from another machine), media on the
 * namespace address only, a fresh data directory and the UDP range 40000–40100. The server's
 * log is kept so a failing test can show its tail; `stop()` sends SIGTERM (graceful shutdown,
 * which also ends the media workers) and SIGKILL if that takes too long; the server is also
 * killed when the test process exits first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startInNamespace, type NamespacedProcess } from "./namespaced-process.ts";
import type { Namespace } from "./netns.ts";

export interface NamespacedServer extends NamespacedProcess {
  /** Base URL as seen from inside the namespace (Chromium runs there too). */
  url: string;
}

export async function startServerInNamespace(ns: Namespace, port = 8888): Promise<NamespacedServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-e2e-"));
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PIPEWRIGHT_")));
  Object.assign(env, {
    PIPEWRIGHT_PORT: String(port),
    PIPEWRIGHT_HOST: "0.0.0.0",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: process.env.PIPEWRIGHT_TEST_LOG ?? "info",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: ns.address,
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: "40000-40100",
  });
  const server = await startInNamespace(ns, ["src/main.ts", "serve"], {
    env,
    ready: /listening on/,
    label: "the server",
    onExit: () => rmSync(dataDir, { recursive: true, force: true }),
  });
  return { ...server, url: `http://127.0.0.1:${port}` };
}
