/**
 * Recordings: what RecorderEndpoint's `record`, `pause`, `stop` and `stopAndWait` do to the
 * model, and recordings as resources. Each `record()` that starts a file gets a row (state
 * `recording`) before the worker is told, and the worker's reports move it on: `finished` with
 * duration, size and codecs, or `failed`. A row a crash left in `recording` — the server or its
 * media worker died — is handed to a worker to repair (recording.finish: whatever complete
 * media the file holds, indexed, with a comment saying so) and becomes `repaired` or `failed`.
 * Deleting a recording deletes its file; one still being written cannot be deleted.
 */
import { randomUUID } from "node:crypto";
import { type FileHandle, rm } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import type { Logger } from "pino";
import type { Events, FinishedRecording, RecorderSetup } from "../media/protocol.ts";
import type { MediaSupervisor } from "../media/supervisor.ts";
import type { RecordingQuery, RecordingRow, RecordingStore } from "../store/recordings.ts";
import type { RecordingState } from "../store/schema.ts";
import type { ElementRow } from "../store/pipelines.ts";
import { PipewrightError } from "./errors.ts";
import type { DomainEvent, DomainEventBus } from "./events.ts";
import { openForReading, resolveInside } from "../media/files/confined-path.ts";
import { isRecordingProfile, type ProfileSpec, profileSpec } from "../media/recording/profiles.ts";
import { WorkerError } from "../media/worker-error.ts";
import { fromWorkerError } from "./pipeline-media.ts";
import type { PipelineService } from "./pipelines.ts";

/** How long stopAndWait waits for the finished file. */
const STOP_AND_WAIT_MS = 120_000;
/** How long one repair may take (it reads and rewrites the whole file). */
const REPAIR_TIMEOUT_MS = 600_000;

export interface RecorderProperties {
  mediaSetup?: { recorder?: RecorderSetup };
  /** The recording the element writes (or last wrote). */
  recordingId?: string;
  /** Kurento UriEndpointState. */
  state?: "STOP" | "START" | "PAUSE";
}

function props(element: ElementRow): RecorderProperties {
  return element.properties as RecorderProperties;
}

/** The media profile a recording was made with (WEBM for a row whose profile is unknown). */
export function recordingSpec(row: RecordingRow): ProfileSpec {
  return profileSpec(isRecordingProfile(row.profile) ? row.profile : "WEBM");
}

export class RecordingService {
  readonly #store: RecordingStore;
  readonly #pipelines: PipelineService;
  readonly #events: DomainEventBus;
  readonly #media: MediaSupervisor;
  readonly #log: Logger;
  readonly root: string;

  constructor(deps: { store: RecordingStore; pipelines: PipelineService; events: DomainEventBus; media: MediaSupervisor; log: Logger }, root: string) {
    this.#store = deps.store;
    this.#pipelines = deps.pipelines;
    this.#events = deps.events;
    this.#media = deps.media;
    this.#log = deps.log;
    this.root = resolve(root);
  }

  #recorder(element: ElementRow): RecorderSetup {
    const setup = props(element).mediaSetup?.recorder;
    if (element.type !== "RecorderEndpoint" || !setup) throw new PipewrightError("INVALID_REQUEST", `${element.id} is a ${element.type}, not a RecorderEndpoint`);
    return setup;
  }

  /** Kurento record(): starts a new file, or resumes a paused recording. */
  async record(elementId: string): Promise<void> {
    const element = this.#pipelines.getElement(elementId);
    const setup = this.#recorder(element);
    const current = props(element).recordingId;
    if (props(element).state === "START") return;
    if (props(element).state === "PAUSE" && current) {
      await this.#pipelines.media.request(element.pipelineId, "recorder.record", { elementId, recordingId: current });
      return;
    }
    const file = relative(this.root, setup.path);
    if (this.#store.byFile(file).some((row) => row.state === "recording")) {
      throw new PipewrightError("INVALID_STATE", `${file} is being recorded by another RecorderEndpoint`);
    }
    const pipeline = this.#pipelines.getPipeline(element.pipelineId);
    const row = this.#store.insert({
      id: randomUUID(),
      file,
      pipelineId: element.pipelineId,
      elementId,
      stream: pipeline.origin === "stream" ? pipeline.name : null,
      profile: setup.profile,
      state: "recording",
    });
    try {
      await this.#pipelines.media.request(element.pipelineId, "recorder.record", { elementId, recordingId: row.id });
    } catch (error) {
      this.#store.delete(row.id);
      throw error;
    }
    // Overwriting a file replaces the recording it held.
    for (const old of this.#store.byFile(file)) if (old.id !== row.id) this.#store.delete(old.id);
    this.#pipelines.updateProperties(elementId, { recordingId: row.id } satisfies RecorderProperties);
    this.#publish(row);
  }

  async pause(elementId: string): Promise<void> {
    const element = this.#pipelines.getElement(elementId);
    this.#recorder(element);
    await this.#pipelines.media.request(element.pipelineId, "recorder.pause", { elementId });
  }

  /** Kurento stop(): media stops at once; the file is finished in the background (then Stopped). */
  async stop(elementId: string): Promise<void> {
    const element = this.#pipelines.getElement(elementId);
    this.#recorder(element);
    await this.#pipelines.media.request(element.pipelineId, "recorder.stop", { elementId });
  }

  /** Kurento stopAndWait(): returns once the file is finished (or failed). */
  async stopAndWait(elementId: string): Promise<void> {
    const element = this.#pipelines.getElement(elementId);
    const recordingId = props(element).recordingId;
    const done = recordingId ? this.#whenDone(recordingId) : Promise.resolve();
    await this.stop(elementId);
    await done;
  }

  #whenDone(recordingId: string): Promise<void> {
    if (this.#store.get(recordingId)?.state !== "recording") return Promise.resolve();
    const settled = ({ data }: DomainEvent<"recording.state">) => data.recordingId === recordingId && data.state !== "recording";
    return this.#events.next("recording.state", settled, AbortSignal.timeout(STOP_AND_WAIT_MS)).then(
      () => undefined,
      () => Promise.reject(new PipewrightError("MEDIA_UNAVAILABLE", `recording ${recordingId} was not finished within ${STOP_AND_WAIT_MS / 1000} s`)),
    );
  }

  /** Worker report: the first frame was written. */
  onStarted(data: Events["recording.started"]): void {
    const row = this.#store.update(data.recordingId, { codecs: data.codecs as Record<string, string>, startedAt: Date.now() });
    if (!row) return;
    this.#events.publish("element.recording", { pipelineId: row.pipelineId, objectId: data.elementId }, { recordingId: row.id });
  }

  /** Worker report: the recording ended. */
  onFinished(data: Events["recording.finished"]): void {
    const state: RecordingState = data.error ? "failed" : "finished";
    const row = this.#settle(data.recordingId, state, data.result, data.error);
    if (row) this.#events.publish("element.stopped", { pipelineId: row.pipelineId, objectId: data.elementId }, { recordingId: row.id });
  }

  #settle(id: string, state: RecordingState, result: FinishedRecording | undefined, error: string | undefined): RecordingRow | undefined {
    const row = this.#store.update(id, {
      state,
      finishedAt: Date.now(),
      error: error ?? null,
      ...(result ? { durationMs: result.durationMs, size: result.size, codecs: result.codecs as Record<string, string> } : {}),
    });
    if (row) this.#publish(row);
    return row;
  }

  #publish(row: RecordingRow): void {
    this.#events.publish(
      "recording.state",
      { pipelineId: row.pipelineId, objectId: row.id },
      {
        recordingId: row.id,
        state: row.state,
        file: row.file,
        stream: row.stream,
        ...(row.durationMs !== null ? { durationMs: row.durationMs } : {}),
        ...(row.size !== null ? { size: row.size } : {}),
        ...(row.error ? { error: row.error } : {}),
      },
    );
  }

  /**
   * Repairs recordings left unfinished: all of them at start-up, or those of the pipelines a
   * dead worker carried. Runs one file at a time on whichever worker is up.
   */
  async repairUnfinished(pipelineIds?: string[]): Promise<number> {
    let repaired = 0;
    for (const row of this.#store.inState("recording", pipelineIds)) {
      const comment = `Repaired by Pipewright on ${new Date().toISOString()}: the recording was not finished (the server or its media worker stopped)`;
      try {
        const result = await this.#media.requestAnyWorker("recording.finish", { root: this.root, path: this.#path(row), profile: row.profile, comment }, REPAIR_TIMEOUT_MS);
        this.#settle(row.id, "repaired", result, undefined);
        repaired++;
      } catch (error) {
        if (error instanceof WorkerError && error.code === "UNAVAILABLE") {
          this.#log.warn({ recording: row.id, err: error }, "repair interrupted (no media worker); it is retried at the next start");
          continue;
        }
        const detail = (fromWorkerError(error) as Error).message;
        this.#log.warn({ recording: row.id, file: row.file, err: error }, "an unfinished recording could not be repaired");
        this.#settle(row.id, "failed", undefined, `left unfinished by a crash and not repairable: ${detail}`);
      }
    }
    return repaired;
  }

  readonly #lostPipelines = new Set<string>();
  #repairing: Promise<unknown> = Promise.resolve();

  /** A worker died: its recordings are repaired once a worker runs again. */
  onWorkerLost(pipelineIds: string[]): void {
    for (const id of pipelineIds) this.#lostPipelines.add(id);
  }

  /** A worker (re)started: repairs what the dead one left unfinished. */
  onWorkerStarted(): Promise<unknown> {
    if (this.#lostPipelines.size === 0) return this.#repairing;
    const pipelineIds = [...this.#lostPipelines];
    this.#lostPipelines.clear();
    return this.#queueRepair(pipelineIds);
  }

  /** Start-up: repairs every recording the previous run left unfinished (in the background). */
  repairAtStartup(): Promise<unknown> {
    return this.#queueRepair();
  }

  /** Runs repairUnfinished after the repairs already queued; a failure is logged. */
  #queueRepair(pipelineIds?: string[]): Promise<unknown> {
    this.#repairing = this.#repairing.then(() => this.repairUnfinished(pipelineIds)).catch((error) => this.#log.error({ err: error }, "repairing recordings failed"));
    return this.#repairing;
  }

  /** Shutdown: stops every recording and waits (up to `timeoutMs`) for the files to be finished. */
  async stopAll(timeoutMs: number): Promise<void> {
    const stops = this.#store
      .inState("recording")
      .filter((row) => row.elementId !== null && this.#pipelines.resolveType(row.elementId) === "RecorderEndpoint")
      .map((row) => this.stopAndWait(row.elementId!).catch((error) => this.#log.warn({ err: error, recording: row.id }, "a recording could not be finished at shutdown")));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stops), new Promise((resolveTimeout) => (timer = setTimeout(resolveTimeout, timeoutMs)))]);
    clearTimeout(timer);
  }

  list(query: RecordingQuery): RecordingRow[] {
    return this.#store.list(query);
  }

  get(id: string): RecordingRow {
    const row = this.#store.get(id);
    if (!row) throw new PipewrightError("NOT_FOUND", `no recording ${id}`);
    return row;
  }

  /** The recording's file, as an absolute path inside the recordings root. */
  #path(row: RecordingRow): string {
    return resolveInside([this.root], row.file, "recordings");
  }

  /** The recording's file opened for reading, with its MIME type and name, for a download. */
  async openFile(row: RecordingRow): Promise<{ handle: FileHandle; mimeType: string; name: string }> {
    let handle: FileHandle;
    try {
      handle = await openForReading([this.root], this.#path(row), "recordings");
    } catch (error) {
      throw new PipewrightError("NOT_FOUND", `the file of recording ${row.id} cannot be read: ${(error as Error).message}`);
    }
    return { handle, mimeType: recordingSpec(row).mimeType, name: basename(row.file) };
  }

  /** Deletes the recording and its file; refused while it is being written. */
  async delete(id: string): Promise<void> {
    const row = this.get(id);
    if (row.state === "recording") throw new PipewrightError("INVALID_STATE", `recording ${id} is still being written; stop its RecorderEndpoint first`);
    this.#store.delete(id);
    await rm(this.#path(row), { force: true });
    this.#events.publish("recording.deleted", { pipelineId: row.pipelineId, objectId: row.id }, { recordingId: row.id, file: row.file });
  }
}
