/**
 * Runs `node src/main.ts serve` inside a network namespace, the way a user starts Pipewright:
 * HTTP on the namespace's 127.0.0.1 (so pages are a secure context for getUserMedia), media on
 * the namespace address only, a fresh data directory and the UDP range 40000–40100 (options add
 * settings, another port and range for a second server). The server's
 * log is kept so a failing test can show its tail; `stop()` sends SIGTERM (graceful shutdown,
 * which also ends the media workers) and SIGKILL if that takes too long; the server is also
 * killed when the test process exits first.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Namespace } from "./netns.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface NamespacedServer {
  /** Base URL as seen from inside the namespace (Chromium runs there too). */
  url: string;
  /** An admin token, when one was asked for. */
  token?: string;
  /** The last lines the server printed. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
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
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PIPEWRIGHT_")));
  Object.assign(env, {
    PIPEWRIGHT_PORT: String(port),
    PIPEWRIGHT_HOST: "127.0.0.1",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: process.env.PIPEWRIGHT_TEST_LOG ?? "info",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: ns.address,
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: options.portRange ?? "40000-40100",
    ...options.env,
  });
  const token = options.adminToken ? createAdminToken(env) : undefined;
  const [command, ...prefix] = ns.exec;
  const child = spawn(command, [...prefix, process.execPath, "src/main.ts", "serve"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  // If the test process ends first (interrupted, crashed), the server goes with it.
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const log: string[] = [];
  const logTail = (lines = 40) => log.slice(-lines).join("\n");
  let onLine: (line: string) => void = () => {};
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        if (log.length > 2000) log.shift();
        onLine(line);
      }
    });
  }

  const stop = async () => {
    if (!(await exited(child, 0))) {
      child.kill("SIGTERM");
      if (!(await exited(child, 5000))) {
        child.kill("SIGKILL");
        await exited(child, 2000);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 20 s:\n${logTail()}`)), 20_000);
    onLine = (line) => {
      if (!line.includes("listening on")) return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${port}`);
    };
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${signal ?? code}) before listening:\n${logTail()}`));
    });
  }).catch(async (error: Error) => {
    await stop();
    throw error;
  });
  return { url, token, logTail, stop };
}

/** `pipewright token create --scope admin` against the server's data directory, before it starts. */
function createAdminToken(env: NodeJS.ProcessEnv): string {
  const output = execFileSync(process.execPath, ["src/main.ts", "token", "create", "--scope", "admin", "--name", "e2e"], { cwd: REPO_ROOT, env, encoding: "utf8" });
  const token = /^\s+(pw_\S+)$/m.exec(output)?.[1];
  if (!token) throw new Error(`no token in: ${output}`);
  return token;
}
