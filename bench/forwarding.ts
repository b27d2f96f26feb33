/**
 * `npm run bench`: what forwarding one published stream costs the media worker. For each
 * viewer count N it starts a fresh server process (`node src/main.ts serve`, HTTP and media on
 * 127.0.0.1 only) and a load process (bench/load.ts: one werift publisher at ~2.5 Mbit/s VP8 +
 * Opus, N werift viewers), pinned to cores 0 and 1 with `taskset` when the machine has two;
 * once every viewer plays it measures a steady-state window and prints the media worker's CPU
 * per forwarded packet, CPU of the control plane and of the load, worker RSS, packets lost at
 * the viewers and the viewers' join time. Figures are printed, never asserted.
 * Usage: `npm run bench -- --viewers 1,10,50 --seconds 10 [--concurrency 10] [--no-pin]
 * [--server-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"]`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { Counters, LoadCommand, LoadReport } from "./load.ts";
import { CLOCK_TICKS_PER_SECOND, coreShare, cpuModel, machineBusySeconds, type ProcSample, sampleProcess, udpDrops } from "./proc-stats.ts";
import { printResults, type RunResult } from "./report.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values: options } = parseArgs({
  options: {
    viewers: { type: "string", default: process.env.BENCH_VIEWERS ?? "1,10,50" },
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "10" },
    settle: { type: "string", default: "2" },
    concurrency: { type: "string", default: process.env.BENCH_CONCURRENCY ?? "10" },
    "no-pin": { type: "boolean", default: false },
    "server-node-options": { type: "string" },
  },
});
const viewerCounts = options.viewers.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
const windowSeconds = Number(options.seconds);
const pin = !options["no-pin"] && cpus().length >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const children = new Set<ChildProcess>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function launch(core: number, args: string[], extra: Parameters<typeof spawn>[2]): ChildProcess {
  const [command, argv] = pin ? ["taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { cwd: ROOT, ...extra });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; workerPid: number }> {
  const port = await freePort();
  const env = {
    ...process.env,
    PIPEWRIGHT_PORT: String(port),
    PIPEWRIGHT_HOST: "127.0.0.1",
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_LOG_LEVEL: "warn",
    PIPEWRIGHT_WEBRTC_LISTEN_ADDRESS: "127.0.0.1",
    PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
    PIPEWRIGHT_WEBRTC_PORT_RANGE: "30000-31999",
    // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": the media worker inherits NODE_OPTIONS from the server.
    ...(options["server-node-options"] ? { NODE_OPTIONS: options["server-node-options"] } : {}),
  };
  const child = launch(0, ["src/main.ts", "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  // Warnings and errors are worth seeing; the expected "open to loopback only" notice is not.
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (!line.includes("no API token exists")) console.log(`  [server] ${line}`);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  for (const started = Date.now(); Date.now() - started < 20_000; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    const health = await fetch(`${url}/healthz`).then((response) => (response.ok ? (response.json() as Promise<{ workers: number[] }>) : undefined), () => undefined);
    const workerPid = health?.workers.find((pid) => pid !== undefined);
    if (workerPid) return { child, url, workerPid };
  }
  throw new Error("server did not become healthy within 20 s");
}

/** The load process and a way to wait for its next report of a given type. */
function startLoad(): { child: ChildProcess; send(command: LoadCommand): void; next<T extends LoadReport["type"]>(type: T, timeoutMs: number): Promise<Extract<LoadReport, { type: T }>> } {
  const child = launch(1, ["bench/load.ts"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const reports: LoadReport[] = [];
  const waiters: (() => void)[] = [];
  child.on("message", (report: LoadReport) => {
    reports.push(report);
    waiters.splice(0).forEach((wake) => wake());
  });
  child.on("exit", () => waiters.splice(0).forEach((wake) => wake()));
  return {
    child,
    send: (command) => child.send(command),
    async next(type, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const failure = reports.find((report) => report.type === "failed");
        if (failure) throw new Error(`load process: ${(failure as { error: string }).error}`);
        const index = reports.findIndex((report) => report.type === type);
        if (index >= 0) return reports.splice(index, 1)[0] as Extract<LoadReport, { type: typeof type }>;
        if (child.exitCode !== null) throw new Error(`load process exited (${child.exitCode}) before "${type}"`);
        if (Date.now() > deadline) throw new Error(`load process sent no "${type}" within ${timeoutMs} ms`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 200);
        });
      }
    },
  };
}

interface Snapshot {
  counters: Counters;
  machineBusy: number;
  worker: ProcSample;
  control: ProcSample;
  load: ProcSample;
}

async function snapshot(load: Load, pids: Pids): Promise<Snapshot> {
  load.send({ type: "snapshot" });
  const { counters } = await load.next("snapshot", 5000);
  if (!existsSync(`/proc/${pids.worker}`)) throw new Error(`media worker ${pids.worker} is gone (see the server log above)`);
  return { counters, machineBusy: machineBusySeconds(), worker: sampleProcess(pids.worker), control: sampleProcess(pids.control), load: sampleProcess(pids.load) };
}

/** What the server says of the stream at the end of the window (its publisher state, viewer count). */
async function streamState(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/streams`).catch(() => undefined);
  if (!response?.ok) return `GET /v1/streams failed (${response?.status ?? "no answer"})`;
  const { streams } = (await response.json()) as { streams: { name: string; state: string; viewers: number }[] };
  const bench = streams.find((entry) => entry.name === "bench");
  return bench ? `publisher ${bench.state}, ${bench.viewers} viewers` : "not live";
}

/** Cores used in the window by everything but our three processes (other programs, uncharged softirq). */
function otherShare(before: Snapshot, after: Snapshot): number {
  const ours = (["worker", "control", "load"] as const).reduce((sum, name) => sum + after[name].cpuSeconds - before[name].cpuSeconds, 0);
  return (after.machineBusy - before.machineBusy - ours) / ((after.worker.at - before.worker.at) / 1000);
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals | undefined): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (signal) child.kill(signal);
  if (await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) return;
  child.kill("SIGKILL");
  await exited;
}

/** Waits (up to a minute) until other programs leave the machine nearly idle; false if they never did. */
async function waitForQuietMachine(): Promise<boolean> {
  for (let waited = 0; waited < 60; waited++) {
    const before = machineBusySeconds();
    await sleep(1000);
    if (machineBusySeconds() - before < 0.15) return true;
    if (waited === 0) process.stdout.write("(waiting for other programs to go quiet) ");
  }
  return false;
}

type Load = ReturnType<typeof startLoad>;
type Pids = { worker: number; control: number; load: number };

/** UDP drops at the worker's and the load's sockets so far. */
function drops(pids: Pids): { worker: number; load: number } {
  if (!existsSync(`/proc/${pids.worker}`)) throw new Error(`media worker ${pids.worker} is gone (see the server log above)`);
  return { worker: udpDrops(pids.worker), load: udpDrops(pids.load) };
}

/** Publishes, joins the viewers, lets them settle, then measures one steady-state window. */
async function measure(viewers: number, url: string, load: Load, pids: Pids): Promise<RunResult> {
  const concurrency = Number(options.concurrency);
  load.send({ type: "start", url, stream: "bench", viewers, concurrency, joinTimeoutMs: 30_000 });
  const { connectMs } = await load.next("publishing", 20_000);
  const dropsBeforeJoin = drops(pids);
  const { joins } = await load.next("joined", 60_000 + viewers * 2_000);
  await sleep(Number(options.settle) * 1000);
  const dropsBefore = drops(pids);
  const before = await snapshot(load, pids);
  await sleep(windowSeconds * 1000);
  const after = await snapshot(load, pids);
  const dropsAfter = drops(pids);
  return {
    viewers,
    concurrency,
    publisherConnectMs: connectMs,
    joins,
    before: before.counters,
    after: after.counters,
    windowSeconds: (after.worker.at - before.worker.at) / 1000,
    workerCpu: after.worker.cpuSeconds - before.worker.cpuSeconds,
    workerShare: coreShare(before.worker, after.worker),
    controlShare: coreShare(before.control, after.control),
    loadShare: coreShare(before.load, after.load),
    otherShare: otherShare(before, after),
    workerRssBytes: after.worker.rssBytes,
    controlRssBytes: after.control.rssBytes,
    udpDrops: { worker: dropsAfter.worker - dropsBefore.worker, load: dropsAfter.load - dropsBefore.load },
    udpDropsDuringJoin: { worker: dropsBefore.worker - dropsBeforeJoin.worker, load: dropsBefore.load - dropsBeforeJoin.load },
    stream: await streamState(url),
  };
}

/** One viewer count on a fresh server and load process, both stopped afterwards whatever happens. */
async function run(viewers: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-bench-"));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let load: Load | undefined;
  try {
    server = await startServer(dataDir);
    load = startLoad();
    return await measure(viewers, server.url, load, { worker: server.workerPid, control: server.child.pid!, load: load.child.pid! });
  } finally {
    if (load) {
      load.send({ type: "stop" });
      await load.next("stopped", 10_000).catch(() => undefined);
      await stopChild(load.child, "SIGTERM");
    }
    for (const child of children) await stopChild(child, "SIGTERM"); // the server, even one that never became healthy
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`Pipewright forwarding bench — Node ${process.version}, ${cpuModel()}, Linux ${release()}, CLK_TCK ${CLOCK_TICKS_PER_SECOND}`);
  console.log(
    pin
      ? "pinned with taskset: server (control plane + media worker) on core 0, load (publisher + werift viewers, SRTP keys as KeyObjects) on core 1"
      : "NOT pinned (taskset unavailable, fewer than 2 cores, or --no-pin): processes share cores",
  );
  console.log(
    `stream: VP8-like 30 fps, 1,200-byte packets, keyframe (72 packets) every 2 s ≈ 272 pkt/s ≈ 2.6 Mbit/s + Opus 50 pkt/s; ` +
      `window ${windowSeconds} s after all viewers play (+${options.settle} s settle); joins ${options.concurrency} at a time; all traffic on 127.0.0.1\n`,
  );
  if (viewerCounts.length === 0) throw new Error("--viewers takes a list of positive integers, e.g. 1,10,50");
  const results: RunResult[] = [];
  for (const viewers of viewerCounts) {
    process.stdout.write(`running N=${viewers} … `);
    if (!(await waitForQuietMachine())) process.stdout.write("(machine still busy: figures will be disturbed) ");
    const started = Date.now();
    try {
      results.push(await run(viewers));
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      console.log(`FAILED: ${(error as Error).message}`);
    }
  }
  printResults(results);
}

// No server or load process outlives the bench, however it ends.
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
