/**
 * Streams: what WHIP and WHEP mean in the pipeline model. A stream is a MediaPipeline named
 * after it, holding one publisher WebRtcEndpoint connected to one WebRtcEndpoint per viewer.
 * A new POST for a live stream replaces the publisher (OBS reconnects that way), and the
 * viewers are switched to the new one; viewers outlive a departed publisher for a grace period
 * so a reconnecting publisher finds its audience still there. Sessions track each endpoint's
 * state in SQLite; whatever ends a session — DELETE, consent expiry, connect timeout, a worker
 * crash — goes through `closeSession`, which releases the media and the rows it leaves unused.
 * A stream's pipeline or endpoint released from outside (REST, the Kurento protocol) ends the
 * sessions riding on it the same way.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { codecName } from "../media/codecs.ts";
import type { CodecChoice, EndpointConnectionState, IceCandidateInit, MediaKind } from "../media/protocol.ts";
import type { PipelineStore } from "../store/pipelines.ts";
import type { SessionState } from "../store/schema.ts";
import type { SessionRole, SessionRow, SessionStore, StreamSummary } from "../store/sessions.ts";
import { PipewrightError } from "./errors.ts";
import type { DomainEventBus } from "./events.ts";
import { KeyedLock } from "./keyed-lock.ts";
import type { PipelineService, Released } from "./pipelines.ts";
import { planPublisher, planViewer } from "./offer-plans.ts";
import type { WebRtcService } from "./webrtc.ts";

export const STREAM_NAME = /^[A-Za-z0-9_.~-]{1,128}$/;

/** What a publisher's element remembers about its media. */
type PublisherProperties = {
  role: "publisher";
  codecs: Partial<Record<MediaKind, CodecChoice>>;
  videoProfile?: string;
};

export interface StreamOptions {
  /** How long viewers wait for a departed publisher to come back before they are closed. */
  publisherGraceMs: number;
}

export interface StartedSession {
  session: SessionRow;
  answer: string;
}

export interface SessionRequest {
  stream: string;
  offer: string;
  remoteAddress?: string;
  userAgent?: string;
}

/** 128 random bits, URL-safe: session ids are capabilities (RFC 9725 §4.1). */
function unguessableId(): string {
  return randomBytes(16).toString("base64url");
}

function newEtag(): string {
  return `"${randomBytes(12).toString("base64url")}"`;
}

function codecSummary(codecs: Partial<Record<MediaKind, CodecChoice>>): Record<string, string> {
  return Object.fromEntries(Object.entries(codecs).map(([kind, codec]) => [kind, codec.mimeType]));
}

export class StreamService {
  readonly #pipelines: PipelineService;
  readonly #webrtc: WebRtcService;
  readonly #store: PipelineStore;
  readonly #sessions: SessionStore;
  readonly #events: DomainEventBus;
  readonly #log: Logger;
  readonly #options: StreamOptions;
  readonly #lock = new KeyedLock();
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    deps: { pipelines: PipelineService; webrtc: WebRtcService; store: PipelineStore; sessions: SessionStore; events: DomainEventBus; log: Logger },
    options: StreamOptions,
  ) {
    this.#pipelines = deps.pipelines;
    this.#webrtc = deps.webrtc;
    this.#store = deps.store;
    this.#sessions = deps.sessions;
    this.#events = deps.events;
    this.#log = deps.log;
    this.#options = options;
    deps.pipelines.onRelease((released) => this.#onReleased(released));
  }

  static checkName(stream: string): void {
    if (!STREAM_NAME.test(stream)) {
      throw new PipewrightError("INVALID_REQUEST", "stream names are 1–128 characters of A–Z, a–z, 0–9 and _ . ~ -");
    }
  }

  /** WHIP: starts publishing `stream`, replacing a publisher that is already there. */
  async publish(request: SessionRequest): Promise<StartedSession> {
    StreamService.checkName(request.stream);
    const plan = planPublisher(request.offer);
    return this.#lock.run(request.stream, async () => {
      for (const old of this.#sessions.open({ stream: request.stream, role: "publisher" })) {
        await this.#close(old, "replaced by a new publisher", { replaced: true });
      }
      this.#cancelGrace(request.stream);
      const pipeline = this.#store.findStreamPipeline(request.stream) ?? this.#pipelines.createPipeline({ origin: "stream", name: request.stream });
      const properties: PublisherProperties = { role: "publisher", codecs: plan.codecs };
      const started = await this.#start(pipeline.id, "publisher", request, properties, (elementId) => this.#webrtc.processOffer(elementId, request.offer, plan));
      this.#sessions.setCodecs(started.session.id, codecSummary(plan.codecs));
      await this.#feedViewers(request.stream, started.session.elementId!, plan.codecs);
      return started;
    });
  }

  /** WHEP: starts a viewer of `stream`. */
  async play(request: SessionRequest): Promise<StartedSession> {
    StreamService.checkName(request.stream);
    return this.#lock.run(request.stream, async () => {
      const publisher = this.#sessions.open({ stream: request.stream, role: "publisher" })[0];
      const element = publisher?.elementId ? this.#store.getElement(publisher.elementId) : undefined;
      if (!publisher || !element) {
        throw new PipewrightError("NO_PUBLISHER", `stream ${request.stream} has no publisher; retry when it is live`, { retryAfter: 2 });
      }
      const published = element.properties as unknown as PublisherProperties;
      const plan = planViewer(request.offer, published.codecs, published.videoProfile);
      const started = await this.#start(element.pipelineId, "viewer", request, { role: "viewer" }, async (elementId) => {
        await this.#pipelines.connect(element.id, elementId);
        return this.#webrtc.processOffer(elementId, request.offer, plan);
      });
      this.#sessions.setCodecs(started.session.id, codecSummary(plan.codecs));
      return started;
    });
  }

  /** Creates the endpoint, negotiates it and records the session; leaves nothing on failure. */
  async #start(
    pipelineId: string,
    role: SessionRole,
    request: SessionRequest,
    properties: Record<string, unknown>,
    negotiate: (elementId: string) => Promise<string>,
  ): Promise<StartedSession> {
    let elementId: string | undefined;
    try {
      elementId = (await this.#pipelines.createElement(pipelineId, "WebRtcEndpoint", {}, properties)).id;
      const answer = await negotiate(elementId!);
      const session = this.#sessions.insert({
        id: unguessableId(),
        role,
        stream: request.stream,
        pipelineId,
        elementId,
        state: "connecting",
        etag: newEtag(),
        remoteAddress: request.remoteAddress ?? null,
        userAgent: request.userAgent?.slice(0, 512) ?? null,
      });
      this.#sessionEvent(session, "connecting");
      return { session, answer };
    } catch (error) {
      if (elementId) await this.#pipelines.releaseElement(elementId);
      await this.#releaseIfUnused(request.stream);
      throw error;
    }
  }

  /** Points every viewer of the stream at a new publisher, closing those that cannot take its codecs. */
  async #feedViewers(stream: string, publisherElementId: string, codecs: Partial<Record<MediaKind, CodecChoice>>): Promise<void> {
    for (const viewer of this.#sessions.open({ stream, role: "viewer" })) {
      const compatible = Object.entries(viewer.codecs).every(([kind, mimeType]) => {
        const codec = codecs[kind as MediaKind];
        return codec !== undefined && codecName(codec.mimeType) === codecName(mimeType);
      });
      if (!compatible || !viewer.elementId) {
        await this.#close(viewer, "the new publisher sends other codecs");
        continue;
      }
      await this.#pipelines.connect(publisherElementId, viewer.elementId).catch((error) => this.#log.warn({ err: error, session: viewer.id }, "could not switch viewer"));
    }
  }

  /** An open session, checked against the stream and role its URL names. */
  openSession(id: string, stream: string, role: SessionRole): SessionRow {
    const session = this.#sessions.get(id);
    if (!session || session.state === "closed" || session.stream !== stream || session.role !== role) {
      throw new PipewrightError("NOT_FOUND", `no open ${role === "publisher" ? "WHIP" : "WHEP"} session ${id} on stream ${stream}`);
    }
    return session;
  }

  async addCandidates(session: SessionRow, candidates: IceCandidateInit[]): Promise<void> {
    if (!session.elementId) throw new PipewrightError("NOT_FOUND", `session ${session.id} has no media`);
    await this.#webrtc.addIceCandidates(session.elementId, candidates);
  }

  /** Ends a session (DELETE, failure, shutdown). Returns false when it was not open. */
  async closeSession(id: string, reason: string): Promise<boolean> {
    const session = this.#sessions.get(id);
    if (!session || session.state === "closed") return false;
    return this.#lock.run(session.stream, () => this.#close(session, reason));
  }

  async #close(session: SessionRow, reason: string, options: { replaced?: boolean } = {}): Promise<boolean> {
    const closed = this.#sessions.markClosed(session.id, reason);
    if (!closed) return false;
    this.#sessionEvent(session, "closed", reason);
    if (session.elementId) await this.#pipelines.releaseElement(session.elementId);
    await this.#afterClose(session, options);
    return true;
  }

  /** What a session's end leaves to do: viewers wait for a departed publisher; an unused stream goes. */
  async #afterClose(session: SessionRow, options: { replaced?: boolean } = {}): Promise<void> {
    if (session.role === "publisher" && !options.replaced) this.#startGrace(session.stream);
    await this.#releaseIfUnused(session.stream);
  }

  /**
   * Someone else (REST, the Kurento protocol) is releasing a stream's pipeline or endpoint: the
   * sessions whose endpoint goes end now — closed before the release returns, so a client asking
   * right after sees them gone. The rest of the cleanup runs once the release is done.
   */
  #onReleased(released: Released): void {
    const reason = released.pipeline ? "the stream's pipeline was released" : "its WebRtcEndpoint was released";
    for (const elementId of released.elementIds) {
      const session = this.#sessions.byElement(elementId);
      if (!session || !this.#sessions.markClosed(session.id, reason)) continue;
      this.#sessionEvent(session, "closed", reason);
      this.#lock.run(session.stream, () => this.#afterClose(session)).catch((error) => this.#log.error({ err: error, session: session.id }, "cleanup after a release failed"));
    }
  }

  /** A stream pipeline with no open session left is released. */
  async #releaseIfUnused(stream: string): Promise<void> {
    if (this.#sessions.open({ stream }).length > 0) return;
    this.#cancelGrace(stream);
    const pipeline = this.#store.findStreamPipeline(stream);
    if (pipeline) await this.#pipelines.releasePipeline(pipeline.id);
  }

  #startGrace(stream: string): void {
    if (this.#sessions.open({ stream, role: "viewer" }).length === 0) return;
    this.#cancelGrace(stream);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(stream);
      void this.#lock.run(stream, async () => {
        if (this.#sessions.open({ stream, role: "publisher" }).length > 0) return;
        for (const viewer of this.#sessions.open({ stream, role: "viewer" })) await this.#close(viewer, "the publisher left");
      });
    }, this.#options.publisherGraceMs);
    timer.unref();
    this.#graceTimers.set(stream, timer);
  }

  #cancelGrace(stream: string): void {
    clearTimeout(this.#graceTimers.get(stream));
    this.#graceTimers.delete(stream);
  }

  #sessionEvent(session: SessionRow, state: SessionState, reason?: string): void {
    this.#events.publish(
      "session.state",
      { pipelineId: session.pipelineId, objectId: session.id },
      { sessionId: session.id, stream: session.stream, role: session.role, state, ...(reason ? { reason } : {}) },
    );
  }

  liveStreams(): StreamSummary[] {
    return this.#sessions.liveStreams();
  }

  /** Media-worker report on an endpoint's connection. */
  async onEndpointState(elementId: string, state: EndpointConnectionState, reason?: string): Promise<void> {
    const session = this.#sessions.byElement(elementId);
    if (!session || session.state === "closed") return;
    if (state === "connected") {
      if (this.#sessions.markConnected(session.id)) {
        this.#sessionEvent(session, "connected");
      }
    } else if (state === "failed" || state === "closed") {
      await this.closeSession(session.id, reason ?? `connection ${state}`);
    }
  }

  /** A media worker died: the sessions of its pipelines lost their media. */
  onWorkerLost(pipelineIds: string[]): void {
    if (pipelineIds.length === 0) return;
    for (const session of this.#sessions.open({ pipelineIds })) {
      if (this.#sessions.markClosed(session.id, "media worker died")) {
        this.#sessionEvent(session, "closed", "media worker died");
      }
    }
    for (const id of pipelineIds) {
      if (this.#store.getPipeline(id)?.origin === "stream") this.#pipelines.forgetPipeline(id);
    }
  }

  /** Start-up: sessions and stream pipelines left by a previous run have no media any more. */
  recoverAfterRestart(): number {
    const closed = this.#sessions.closeAllOpen("server restarted");
    for (const pipeline of this.#store.listPipelines("stream")) this.#store.deletePipeline(pipeline.id);
    return closed;
  }

  /** Shutdown: closes every open session. */
  async closeAll(reason: string): Promise<void> {
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    for (const session of this.#sessions.open()) await this.closeSession(session.id, reason);
  }
}
