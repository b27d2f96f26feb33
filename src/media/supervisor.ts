/**
 * Runs the media workers: starts one per configured slot, places each pipeline on one worker
 * (the least loaded; a pipeline never spans workers, mediasoup's Router-on-Worker model),
 * routes commands to the worker owning the pipeline, and replaces a worker that dies. A death
 * is reported with the pipelines it took down so the control plane can close their sessions;
 * the replacement starts at once, with back-off if replacements keep dying young.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Commands, CommandName, EventName, Events, WorkerHealth, WorkerSettings } from "./protocol.ts";
import { type WorkerDeath, WorkerHandle } from "./worker-handle.ts";
import { WorkerError } from "./worker-error.ts";

export interface SupervisorOptions {
  workers: number;
  settings: WorkerSettings;
  requestTimeoutMs: number;
  heartbeatTimeoutMs: number;
  log: Logger;
}

export interface WorkerLoss extends WorkerDeath {
  /** Pipelines that lived on the dead worker; their media is gone. */
  pipelineIds: string[];
}

export interface SupervisorEvents {
  /** A worker event, with the pipeline it concerns when known. */
  event: [name: EventName, data: Events[EventName]];
  workerDied: [loss: WorkerLoss];
  workerStarted: [info: { slot: number; pid: number | undefined }];
}

const YOUNG_DEATH_MS = 5000;
const MAX_BACKOFF_MS = 5000;

export class MediaSupervisor extends EventEmitter<SupervisorEvents> {
  readonly #options: SupervisorOptions;
  readonly #slots: (WorkerHandle | undefined)[];
  readonly #placement = new Map<string, number>();
  readonly #startedAt: number[] = [];
  readonly #backoff: number[] = [];
  #stopping = false;

  constructor(options: SupervisorOptions) {
    super();
    this.#options = options;
    this.#slots = new Array(options.workers).fill(undefined);
  }

  async start(): Promise<void> {
    await Promise.all(this.#slots.map((_, slot) => this.#startSlot(slot)));
  }

  /** Pids of the running workers, by slot (for operators and tests). */
  get workerPids(): (number | undefined)[] {
    return this.#slots.map((handle) => (handle?.alive ? handle.pid : undefined));
  }

  /** The worker slot a pipeline lives on, placing it on the least-loaded live worker if new. */
  place(pipelineId: string): number {
    const existing = this.#placement.get(pipelineId);
    if (existing !== undefined && this.#slots[existing]?.alive) return existing;
    const best = this.#leastLoaded();
    this.#placement.set(pipelineId, best);
    return best;
  }

  /** The live worker slot holding the fewest pipelines. */
  #leastLoaded(): number {
    const load = this.#slots.map(() => 0);
    for (const slot of this.#placement.values()) load[slot]++;
    let best = -1;
    for (let slot = 0; slot < this.#slots.length; slot++) {
      if (this.#slots[slot]?.alive && (best < 0 || load[slot] < load[best])) best = slot;
    }
    if (best < 0) throw new WorkerError("UNAVAILABLE", "no media worker is running");
    return best;
  }

  isPlaced(pipelineId: string): boolean {
    return this.#placement.has(pipelineId);
  }

  /** Sends a command to the worker that owns `pipelineId` (placing the pipeline if needed). */
  request<K extends CommandName>(pipelineId: string, method: K, params: Commands[K]["params"]): Promise<Commands[K]["result"]> {
    let slot: number;
    try {
      slot = this.place(pipelineId);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#slots[slot]!.request(method, params);
  }

  /**
   * Sends a command that concerns no pipeline (diagnostics, repairing a recording) to the
   * least-loaded running worker; `timeoutMs` overrides the usual answer timeout (file work).
   */
  requestAnyWorker<K extends CommandName>(method: K, params: Commands[K]["params"], timeoutMs?: number): Promise<Commands[K]["result"]> {
    let slot: number;
    try {
      slot = this.#leastLoaded();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#slots[slot]!.request(method, params, timeoutMs);
  }

  /** Asks every running worker for its health (pid, memory, element count). */
  health(): Promise<WorkerHealth[]> {
    return Promise.all(this.#slots.filter((handle) => handle?.alive).map((handle) => handle!.request("worker.ping", {})));
  }

  /** The pipeline is gone: its worker no longer counts it. */
  forget(pipelineId: string): void {
    this.#placement.delete(pipelineId);
  }

  /** Kills the worker in `slot` as a crash would (operators' and tests' fault injection). */
  killWorker(slot: number): void {
    this.#slots[slot]?.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#slots.map((handle) => handle?.stop()));
    this.#placement.clear();
  }

  /** Each worker gets its own slice of the UDP port range, so workers never race for a port. */
  #settingsFor(slot: number): WorkerSettings {
    const { settings } = this.#options;
    const [min, max] = settings.portRange;
    const size = Math.floor((max - min + 1) / this.#slots.length);
    if (size < 2) return settings;
    const low = min + slot * size;
    return { ...settings, portRange: [low, slot === this.#slots.length - 1 ? max : low + size - 1] };
  }

  async #startSlot(slot: number): Promise<void> {
    const { requestTimeoutMs, heartbeatTimeoutMs, log } = this.#options;
    const handle = new WorkerHandle({ slot, settings: this.#settingsFor(slot), requestTimeoutMs, heartbeatTimeoutMs });
    handle.on("event", (name, data) => this.emit("event", name, data));
    handle.on("died", (death) => this.#onDeath(handle, death));
    this.#slots[slot] = handle;
    this.#startedAt[slot] = performance.now();
    await handle.start();
    log.info({ slot, workerPid: handle.pid }, "media worker started");
    this.emit("workerStarted", { slot, pid: handle.pid });
  }

  #onDeath(handle: WorkerHandle, death: WorkerDeath): void {
    if (this.#slots[death.slot] !== handle) return;
    const pipelineIds = [...this.#placement].filter(([, slot]) => slot === death.slot).map(([id]) => id);
    for (const id of pipelineIds) this.#placement.delete(id);
    this.#slots[death.slot] = undefined;
    if (this.#stopping) return;
    this.#options.log.error({ ...death, pipelines: pipelineIds.length }, "media worker died");
    this.emit("workerDied", { ...death, pipelineIds });
    const young = performance.now() - (this.#startedAt[death.slot] ?? 0) < YOUNG_DEATH_MS;
    const delay = young ? Math.min(MAX_BACKOFF_MS, Math.max(100, (this.#backoff[death.slot] ?? 50) * 2)) : 0;
    this.#backoff[death.slot] = delay;
    setTimeout(() => {
      if (this.#stopping) return;
      this.#startSlot(death.slot).catch((error) => this.#options.log.error({ err: error, slot: death.slot }, "media worker restart failed"));
    }, delay).unref();
  }
}
