/**
 * Record on publish: a WHIP stream matching a rule is recorded without any pipeline code. When
 * its publisher connects, a RecorderEndpoint is added to the stream's pipeline, fed by the
 * publisher, and recording starts — one file per publish, `<stream>/<stream>-<time>.<ext>` in
 * the recordings directory. When the publisher's session ends the recorder is released, which
 * finishes the file. Rules come from the configuration (`recording.streams` globs) and from the
 * API (per stream, stored in SQLite); a rule set while the stream is live starts recording at
 * once, and removing it stops the recording. Profile `auto` picks WEBM for VP8, VP9 and AV1 and
 * MP4 for H.264 (the _VIDEO_ONLY/_AUDIO_ONLY variant when the stream has one kind only).
 */
import type { Logger } from "pino";
import { codecName } from "../media/codecs.ts";
import type { CodecChoice, MediaKind } from "../media/protocol.ts";
import { profileMismatch, profileSpec, type RecordingProfile } from "../media/recording/profiles.ts";
import type { RecordingStore } from "../store/recordings.ts";
import type { SessionRow, SessionStore } from "../store/sessions.ts";
import { PipewrightError } from "./errors.ts";
import type { DomainEvent, DomainEventBus } from "./events.ts";
import type { PipelineService } from "./pipelines.ts";
import type { RecordingService } from "./recordings.ts";
import { globToRegExp } from "./stream-glob.ts";

export type RuleProfile = "auto" | RecordingProfile;

export interface RecordingRule {
  stream: string;
  profile: RuleProfile;
  /** `config` rules come from `recording.streams`; `api` rules were set over REST. */
  source: "config" | "api";
}

/** The profile `auto` means for these codecs. */
export function autoProfile(codecs: Partial<Record<MediaKind, CodecChoice>>): RecordingProfile {
  const video = codecs.video ? codecName(codecs.video.mimeType) : undefined;
  const container = video === "h264" ? "MP4" : "WEBM";
  if (!codecs.audio) return `${container}_VIDEO_ONLY`;
  if (!video) return "WEBM_AUDIO_ONLY";
  return container;
}

function timestampName(at: Date): string {
  return at.toISOString().replace(/[:.]/g, "-");
}

export class StreamRecording {
  readonly #store: RecordingStore;
  readonly #sessions: SessionStore;
  readonly #pipelines: PipelineService;
  readonly #recordings: RecordingService;
  readonly #log: Logger;
  readonly #globs: RegExp[];
  readonly #configProfile: RuleProfile;
  /** Publisher session → the recorder it feeds. */
  readonly #recorders = new Map<string, string>();

  constructor(
    deps: { store: RecordingStore; sessions: SessionStore; pipelines: PipelineService; recordings: RecordingService; log: Logger },
    options: { streams: string[]; profile: RuleProfile },
  ) {
    this.#store = deps.store;
    this.#sessions = deps.sessions;
    this.#pipelines = deps.pipelines;
    this.#recordings = deps.recordings;
    this.#log = deps.log;
    this.#globs = options.streams.map(globToRegExp);
    this.#configProfile = options.profile;
  }

  attach(events: DomainEventBus): void {
    events.on("event", (event) => {
      if (event.type === "session.state") void this.#onSession(event as DomainEvent<"session.state">);
    });
  }

  rule(stream: string): RecordingRule | undefined {
    const stored = this.#store.rule(stream);
    if (stored) return { stream, profile: stored.profile as RuleProfile, source: "api" };
    if (this.#globs.some((glob) => glob.test(stream))) return { stream, profile: this.#configProfile, source: "config" };
    return undefined;
  }

  apiRules(): RecordingRule[] {
    return this.#store.rules().map((row) => ({ stream: row.stream, profile: row.profile as RuleProfile, source: "api" }));
  }

  /** Records `stream` on every publish from now on, and now if it is live. */
  async setRule(stream: string, profile: RuleProfile): Promise<RecordingRule> {
    this.#store.putRule(stream, profile);
    const publisher = this.#sessions.open({ stream, role: "publisher" }).find((session) => session.state === "connected");
    if (publisher && !this.#recorders.has(publisher.id)) await this.#start(publisher);
    return this.rule(stream)!;
  }

  /** Stops recording `stream` on publish (a config rule stays); a live recording is stopped. */
  async deleteRule(stream: string): Promise<boolean> {
    const deleted = this.#store.deleteRule(stream);
    if (deleted && !this.rule(stream)) {
      for (const publisher of this.#sessions.open({ stream, role: "publisher" })) await this.#stop(publisher.id);
    }
    return deleted;
  }

  async #onSession(event: DomainEvent<"session.state">): Promise<void> {
    const { sessionId, role, state } = event.data;
    if (role !== "publisher") return;
    try {
      if (state === "connected") {
        const session = this.#sessions.get(sessionId);
        if (session && this.rule(session.stream)) await this.#start(session);
      } else if (state === "closed") {
        await this.#stop(sessionId);
      }
    } catch (error) {
      this.#log.warn({ err: error, session: sessionId }, "record on publish failed");
    }
  }

  async #start(session: SessionRow): Promise<void> {
    const rule = this.rule(session.stream);
    if (!rule || !session.elementId || !session.pipelineId) return;
    const publisher = this.#pipelines.getElement(session.elementId);
    const codecs = (publisher.properties.codecs ?? {}) as Partial<Record<MediaKind, CodecChoice>>;
    const profile = rule.profile === "auto" ? autoProfile(codecs) : rule.profile;
    const names = Object.fromEntries(Object.entries(codecs).map(([kind, codec]) => [kind, codecName(codec.mimeType)]));
    const mismatch = profileMismatch(profile, names);
    if (mismatch) throw new PipewrightError("UNSUPPORTED_MEDIA", `stream ${session.stream} is not recorded: ${mismatch}`);
    const uri = `${session.stream}/${session.stream}-${timestampName(new Date())}${profileSpec(profile).extension}`;
    const recorder = await this.#pipelines.createElement(session.pipelineId, "RecorderEndpoint", { uri, mediaProfile: profile });
    this.#recorders.set(session.id, recorder.id);
    try {
      await this.#pipelines.connect(publisher.id, recorder.id);
      await this.#recordings.record(recorder.id);
    } catch (error) {
      this.#recorders.delete(session.id);
      await this.#pipelines.releaseElement(recorder.id);
      throw error;
    }
  }

  /** Releases the session's recorder: the worker finishes its file. */
  async #stop(sessionId: string): Promise<void> {
    const recorderId = this.#recorders.get(sessionId);
    if (!recorderId) return;
    this.#recorders.delete(sessionId);
    await this.#pipelines.releaseElement(recorderId);
  }
}
