/**
 * What the benchmark reads from Linux's /proc: a process's CPU time (utime + stime from
 * /proc/<pid>/stat, in clock ticks, converted with `getconf CLK_TCK`) and resident memory, the
 * datagrams the kernel dropped at its UDP sockets (/proc/net/udp), the whole machine's busy
 * CPU time (/proc/stat, to tell when other programs disturbed a run), and its CPU model.
 * Everything here is a plain read of the kernel's counters.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { cpus } from "node:os";

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

export const CLOCK_TICKS_PER_SECOND = getconf("CLK_TCK", 100);
const PAGE_SIZE = getconf("PAGESIZE", 4096);

export interface ProcSample {
  /** User + system CPU time of every thread of the process, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** When the sample was taken (performance.now(), ms). */
  at: number;
}

/** CPU time and RSS of `pid` now. Fields after the `(comm)` part: stat(5) numbering minus 2. */
export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rssBytes: rssPages * PAGE_SIZE, at: performance.now() };
}

/** Share of one core the process used between two samples (1 = a whole core). */
export function coreShare(before: ProcSample, after: ProcSample): number {
  const wallSeconds = (after.at - before.at) / 1000;
  return wallSeconds > 0 ? (after.cpuSeconds - before.cpuSeconds) / wallSeconds : 0;
}

/**
 * UDP datagrams the kernel dropped at the sockets `pid` holds (receive buffer full), from the
 * `drops` column of /proc/net/udp matched by socket inode against /proc/<pid>/fd.
 */
export function udpDrops(pid: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // the descriptor closed while we listed them
    }
  }
  let drops = 0;
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 13 && inodes.has(fields[9])) drops += Number(fields[12]);
  }
  return drops;
}

/** Busy CPU seconds of the whole machine so far, all cores (everything but idle and iowait). */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
}

export function cpuModel(): string {
  const model = cpus()[0]?.model?.trim() || "unknown CPU";
  return `${model} × ${cpus().length}`;
}
