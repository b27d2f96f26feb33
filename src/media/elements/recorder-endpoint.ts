/**
 * Kurento's RecorderEndpoint: records what is connected into it to a file, in the container
 * of its media profile, without transcoding. `record()` opens the file (refusing a profile
 * that cannot hold the source's codec, naming one that can) and starts a RecordingSession;
 * `pause()` and a later `record()` cut the pause out of the timeline; `stop()` stops taking media
 * at once and finishes the file in the background (`recording.finished` tells when). While
 * an MP4 records video, a keyframe is asked for every `mp4KeyframeIntervalMs` so fragments —
 * what survives a crash — stay short. Release stops and finishes like `stop()`.
 */
import { codecName } from "../codecs.ts";
import { openForWriting } from "../files/confined-path.ts";
import type { FinishedRecording, MediaKind, RecorderSetup, RecordingSettings, WorkerSettings } from "../protocol.ts";
import { type ProfileSpec, profileMismatch, profileSpec, type RecordingProfile } from "../recording/profiles.ts";
import { RecorderTrack } from "../recording/recorder-track.ts";
import { RecordingSession } from "../recording/recording-session.ts";
import { arrivalSeconds } from "../recording/media-clock.ts";
import { WorkerError } from "../worker-error.ts";
import { MEDIA_KINDS } from "./media-element.ts";
import { UriEndpoint, type UriEndpointEvents } from "./uri-endpoint.ts";

/** How often buffered gaps are expired and the start condition re-checked. */
const TICK_MS = 50;

export interface RecorderEvents extends UriEndpointEvents {
  started(recordingId: string, codecs: Partial<Record<MediaKind, string>>): void;
  finished(recordingId: string, result: FinishedRecording | undefined, error: string | undefined): void;
}

export class RecorderEndpoint extends UriEndpoint<RecorderEvents> {
  readonly #setup: RecorderSetup;
  readonly #spec: ProfileSpec;
  readonly #settings: RecordingSettings;
  readonly #tracks: Record<MediaKind, RecorderTrack>;
  #session: RecordingSession | undefined;
  #recordingId: string | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #keyframeTimer: NodeJS.Timeout | undefined;
  #opening: Promise<void> | undefined;
  #stopWhenOpen = false;
  #finishing: Promise<void> | undefined;

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, setup: RecorderSetup, events: RecorderEvents) {
    super(pipelineId, elementId, settings, events);
    this.#setup = setup;
    this.#spec = profileSpec(setup.profile as RecordingProfile);
    this.#settings = settings.recording;
    const sink = {
      frame: (kind: MediaKind, frame: Parameters<RecordingSession["frame"]>[1], arrival: number) => this.#session?.frame(kind, frame, arrival),
      keyframeNeeded: (kind: MediaKind) => this.inputs[kind].requestKeyframe(),
      endOfStream: () => {
        if (this.#setup.stopOnEndOfStream && this.state !== "STOP") this.stop();
      },
    };
    this.#tracks = {
      audio: new RecorderTrack(this.inputs.audio, this.#settings.jitterBufferMs.audio, sink),
      video: new RecorderTrack(this.inputs.video, this.#settings.jitterBufferMs.video, sink),
    };
    for (const kind of MEDIA_KINDS) this.inputs[kind].attachTarget(this.#tracks[kind]);
  }

  /** Starts recording, or resumes after `pause()`. */
  async record(recordingId: string): Promise<void> {
    if (this.state === "START") return;
    if (this.state === "PAUSE") {
      this.setState("START");
      this.#setInputs(true);
      this.#startKeyframeTimer();
      return;
    }
    this.#stopWhenOpen = false;
    await (this.#opening ??= this.#open(recordingId).finally(() => {
      this.#opening = undefined;
    }));
  }

  async #open(recordingId: string): Promise<void> {
    await this.#finishing; // a previous recording of this element may still be finishing the same file
    const kinds = this.#spec.kinds.filter((kind) => this.inputs[kind].source !== undefined);
    if (kinds.length === 0) throw new WorkerError("INVALID_STATE", `nothing is connected to record: connect a source of ${this.#spec.kinds.join(" or ")} first`);
    const codecs: Partial<Record<MediaKind, string>> = {};
    for (const kind of kinds) {
      const mimeType = this.inputs[kind].source!.mimeType;
      if (mimeType) codecs[kind] = codecName(mimeType);
    }
    const mismatch = profileMismatch(this.#spec.profile, codecs);
    if (mismatch) throw new WorkerError("UNSUPPORTED_MEDIA", mismatch);
    let handle;
    try {
      handle = await openForWriting(this.#setup.root, this.#setup.path);
    } catch (error) {
      if (error instanceof WorkerError) throw error; // a refused path
      throw new WorkerError("INTERNAL", `cannot open ${this.#setup.path} for writing: ${(error as Error).message}`);
    }
    if (this.released) {
      await handle.close();
      return;
    }
    this.#recordingId = recordingId;
    this.#session = new RecordingSession(
      handle,
      kinds.map((kind) => this.#tracks[kind]),
      { root: this.#setup.root, path: this.#setup.path, spec: this.#spec, syncWaitMs: this.#settings.syncWaitMs, syncIntervalMs: this.#settings.syncIntervalMs },
      {
        started: (written) => this.events.started(recordingId, written),
        trackDropped: (kind, reason) => this.events.error("STREAM_ERROR_FORMAT", `the ${kind} track is not recorded: ${reason}`, "UNSUPPORTED_MEDIA"),
      },
    );
    this.#ticker = setInterval(() => this.#tick(), TICK_MS);
    this.setState("START");
    this.#setInputs(true);
    this.#startKeyframeTimer();
    if (this.#stopWhenOpen) this.stop();
  }

  pause(): void {
    if (this.state !== "START") return;
    this.#setInputs(false);
    this.#stopKeyframeTimer();
    for (const kind of MEDIA_KINDS) this.#tracks[kind].flush();
    this.#session?.pause();
    this.setState("PAUSE");
  }

  /** Stops taking media; the file is finished in the background. */
  stop(): void {
    if (this.#opening) this.#stopWhenOpen = true;
    if (this.state === "STOP") return;
    this.#setInputs(false);
    this.#stopKeyframeTimer();
    clearInterval(this.#ticker);
    for (const kind of MEDIA_KINDS) this.#tracks[kind].flush();
    this.setState("STOP");
    const session = this.#session;
    const recordingId = this.#recordingId!;
    this.#session = undefined;
    if (session) this.#finishing = this.#finish(session, recordingId);
  }

  async #finish(session: RecordingSession, recordingId: string): Promise<void> {
    try {
      const result = await session.finish();
      this.events.finished(recordingId, result, undefined);
    } catch (error) {
      const saved = (error as { finished?: FinishedRecording }).finished;
      this.events.error("RESOURCE_ERROR_WRITE", (error as Error).message, "INTERNAL");
      this.events.finished(recordingId, saved, (error as Error).message);
    }
  }

  #setInputs(ready: boolean): void {
    for (const kind of MEDIA_KINDS) this.inputs[kind].setReady(ready && this.#session !== undefined && this.#session.kinds.includes(kind));
  }

  #tick(): void {
    for (const kind of MEDIA_KINDS) this.#tracks[kind].expire();
    this.#session?.tick(arrivalSeconds());
  }

  #startKeyframeTimer(): void {
    if (this.#spec.container !== "mp4" || !this.#session?.kinds.includes("video")) return;
    this.#stopKeyframeTimer();
    this.#keyframeTimer = setInterval(() => this.inputs.video.requestKeyframe(), this.#settings.mp4KeyframeIntervalMs);
  }

  #stopKeyframeTimer(): void {
    clearInterval(this.#keyframeTimer);
    this.#keyframeTimer = undefined;
  }

  /** Release finishes the recording like `stop()`, and waits for it. */
  protected override async dispose(): Promise<void> {
    this.stop();
    await this.#opening?.catch(() => {}); // an open still running sees the release and records nothing
    await this.#finishing;
  }
}
