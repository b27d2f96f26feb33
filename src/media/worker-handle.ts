/**
 * The control plane's end of one media worker process: forks it, sends typed requests with
 * ids and per-request timeouts, delivers its events, and watches it. A worker that exits, or
 * answers no heartbeat within `heartbeatTimeoutMs` (a hung event loop), is declared dead
 * exactly once: every pending request is rejected with UNAVAILABLE and `died` is emitted.
 */
import { type ChildProcess, fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import type { Commands, CommandName, ControlMessage, EventName, Events, WorkerMessage, WorkerSettings } from "./protocol.ts";
import { WorkerError } from "./worker-error.ts";

const WORKER_ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));

export interface WorkerDeath {
  slot: number;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: string;
}

export interface WorkerHandleEvents {
  event: [name: EventName, data: Events[EventName]];
  died: [death: WorkerDeath];
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

export interface WorkerHandleOptions {
  slot: number;
  settings: WorkerSettings;
  requestTimeoutMs: number;
  heartbeatTimeoutMs: number;
}

export class WorkerHandle extends EventEmitter<WorkerHandleEvents> {
  readonly slot: number;
  readonly #options: WorkerHandleOptions;
  readonly #pending = new Map<number, Pending>();
  #child: ChildProcess | undefined;
  #nextId = 1;
  #dead = false;
  #ready = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastPong = 0;

  constructor(options: WorkerHandleOptions) {
    super();
    this.slot = options.slot;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Started, configured and not dead: ready for commands. */
  get alive(): boolean {
    return this.#ready && !this.#dead;
  }

  /** Forks the process and resolves once it is configured and answering. */
  async start(): Promise<void> {
    const child = fork(WORKER_ENTRY, [], { serialization: "advanced", execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.#child = child;
    child.on("message", (message: WorkerMessage) => this.#onMessage(message));
    child.on("exit", (code, signal) => this.#declareDead(code, signal, "process exited"));
    child.on("error", (error) => this.#declareDead(null, null, `process error: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      const onReady = (message: WorkerMessage) => {
        if (message?.kind !== "ready") return;
        child.off("message", onReady);
        resolve();
      };
      child.on("message", onReady);
      child.once("exit", () => reject(new WorkerError("UNAVAILABLE", "media worker exited while starting")));
    });
    await this.request("worker.configure", this.#options.settings);
    this.#ready = true;
    this.#lastPong = performance.now();
    this.#startHeartbeat();
  }

  /** Sends a command; `timeoutMs` overrides the usual answer timeout (long file work). */
  request<K extends CommandName>(method: K, params: Commands[K]["params"], timeoutMs = this.#options.requestTimeoutMs): Promise<Commands[K]["result"]> {
    const child = this.#child;
    if (this.#dead || !child?.connected) return Promise.reject(new WorkerError("UNAVAILABLE", "media worker is not running"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new WorkerError("UNAVAILABLE", `media worker did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, method });
      const message: ControlMessage = { kind: "request", id, method, params };
      child.send(message, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new WorkerError("UNAVAILABLE", `could not reach media worker: ${error.message}`));
      });
    });
  }

  /** Stops the worker: a polite disconnect first, SIGKILL if it lingers. */
  async stop(graceMs = 2000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#dead = true; // an exit we asked for is not a death to report
    clearInterval(this.#heartbeat);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    this.#rejectAll("media worker stopped");
  }

  /** Kills the process as a crash would (used when it stops answering). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.#child?.kill(signal);
  }

  #onMessage(message: WorkerMessage): void {
    if (message?.kind === "response") {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error) pending.reject(new WorkerError(message.error.code, message.error.message));
      else pending.resolve(message.result);
    } else if (message?.kind === "event") {
      this.emit("event", message.name, message.data as Events[EventName]);
    }
  }

  #startHeartbeat(): void {
    const timeout = this.#options.heartbeatTimeoutMs;
    this.#heartbeat = setInterval(() => {
      if (performance.now() - this.#lastPong > timeout) {
        this.#declareDead(null, null, `no heartbeat answer within ${timeout} ms`);
        this.kill();
        return;
      }
      this.request("worker.ping", {}).then(
        () => (this.#lastPong = performance.now()),
        () => {},
      );
    }, Math.max(50, Math.min(1000, Math.floor(timeout / 3))));
    this.#heartbeat.unref();
  }

  #rejectAll(reason: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new WorkerError("UNAVAILABLE", `${reason} before answering ${pending.method}`));
      this.#pending.delete(id);
    }
  }

  #declareDead(code: number | null, signal: NodeJS.Signals | null, reason: string): void {
    if (this.#dead) return;
    this.#dead = true;
    clearInterval(this.#heartbeat);
    this.#rejectAll("media worker died");
    this.emit("died", { slot: this.slot, pid: this.#child?.pid, code, signal, reason });
  }
}
