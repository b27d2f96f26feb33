/**
 * Runs `node src/main.ts serve` inside a network namespace, the way a user starts Pipewright:
 * HTTP on every address of the namespace (pages load from its 127.0.0.1, a secure context for
 * getUserMedia; the veth address lets a test be a client from another machine), media on the
 * namespace address only, a fresh data directory and the UDP range 40000–40100 (options add
 * settings, another port and range for a second server, an admin token). The server's log is
 * kept so a failing test can show its tail; `stop()` sends SIGTERM (graceful shutdown, which
 * also ends the media workers) and SIGKILL if that takes too long; the server is also killed
 * when the test process exits first.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startInNamespace, type NamespacedProcess } from "./namespaced-process.ts";
import type { Namespace } from "./netns.ts";

export interface NamespacedServer extends NamespacedProcess {
  /** Base URL as seen from inside the namespace (Chromium runs there too). */
  url: string;
  /** An admin token, when one was asked for. */
  token?: string;
  /** The server's data directory (its recordings are in `recordings/`). */
  dataDir: string;
}

export interface ServerOptions {
  port?: number;
  /** More PIPEWRIGHT_* (or KMS_*) settings. */
  env?: Record<string, string>;
  /** UDP range of the media ports; give a second server its own. */
  portRange?: string;
  /** Create an admin token first (clients outside the namespace's loopback need one). */
  adminToken?: boolean;
}

export async function startServerInNamespace(ns: Namespace, options: ServerOptions = {}): Promise<NamespacedServer> {
  const port = options.port ?? 8888;
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-e2e-"));
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PIPEWRIGHT_") && !name.startsWith("KMS_")));
  Object.assign(env, {
    PIPEWRIGHT_PORT: String(port),
    PIPEWRIGHT_HOST: "0.0.0.0",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: process.env.PIPEWRIGHT_TEST_LOG ?? "info",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: ns.address,
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: options.portRange ?? "40000-40100",
    ...options.env,
  });
  const token = options.adminToken ? createAdminToken(env) : undefined;
  const server = await startInNamespace(ns, ["src/main.ts", "serve"], {
    env,
    ready: /listening on/,
    label: "the server",
    onExit: () => rmSync(dataDir, { recursive: true, force: true }),
  });
  return { ...server, url: `http://127.0.0.1:${port}`, dataDir, ...(token ? { token } : {}) };
}

/** `pipewright token create --scope admin` against the server's data directory, before it starts. */
function createAdminToken(env: NodeJS.ProcessEnv): string {
  const output = execFileSync(process.execPath, ["src/main.ts", "token", "create", "--scope", "admin", "--name", "e2e"], { cwd: REPO_ROOT, env, encoding: "utf8" });
  const token = /^\s+(pw_\S+)$/m.exec(output)?.[1];
  if (!token) throw new Error(`no token in: ${output}`);
  return token;
}
