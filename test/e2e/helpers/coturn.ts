/**
 * A real coturn (Debian's `turnserver`) inside a test's network namespace, on 10.250.0.2 — the
 * second address of the namespace, so relayed traffic visibly goes through it — with either the
 * TURN REST scheme (`use-auth-secret`, `static-auth-secret`) or one static long-term user
 * (`lt-cred-mech`, the form Kurento's turnURL can express). No TLS/DTLS listeners, no CLI, its
 * database and log in a temporary directory. Waits until it listens; `log()` returns what it
 * printed (allocations, 401s) so tests can see who allocated with which username.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited } from "./namespaced-process.ts";
import type { Namespace } from "./netns.ts";

export const TURN_ADDRESS = "10.250.0.2";

export interface Coturn {
  address: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export type CoturnAuth = { secret: string } | { user: string; password: string };

export interface CoturnOptions {
  port: number;
  /** Relay ports [min, max]; instances in one namespace need separate ranges. */
  relayPorts: [number, number];
  auth: CoturnAuth;
  /** More addresses to listen on besides 10.250.0.2 (relaying is always from 10.250.0.2). */
  alsoListenOn?: string[];
}

function requireTurnserver(): void {
  try {
    execFileSync("turnserver", ["--help"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("the e2e suite needs coturn (Debian package coturn, command turnserver)");
  }
}

function listening(ns: Namespace, port: number): boolean {
  const sockets = execFileSync(ns.exec[0], [...ns.exec.slice(1), "ss", "-lun"], { encoding: "utf8" });
  return sockets.includes(`${TURN_ADDRESS}:${port} `);
}

export async function startCoturn(ns: Namespace, options: CoturnOptions): Promise<Coturn> {
  requireTurnserver();
  const dir = mkdtempSync(join(tmpdir(), "pipewright-coturn-"));
  const auth = "secret" in options.auth ? ["use-auth-secret", `static-auth-secret=${options.auth.secret}`] : ["lt-cred-mech", `user=${options.auth.user}:${options.auth.password}`];
  const config = [
    ...[TURN_ADDRESS, ...(options.alsoListenOn ?? [])].map((address) => `listening-ip=${address}`),
    `relay-ip=${TURN_ADDRESS}`,
    `listening-port=${options.port}`,
    `min-port=${options.relayPorts[0]}`,
    `max-port=${options.relayPorts[1]}`,
    ...auth,
    "realm=pipewright.test",
    "fingerprint",
    "no-tls",
    "no-dtls",
    "no-cli",
    "no-multicast-peers",
    // With two listening addresses coturn would also open listening-port + 1 for RFC 5780 NAT
    // discovery, taking the port of a second instance.
    "no-rfc5780",
    `db=${join(dir, "turndb")}`,
    `pidfile=${join(dir, "turnserver.pid")}`,
    "log-file=stdout",
    "simple-log",
    "verbose",
  ];
  writeFileSync(join(dir, "turnserver.conf"), `${config.join("\n")}\n`);
  const [command, ...prefix] = ns.exec;
  const child = spawn(command, [...prefix, "turnserver", "-c", join(dir, "turnserver.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    child.kill("SIGTERM");
    await exited(child, 3000);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!listening(ns, options.port)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start listening on ${TURN_ADDRESS}:${options.port}:\n${output.join("").slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { address: TURN_ADDRESS, port: options.port, log: () => output.join(""), stop };
}
