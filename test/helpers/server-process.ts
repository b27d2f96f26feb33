/**
 * Pipewright as an operator runs it, for tests: `node src/main.ts …` as a child process with a
 * PIPEWRIGHT_* environment confined to 127.0.0.1 (HTTP and media) and a data directory the test
 * owns. `startServerProcess` waits for the "listening on" log line and reads the URL from it;
 * `runCommand` runs a one-shot subcommand (`token create`, …) and collects its output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { testPortRange } from "./server.ts";

export const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** The environment of a server on `dataDir`, HTTP on an OS-chosen port, media on loopback. */
export function serverEnvironment(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const [low] = testPortRange();
  return {
    PATH: process.env.PATH,
    PIPEWRIGHT_PORT: "0",
    PIPEWRIGHT_HOST: "127.0.0.1",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: "info",
    PIPEWRIGHT_LOG_FORMAT: "json",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: "127.0.0.1",
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: `${low + 50}-${low + 99}`,
    ...extra,
  };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Every line the server printed on stdout (JSON log lines). */
  logs: string[];
  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node src/main.ts serve` and resolves once it logs that it listens. */
export async function startServerProcess(dataDir: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN, "serve"], { env: serverEnvironment(dataDir, extra), stdio: ["ignore", "pipe", "inherit"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
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
  return {
    child,
    url,
    logs,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node src/main.ts <args>` on `dataDir` to completion. */
export async function runCommand(dataDir: string, args: string[], extra: Record<string, string> = {}): Promise<CommandResult> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: serverEnvironment(dataDir, extra), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}
