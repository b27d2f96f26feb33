/**
 * One recording, from `record()` to the finished file: takes the frames of each recorded track,
 * puts them on one timeline and writes them. The timeline: every stream is mapped to the
 * sender's wall clock through its RTCP sender report (media-clock.ts) — waiting up to
 * `syncWaitMs` for the reports, then falling back to arrival time — and zero is the first video
 * keyframe, so the file starts on a picture that decodes; audio from before it is dropped.
 * Pausing cuts time out of the timeline: after a resume the first keyframe continues exactly
 * where the paused file ended, with audio held back until it, so the file has no gap and A/V
 * stay aligned. A source switched mid-recording continues from arrival time. Video frames are
 * written one frame late, so each carries its real duration.
 */
import type { FileHandle } from "node:fs/promises";
import { rm } from "node:fs/promises";
import { opusPacketDuration } from "../codec-headers/opus-toc.ts";
import type { FinishedRecording, MediaKind } from "../protocol.ts";
import type { SenderReport } from "../rtp/sender-report.ts";
import { videoDecoderConfig, type VideoConfig } from "./decoder-config.ts";
import { finishRecordingFile } from "./finish-file.ts";
import type { AssembledFrame } from "./frame-assembler.ts";
import { StreamClock } from "./media-clock.ts";
import { profileMismatch, type ProfileSpec } from "./profiles.ts";
import { RecordingFile, type FileTrack } from "./recording-file.ts";

/** Video frame duration assumed for a last frame with nothing after it (30 fps). */
const DEFAULT_FRAME_SECONDS = 1 / 30;
/**
 * A track silent this long while another flows is ended in the file, so the muxer stops
 * holding the other's packets for it (long enough for a publisher's slowest keyframe interval).
 */
const STALL_SECONDS = 10;

export interface SessionTrack {
  kind: MediaKind;
  /** RTP codec name; known once media flows (a source may be negotiated after `record()`). */
  readonly codec: string;
  clockRate: number;
  /** The source's latest RTCP sender report, if any arrived. */
  senderReport(): SenderReport | undefined;
}

export interface SessionSettings {
  root: string;
  path: string;
  spec: ProfileSpec;
  syncWaitMs: number;
  syncIntervalMs: number;
}

export interface SessionEvents {
  /**
   * The frame the file starts with arrived (the first video keyframe, or the first audio frame
   * of an audio-only recording): the recording has begun. It is written once the start is
   * synchronised.
   */
  started(codecs: Partial<Record<MediaKind, string>>): void;
  /** A track cannot be recorded (unreadable keyframe header, no media at all…). */
  trackDropped(kind: MediaKind, reason: string): void;
}

interface Pending {
  frame: AssembledFrame;
  arrival: number;
}

interface Held {
  data: Uint8Array;
  time: number;
  keyframe: boolean;
}

class TrackState {
  readonly setup: SessionTrack;
  /** Made when the file starts: the clock rate is the negotiated codec's, known by then. */
  clock!: StreamClock;
  pending: Pending[] = [];
  firstArrival: number | undefined;
  held: Held | undefined;
  lastTime = -Infinity;
  lastDuration = DEFAULT_FRAME_SECONDS;
  /** Where the last written frame ends on the timeline. */
  end = 0;
  ssrc: number | undefined;
  lastArrival = 0;
  lastCapture = 0;
  /** Receiver-clock time of its latest frame, written or not. */
  lastFrameAt = 0;
  written = 0;

  constructor(setup: SessionTrack) {
    this.setup = setup;
  }
}

export class RecordingSession {
  readonly #settings: SessionSettings;
  readonly #events: SessionEvents;
  readonly #handle: FileHandle;
  readonly #tracks = new Map<MediaKind, TrackState>();
  #file: RecordingFile | undefined;
  #origin = 0;
  #pausedSeconds = 0;
  /** Set while paused and until the first frame after the resume: where the timeline continues. */
  #resumeAt: number | undefined;
  #startedAt: number | undefined;
  #finished: Promise<FinishedRecording> | undefined;

  constructor(handle: FileHandle, tracks: SessionTrack[], settings: SessionSettings, events: SessionEvents) {
    this.#handle = handle;
    this.#settings = settings;
    this.#events = events;
    for (const track of tracks) this.#tracks.set(track.kind, new TrackState(track));
  }

  get kinds(): MediaKind[] {
    return [...this.#tracks.keys()];
  }

  /** A whole frame of `kind` arrived (at `arrival`, seconds on the receiver's clock). */
  frame(kind: MediaKind, frame: AssembledFrame, arrival: number): void {
    const track = this.#tracks.get(kind);
    if (!track || this.#finished) return;
    track.lastFrameAt = arrival;
    if (!this.#file) {
      if (track.pending.length === 0 && track.held === undefined) track.firstArrival = arrival;
      track.pending.push({ frame, arrival });
      if (this.#startedAt === undefined && (kind === "video" || !this.#tracks.has("video"))) this.#begun();
      this.#tryStart(arrival);
      return;
    }
    this.#place(track, frame, arrival);
  }

  /** Checks the start condition, and for stalled tracks, without a new frame (called on a timer). */
  tick(now: number): void {
    if (this.#finished) return;
    if (!this.#file) {
      this.#tryStart(now);
      return;
    }
    if (this.#resumeAt !== undefined || this.#tracks.size < 2) return;
    const flowing = [...this.#tracks.values()].some((track) => now - track.lastFrameAt < STALL_SECONDS);
    for (const track of [...this.#tracks.values()]) {
      if (!flowing || now - track.lastFrameAt < STALL_SECONDS) continue;
      this.#file.endTrack(track.setup.kind);
      this.#drop(track, `no ${track.setup.kind} arrived for ${STALL_SECONDS} s; the file goes on without it`);
    }
  }

  /**
   * Starts the file once every track has a first frame and a sender report, or `syncWaitMs`
   * after the first frame with arrival time instead; a track still without frames then is left
   * out after twice that.
   */
  #tryStart(now: number): void {
    const tracks = [...this.#tracks.values()];
    const firstArrival = Math.min(...tracks.map((track) => track.firstArrival ?? Infinity));
    if (firstArrival === Infinity) return;
    const waited = (now - firstArrival) * 1000;
    const silent = tracks.filter((track) => track.pending.length === 0);
    if (silent.length > 0) {
      if (waited < 2 * this.#settings.syncWaitMs) return;
      for (const track of silent) this.#drop(track, "no media arrived for it");
    }
    const withReports = tracks.every((track) => track.setup.senderReport() !== undefined);
    if (!withReports && waited < this.#settings.syncWaitMs) return;
    this.#start(withReports);
  }

  #drop(track: TrackState, reason: string): void {
    this.#tracks.delete(track.setup.kind);
    this.#events.trackDropped(track.setup.kind, reason);
  }

  #start(withReports: boolean): void {
    for (const track of [...this.#tracks.values()]) {
      const mismatch = profileMismatch(this.#settings.spec.profile, { [track.setup.kind]: track.setup.codec });
      if (mismatch) this.#drop(track, mismatch);
    }
    const video = this.#tracks.get("video");
    let videoConfig: VideoConfig | undefined;
    if (video) {
      videoConfig = videoDecoderConfig(video.setup.codec, video.pending[0].frame.data);
      if (!videoConfig) this.#drop(video, `the ${video.setup.codec.toUpperCase()} keyframe header could not be read`);
    }
    if (this.#tracks.size === 0) return;
    for (const track of this.#tracks.values()) {
      track.clock = new StreamClock(track.setup.clockRate);
      const report = withReports ? track.setup.senderReport() : undefined;
      const first = track.pending[0];
      if (report) track.clock.anchor(report.ntpSeconds, report.rtpTimestamp);
      else track.clock.anchor(first.arrival, first.frame.rtpTimestamp);
    }
    const timelineStart = this.#tracks.get("video") ?? this.#tracks.get("audio")!;
    this.#origin = timelineStart.clock.seconds(timelineStart.pending[0].frame.rtpTimestamp);
    const fileTracks: FileTrack[] = [...this.#tracks.values()].map((track) => ({
      kind: track.setup.kind,
      codec: track.setup.codec,
      ...(track.setup.kind === "video" ? { video: videoConfig } : {}),
    }));
    this.#file = new RecordingFile(this.#handle, this.#settings.spec.container, fileTracks, this.#settings.syncIntervalMs);
    for (const track of this.#tracks.values()) {
      const pending = track.pending;
      track.pending = [];
      for (const { frame, arrival } of pending) this.#place(track, frame, arrival);
    }
  }

  #place(track: TrackState, frame: AssembledFrame, arrival: number): void {
    if (track.ssrc !== undefined && frame.ssrc !== track.ssrc) {
      // Another source: continue from the time that passed since the last frame of the old one.
      track.clock.anchor(track.lastCapture + (arrival - track.lastArrival), frame.rtpTimestamp);
    }
    track.ssrc = frame.ssrc;
    const capture = track.clock.seconds(frame.rtpTimestamp);
    track.lastArrival = arrival;
    track.lastCapture = capture;
    if (this.#resumeAt !== undefined) {
      const leads = track.setup.kind === "video" || !this.#tracks.has("video");
      if (!leads) return; // audio waits for the resumed video's keyframe
      this.#pausedSeconds = capture - this.#origin - this.#resumeAt;
      this.#resumeAt = undefined;
    }
    const time = capture - this.#origin - this.#pausedSeconds;
    if (time < 0 || time <= track.lastTime) return; // before the first keyframe, or out of order
    track.lastTime = time;
    if (track.setup.kind === "audio") {
      this.#write(track, frame.data, time, opusPacketDuration(frame.data), true);
      return;
    }
    const held = track.held;
    track.held = { data: frame.data, time, keyframe: frame.keyframe };
    if (held) {
      track.lastDuration = time - held.time;
      this.#write(track, held.data, held.time, track.lastDuration, held.keyframe);
    }
  }

  #write(track: TrackState, data: Uint8Array, time: number, duration: number, keyframe: boolean): void {
    this.#file!.write(track.setup.kind, data, time, duration, keyframe);
    track.end = Math.max(track.end, time + duration);
    track.written++;
  }

  #begun(): void {
    this.#startedAt = performance.now();
    this.#events.started(Object.fromEntries([...this.#tracks.values()].map((t) => [t.setup.kind, t.setup.codec])));
  }

  #releaseHeld(): void {
    for (const track of this.#tracks.values()) {
      const held = track.held;
      track.held = undefined;
      if (held) this.#write(track, held.data, held.time, track.lastDuration, held.keyframe);
    }
  }

  /** Pauses: what was received is written; time stops until the next frame after `resume`. */
  pause(): void {
    if (!this.#file) {
      for (const track of this.#tracks.values()) track.pending = [];
      return;
    }
    this.#releaseHeld();
    this.#resumeAt = Math.max(0, ...[...this.#tracks.values()].map((track) => track.end));
  }

  /** Ends the recording and makes the finished file. Idempotent. */
  finish(): Promise<FinishedRecording> {
    return (this.#finished ??= this.#finish());
  }

  async #finish(): Promise<FinishedRecording> {
    const file = this.#file;
    if (!file) {
      await this.#handle.close().catch(() => {});
      await rm(this.#settings.path, { force: true });
      throw new Error("nothing was recorded: no media arrived while recording");
    }
    this.#releaseHeld();
    await file.close();
    const finished = await finishRecordingFile(this.#settings.root, this.#settings.path, this.#settings.spec.container);
    if (file.error) throw Object.assign(new Error(`writing the file failed (${file.error.message}); ${finished.durationMs} ms were saved`), { finished });
    return finished;
  }
}
