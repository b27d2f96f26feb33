/**
 * A private network namespace for one browser test run, made with the DESIGN.md recipe: a veth
 * pair whose ends are both inside the namespace (10.250.0.1/24 and 10.250.0.2/24), loopback up,
 * a default route (without one Chromium offers no ICE candidate at all), and
 * `/etc/netns/<name>/resolv.conf` pointing at 127.0.0.1 so no DNS lookup waits for a resolver
 * it cannot reach. Every run gets its own name. `remove()` kills whatever still runs inside,
 * deletes the namespace and its resolv.conf directory; it is idempotent and also runs when the
 * test process exits or is interrupted, so a failed run leaves nothing behind (and namespaces
 * of a run killed outright are swept by the next one). Needs root.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

export interface Namespace {
  name: string;
  /** The address Chromium and the server use for ICE inside the namespace. */
  address: string;
  /** Prefix that runs a command inside the namespace: `[...ns.exec, "node", …]`. */
  exec: string[];
  remove(): void;
}

/** Throws a message that says what to do when the suite cannot run here (never a silent skip). */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("the e2e suite needs root: it creates a private network namespace (`ip netns add`) for Chromium and the server; run it as root, as CI does");
  }
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    throw new Error("the e2e suite needs the `ip` command (Debian package iproute2)");
  }
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Cleanup goes on: the namespace or the process may be gone already.
  }
}

/**
 * Makes Ctrl-C and SIGTERM end the process through `exit`, so the cleanups registered there run.
 * node:test installs such handlers itself in some modes; then there is nothing to add.
 */
function exitOnSignals(): void {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
  }
}

/** Kills what runs inside, deletes the namespace and its `/etc/netns` directory. */
function destroyNamespace(name: string): void {
  quietly(() => {
    const pids = execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" }).split(/\s+/).filter(Boolean);
    for (const pid of pids) quietly(() => process.kill(Number(pid), "SIGKILL"));
  });
  quietly(() => ip("netns", "del", name));
  rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Namespaces left by an earlier run that was killed outright (SIGKILL runs no cleanup). */
function sweepStaleNamespaces(): void {
  quietly(() => {
    for (const line of execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n")) {
      const owner = /^(pw-e2e-(\d+)-[0-9a-f]+)\b/.exec(line);
      if (owner && !processAlive(Number(owner[2]))) destroyNamespace(owner[1]);
    }
  });
}

/** A namespace named for this run, set up by `setup`, removed at exit at the latest. */
function namespaceWith(address: string, setup: (name: string) => void): Namespace {
  requireRoot();
  sweepStaleNamespaces();
  const name = `pw-e2e-${process.pid}-${randomBytes(3).toString("hex")}`;
  const resolvDir = `/etc/netns/${name}`;
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off("exit", remove);
    destroyNamespace(name);
  };
  process.on("exit", remove);
  exitOnSignals();

  try {
    mkdirSync(resolvDir, { recursive: true });
    writeFileSync(`${resolvDir}/resolv.conf`, "nameserver 127.0.0.1\n");
    ip("netns", "add", name);
    ip("-n", name, "link", "set", "lo", "up");
    setup(name);
  } catch (error) {
    remove();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not create network namespace ${name}: ${stderr || (error as Error).message}`);
  }
  return { name, address, exec: ["ip", "netns", "exec", name], remove };
}

export function createNamespace(): Namespace {
  return namespaceWith("10.250.0.1", (name) => {
    ip("-n", name, "link", "add", "vA", "type", "veth", "peer", "name", "vB");
    ip("-n", name, "addr", "add", "10.250.0.1/24", "dev", "vA");
    ip("-n", name, "addr", "add", "10.250.0.2/24", "dev", "vB");
    ip("-n", name, "link", "set", "vA", "up");
    ip("-n", name, "link", "set", "vB", "up");
    ip("-n", name, "route", "add", "default", "via", "10.250.0.2");
  });
}

/**
 * A client's network from which the server's media address is unreachable: a second namespace
 * (10.251.0.1) joined to `server`'s by a veth pair whose other end is 10.251.0.2 there, with a
 * default route through it (Chromium offers no candidate without one) and 10.250.0.1, the
 * server's media address, marked unreachable — so a TURN server on 10.250.0.2 is reachable and
 * the server's endpoints are not: media flows through the relay or not at all. Remove it before
 * `server`.
 */
export function createClientNamespace(server: Namespace): Namespace {
  return namespaceWith("10.251.0.1", (name) => {
    ip("-n", server.name, "link", "add", "cB", "type", "veth", "peer", "name", "cA");
    ip("-n", server.name, "link", "set", "cA", "netns", name);
    ip("-n", server.name, "addr", "add", "10.251.0.2/24", "dev", "cB");
    ip("-n", server.name, "link", "set", "cB", "up");
    ip("-n", name, "addr", "add", "10.251.0.1/24", "dev", "cA");
    ip("-n", name, "link", "set", "cA", "up");
    ip("-n", name, "route", "add", "default", "via", "10.251.0.2");
    ip("-n", name, "route", "add", "unreachable", "10.250.0.1/32");
  });
}
