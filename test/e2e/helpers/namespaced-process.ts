/**
 * Runs a Node program inside a network namespace and waits until it prints the line that says
 * it is ready: its output is kept so a failing test can show the tail, it is killed if the test
 * process exits first, and `stop()` sends SIGTERM, then SIGKILL if it lingers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Namespace } from "./netns.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface NamespacedProcess {
  /** The last lines the program printed. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Whether the child has exited within `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startInNamespace(
  ns: Namespace,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; ready: RegExp; label: string; onExit?: () => void },
): Promise<NamespacedProcess> {
  const [command, ...prefix] = ns.exec;
  const child = spawn(command, [...prefix, process.execPath, ...args], { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => {
    child.kill("SIGKILL");
    options.onExit?.();
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
    options.onExit?.();
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label} did not start within 20 s:\n${logTail()}`)), 20_000);
    onLine = (line) => {
      if (!options.ready.test(line)) return;
      clearTimeout(timer);
      resolve();
    };
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited (${signal ?? code}) before it was ready:\n${logTail()}`));
    });
  }).catch(async (error: Error) => {
    await stop();
    throw error;
  });
  return { logTail, stop };
}
