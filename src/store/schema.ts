/**
 * The SQLite schema: the control plane's source of truth. Kurento's object model maps onto
 * it one to one — a MediaPipeline row owns MediaElement rows, and element connections are
 * rows too — so REST, WHIP/WHEP and the Kurento protocol all read and write the same
 * objects. WebRTC sessions (a WHIP publisher, a WHEP viewer) outlive their element as
 * history: when the element goes, the session keeps its stream name, state and timestamps.
 * Migrations under migrations/ are generated from this file by drizzle-kit.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "number" })
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

export const mediaPipelines = sqliteTable(
  "media_pipelines",
  {
    id: text("id").primaryKey(),
    /** Stream name for pipelines that carry a WHIP/WHEP stream; free-form otherwise. */
    name: text("name"),
    /** What made it: `stream` (WHIP/WHEP), `api` (REST), `kurento` (JSON-RPC). */
    origin: text("origin", { enum: ["stream", "api", "kurento"] }).notNull(),
    tags: text("tags", { mode: "json" }).$type<Array<{ key: string; value: string }>>().notNull().default(sql`'[]'`),
    /** Kurento properties set on the pipeline (`sendTagsInEvents`, `latencyStats`). */
    properties: text("properties", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("media_pipelines_stream_name").on(table.name).where(sql`${table.origin} = 'stream'`),
  ],
);

export const mediaElements = sqliteTable(
  "media_elements",
  {
    id: text("id").primaryKey(),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => mediaPipelines.id, { onDelete: "cascade" }),
    /** Kurento type name, e.g. `WebRtcEndpoint`. */
    type: text("type").notNull(),
    constructorParams: text("constructor_params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** Properties the media layer reports or the API sets (negotiated codecs, bandwidth limits…). */
    properties: text("properties", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** `ready`, or `media-lost` once the worker holding its media died (a WebRtcEndpoint must renegotiate). */
    state: text("state", { enum: ["ready", "media-lost"] }).notNull().default("ready"),
    /** Kurento MediaFlowState per direction and media type, as last reported by the worker. */
    mediaFlow: text("media_flow", { mode: "json" })
      .$type<{ in: Record<string, "FLOWING" | "NOT_FLOWING">; out: Record<string, "FLOWING" | "NOT_FLOWING"> }>()
      .notNull()
      .default(sql`'{"in":{},"out":{}}'`),
    createdAt: createdAt(),
  },
  (table) => [index("media_elements_pipeline").on(table.pipelineId)],
);

/** `source.connect(sink, mediaType)`: a null media type connects every type. */
export const elementConnections = sqliteTable(
  "element_connections",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => mediaPipelines.id, { onDelete: "cascade" }),
    sourceId: text("source_id")
      .notNull()
      .references(() => mediaElements.id, { onDelete: "cascade" }),
    sinkId: text("sink_id")
      .notNull()
      .references(() => mediaElements.id, { onDelete: "cascade" }),
    mediaType: text("media_type", { enum: ["AUDIO", "VIDEO", "DATA"] }),
    sourceDescription: text("source_description").notNull().default("default"),
    sinkDescription: text("sink_description").notNull().default("default"),
    createdAt: createdAt(),
  },
  (table) => [index("element_connections_source").on(table.sourceId), index("element_connections_sink").on(table.sinkId)],
);

export const SESSION_STATES = ["connecting", "connected", "closed"] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const webrtcSessions = sqliteTable(
  "webrtc_sessions",
  {
    /** Unguessable: it is the capability in the session URL. */
    id: text("id").primaryKey(),
    role: text("role", { enum: ["publisher", "viewer"] }).notNull(),
    stream: text("stream").notNull(),
    pipelineId: text("pipeline_id").references(() => mediaPipelines.id, { onDelete: "set null" }),
    elementId: text("element_id").references(() => mediaElements.id, { onDelete: "set null" }),
    state: text("state", { enum: SESSION_STATES }).notNull(),
    /** Strong entity tag of the current ICE session (RFC 9725 §4.3). */
    etag: text("etag").notNull(),
    remoteAddress: text("remote_address"),
    userAgent: text("user_agent"),
    /** Negotiated codecs, e.g. `{"video":"video/VP8","audio":"audio/opus"}`. */
    codecs: text("codecs", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    closeReason: text("close_reason"),
    createdAt: createdAt(),
    connectedAt: integer("connected_at", { mode: "number" }),
    closedAt: integer("closed_at", { mode: "number" }),
  },
  (table) => [index("webrtc_sessions_stream").on(table.stream, table.state), index("webrtc_sessions_element").on(table.elementId)],
);

export const TOKEN_SCOPES = ["admin", "publish", "play"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: text("token_hash").notNull().unique(),
  scope: text("scope", { enum: TOKEN_SCOPES }).notNull(),
  /** Glob (`*`, `?`) of stream names a publish/play token is limited to. */
  streamPattern: text("stream_pattern").notNull().default("*"),
  createdAt: createdAt(),
  revokedAt: integer("revoked_at", { mode: "number" }),
});

/**
 * The event log: every domain event, numbered. AUTOINCREMENT makes the id strictly increasing
 * for the life of the database — pruning or a restart never hands out an id twice — so it can
 * serve as the SSE `id` a client resumes from. No foreign keys: events outlive their objects.
 */
export const eventLog = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    type: text("type").notNull(),
    pipelineId: text("pipeline_id"),
    objectId: text("object_id"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** When the domain published it (ms since the epoch), not when it was written. */
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (table) => [index("events_pipeline").on(table.pipelineId, table.id), index("events_type").on(table.type, table.id)],
);

/** A URL that receives signed POSTs of the events it subscribed to. */
export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  /** HMAC-SHA256 key for the signature header. Kept in clear: signing needs it; shown once. */
  secret: text("secret").notNull(),
  /** Event types delivered; empty = every type. */
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  createdAt: createdAt(),
});

export const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * The webhook outbox: one row per (webhook, event), written in the same transaction as the
 * event, so an event is either unlogged or queued for every webhook that wants it. A pending
 * row keeps its event from being pruned.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventId: integer("event_id").notNull(),
    state: text("state", { enum: DELIVERY_STATES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at", { mode: "number" }).notNull(),
    /** HTTP status of the last attempt, if the receiver answered at all. */
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "number" }),
  },
  (table) => [
    index("webhook_deliveries_due").on(table.state, table.nextAttemptAt),
    index("webhook_deliveries_webhook").on(table.webhookId, table.id),
    index("webhook_deliveries_event").on(table.eventId),
  ],
);

export const RECORDING_STATES = ["recording", "finished", "repaired", "failed"] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/**
 * Recordings as resources: one row per `record()` of a RecorderEndpoint, outliving the element
 * and its pipeline (their ids stay as history). `file` is relative to the recordings root.
 * A row left in `recording` state by a crash is repaired at start-up (or when its worker
 * dies) and becomes `repaired`, or `failed` if nothing could be saved.
 */
export const recordings = sqliteTable(
  "recordings",
  {
    id: text("id").primaryKey(),
    file: text("file").notNull(),
    pipelineId: text("pipeline_id"),
    elementId: text("element_id"),
    /** The WHIP stream it records, when it records one. */
    stream: text("stream"),
    /** Kurento MediaProfileSpecType. */
    profile: text("profile").notNull(),
    state: text("state", { enum: RECORDING_STATES }).notNull(),
    /** Codec strings as in the file (`{"video":"vp8","audio":"opus"}`). */
    codecs: text("codecs", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    durationMs: integer("duration_ms"),
    size: integer("size"),
    error: text("error"),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "number" }),
    finishedAt: integer("finished_at", { mode: "number" }),
  },
  (table) => [index("recordings_state").on(table.state), index("recordings_stream").on(table.stream, table.createdAt), index("recordings_element").on(table.elementId)],
);

/** Streams recorded whenever they are published (record on publish), set over the API. */
export const streamRecordingRules = sqliteTable("stream_recording_rules", {
  stream: text("stream").primaryKey(),
  /** `auto` or a Kurento MediaProfileSpecType. */
  profile: text("profile").notNull(),
  createdAt: createdAt(),
});
