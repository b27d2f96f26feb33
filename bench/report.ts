/**
 * Turns the raw measurements of bench/forwarding.ts into figures and prints them: one table row
 * and one summary line per viewer count. "Forwarded" packets are what the viewers received in
 * the window (each one an SRTP packet the media worker encrypted and sent); the publisher's sent
 * count × N is the cross-check, and their difference is what the viewers lost. Sequence gaps
 * count the same loss from the viewers' side (RFC 3550 §A.3), independent of the sender's count;
 * retransmitted duplicates count as work (µs/pkt) but not as delivered packets.
 */
import type { Counters, JoinRecord } from "./load.ts";

export interface RunResult {
  viewers: number;
  concurrency: number;
  publisherConnectMs: number;
  joins: JoinRecord[];
  before: Counters;
  after: Counters;
  windowSeconds: number;
  workerCpu: number;
  workerShare: number;
  controlShare: number;
  loadShare: number;
  /** CPU (in cores) used by everything else on the machine during the window. */
  otherShare: number;
  workerRssBytes: number;
  controlRssBytes: number;
  /** Datagrams the kernel dropped at the worker's and at the load's sockets (window, join phase). */
  udpDrops: { worker: number; load: number };
  udpDropsDuringJoin: { worker: number; load: number };
  /** The stream as GET /v1/streams showed it at the end of the window. */
  stream: string;
}

const VIDEO_BYTES = 1200;
const AUDIO_BYTES = 132;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}` : "–");
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const int = (value: number) => Math.round(value).toLocaleString("en-US");

interface Figures {
  active: number;
  forwarded: number;
  forwardedPerSecond: number;
  egressMbps: number;
  microsPerPacket: number;
  sentPerSecond: number;
  expectedFromSender: number;
  duplicates: number;
  lost: number;
  sequenceGaps: number;
  starved: number;
  joinTimes: number[];
  answerTimes: number[];
  connectTimes: number[];
  failures: JoinRecord[];
}

function figures(run: RunResult): Figures {
  const { before, after, windowSeconds } = run;
  const received = { video: after.received.video - before.received.video, audio: after.received.audio - before.received.audio };
  const duplicates = after.duplicates.video - before.duplicates.video + after.duplicates.audio - before.duplicates.audio;
  const sent = { video: after.sent.video - before.sent.video, audio: after.sent.audio - before.sent.audio };
  const expected = after.expected.video - before.expected.video + after.expected.audio - before.expected.audio;
  const active = after.videoPerViewer.length;
  const forwarded = received.video + received.audio;
  const expectedFromSender = (sent.video + sent.audio) * active;
  const perViewer = after.videoPerViewer.map((count, index) => count - (before.videoPerViewer[index] ?? 0));
  const sorted = (pick: (join: JoinRecord) => number | undefined) =>
    run.joins
      .filter((join) => join.ok)
      .map(pick)
      .filter((value): value is number => value !== undefined)
      .sort((a, b) => a - b);
  return {
    active,
    forwarded,
    forwardedPerSecond: forwarded / windowSeconds,
    egressMbps: ((received.video * VIDEO_BYTES + received.audio * AUDIO_BYTES) * 8) / windowSeconds / 1e6,
    microsPerPacket: forwarded > 0 ? (run.workerCpu / forwarded) * 1e6 : NaN,
    sentPerSecond: (sent.video + sent.audio) / windowSeconds,
    expectedFromSender,
    duplicates,
    lost: expectedFromSender - (forwarded - duplicates),
    sequenceGaps: expected - (forwarded - duplicates),
    starved: perViewer.filter((count) => count < sent.video / 2).length,
    joinTimes: sorted((join) => join.firstVideoMs),
    answerTimes: sorted((join) => join.answerMs),
    connectTimes: sorted((join) => join.connectedMs),
    failures: run.joins.filter((join) => !join.ok),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ")).join("\n");
}

const HEADER = ["N", "playing", "fwd pkt/s", "Mbit/s", "worker CPU", "µs/pkt", "marginal", "ctrl CPU", "load CPU", "other CPU", "worker RSS", "lost", "seq gaps", "join ms med/p95/max"];

function row(run: RunResult, f: Figures, marginal: number): string[] {
  return [
    String(run.viewers),
    `${f.joinTimes.length}/${run.viewers}`,
    int(f.forwardedPerSecond),
    f.egressMbps.toFixed(1),
    pct(run.workerShare),
    f.microsPerPacket.toFixed(1),
    Number.isFinite(marginal) ? marginal.toFixed(1) : "–",
    pct(run.controlShare),
    pct(run.loadShare),
    pct(run.otherShare),
    `${Math.round(run.workerRssBytes / 2 ** 20)} MB`,
    `${int(f.lost)} (${((f.lost / Math.max(1, f.expectedFromSender)) * 100).toFixed(2)}%)`,
    int(f.sequenceGaps),
    `${ms(percentile(f.joinTimes, 50))}/${ms(percentile(f.joinTimes, 95))}/${ms(percentile(f.joinTimes, 100))}`,
  ];
}

/** One summary line per run, then indented details: cross-checks, join breakdown, drops, warnings. */
function summary(run: RunResult, f: Figures, marginal: number, baseViewers: number): string[] {
  const lines = [
    `N=${run.viewers}: ${int(f.forwardedPerSecond)} pkt/s (${f.egressMbps.toFixed(1)} Mbit/s) forwarded to ${f.active} viewers at ` +
      `${pct(run.workerShare)} of a core = ${f.microsPerPacket.toFixed(1)} µs worker CPU per forwarded packet` +
      (Number.isFinite(marginal) ? ` (${marginal.toFixed(1)} µs for each packet beyond N=${baseViewers})` : "") +
      `, ${int(f.lost)} lost, join median ${ms(percentile(f.joinTimes, 50))} ms`,
    `    publisher sent ${int(f.sentPerSecond)} pkt/s; × ${f.active} = ${int(f.expectedFromSender)} expected, ${int(f.forwarded)} received ` +
      `(${int(f.duplicates)} retransmissions); control-plane RSS ${Math.round(run.controlRssBytes / 2 ** 20)} MB; publisher connected in ${ms(run.publisherConnectMs)} ms; ` +
      `viewers' WHEP answer ${ms(percentile(f.answerTimes, 50))} ms, connected ${ms(percentile(f.connectTimes, 50))} ms (medians); ` +
      `UDP receive-buffer drops at worker/load sockets ${run.udpDrops.worker}/${run.udpDrops.load} in window, ` +
      `${run.udpDropsDuringJoin.worker}/${run.udpDropsDuringJoin.load} while joining`,
  ];
  if (run.stream !== `publisher connected, ${run.viewers} viewers`) lines.push(`    server's view at the end of the window: ${run.stream}`);
  if (f.starved > 0) lines.push(`    ${f.starved} viewer(s) got under half the video in the window`);
  if (run.otherShare > 0.1) lines.push(`    WARNING: other programs used ${pct(run.otherShare)} of a core during this window; its figures are disturbed`);
  for (const failure of f.failures.slice(0, 5)) lines.push(`    join failed: ${failure.error}`);
  if (f.failures.length > 5) lines.push(`    … ${f.failures.length - 5} more failed joins`);
  return lines;
}

export function printResults(runs: RunResult[]): void {
  const rows = [HEADER];
  const lines: string[] = [];
  const base = runs.length > 1 ? runs.reduce((smallest, run) => (run.viewers < smallest.viewers ? run : smallest)) : undefined;
  const baseRate = base ? figures(base).forwardedPerSecond : 0;
  for (const run of runs) {
    const f = figures(run);
    // CPU each extra forwarded packet costs over the smallest run: ingest and fixed costs cancel out.
    const marginal = base && run !== base ? ((run.workerShare - base.workerShare) / (f.forwardedPerSecond - baseRate)) * 1e6 : NaN;
    rows.push(row(run, f, marginal));
    lines.push(...summary(run, f, marginal, base?.viewers ?? run.viewers));
  }
  console.log(`\n${table(rows)}\n`);
  for (const line of lines) console.log(line);
  console.log(
    "\nCPU columns: share of one core over the window (utime+stime from /proc/<pid>/stat); other = the rest of the machine. " +
      "µs/pkt = worker CPU ÷ packets the viewers received (includes receiving the published stream); " +
      "marginal = extra worker CPU ÷ extra forwarded packets relative to the smallest N; " +
      "lost = publisher's sent × N − distinct packets received; seq gaps = the same from the viewers' sequence numbers; " +
      "join = WHEP POST → first video RTP packet at the viewer.",
  );
}
