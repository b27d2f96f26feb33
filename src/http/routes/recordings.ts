/**
 * `/v1/recordings`: recordings as resources — list (newest first, by stream, pipeline or state),
 * get, download with HTTP range requests (a browser `<video>` plays and seeks straight from the
 * URL), delete (file included; refused with 409 while it is being written). A recording of a
 * stream may be read by whoever may play that stream; others need admin. And
 * `/v1/streams/{stream}/recording-rule`: record a WHIP stream on every publish.
 */
import { z } from "zod";
import { PipewrightError } from "../../domain/errors.ts";
import { recordingSpec } from "../../domain/recordings.ts";
import { STREAM_NAME } from "../../domain/streams.ts";
import { RECORDING_PROFILES } from "../../media/recording/profiles.ts";
import { RECORDING_STATES } from "../../store/schema.ts";
import type { RecordingRow } from "../../store/recordings.ts";
import { type ApiRoute, route } from "../api/route.ts";
import { named } from "../api/schemas-registry.ts";
import { requestToken } from "../api/route.ts";
import { type AppContext, type HttpDeps, publicBase, remoteAddress } from "../context.ts";
import { fileResponse } from "../file-response.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const RecordingSchema = named(
  "Recording",
  z.object({
    id: z.string(),
    file: z.string().describe("Path inside the recordings directory."),
    url: z.string().describe("Download URL (HTTP range requests supported)."),
    pipelineId: z.string().nullable(),
    elementId: z.string().nullable().describe("The RecorderEndpoint that wrote it."),
    stream: z.string().nullable().describe("The WHIP stream it records, if any."),
    profile: z.enum(RECORDING_PROFILES).describe("Kurento MediaProfileSpecType."),
    mimeType: z.string(),
    state: z.enum(RECORDING_STATES).describe("`repaired`: left unfinished by a crash and repaired at start-up."),
    codecs: z.record(z.string(), z.string()).describe('Codecs as in the file, e.g. `{"video":"vp8","audio":"opus"}`.'),
    durationMs: z.number().int().nullable(),
    size: z.number().int().nullable().describe("Bytes."),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable().describe("When the first frame was written."),
    finishedAt: z.iso.datetime().nullable(),
  }),
  "A recording made by a RecorderEndpoint (over REST, the Kurento protocol or record on publish).",
);

const RuleProfileSchema = z.enum(["auto", ...RECORDING_PROFILES]);
export const RecordingRuleSchema = named(
  "RecordingRule",
  z.object({
    stream: z.string(),
    profile: RuleProfileSchema.describe("`auto`: WEBM for VP8/VP9/AV1, MP4 for H.264."),
    source: z.enum(["config", "api"]).describe("`config`: a `recording.streams` glob; `api`: set here."),
  }),
);

const RecordingParams = z.strictObject({ recordingId: z.string().min(1).max(64) });
const StreamParams = z.strictObject({ stream: z.string().regex(STREAM_NAME).describe("Stream name.") });
const ListQuery = z.strictObject({
  stream: z.string().max(128).optional(),
  pipelineId: z.string().max(64).optional(),
  state: z.enum(RECORDING_STATES).optional(),
  limit: z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(1000)).optional().describe("Page size, default 50."),
  after: z.string().max(64).optional().describe("The `next` cursor of the previous page."),
});

export function recordingJson(c: AppContext, deps: HttpDeps, row: RecordingRow): z.infer<typeof RecordingSchema> {
  const spec = recordingSpec(row);
  return {
    id: row.id,
    file: row.file,
    url: `${publicBase(c, deps.config)}/v1/recordings/${row.id}/file`,
    pipelineId: row.pipelineId,
    elementId: row.elementId,
    stream: row.stream,
    profile: spec.profile,
    mimeType: spec.mimeType,
    state: row.state,
    codecs: row.codecs,
    durationMs: row.durationMs,
    size: row.size,
    error: row.error,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function recordingRoutes(deps: HttpDeps): ApiRoute[] {
  const { recordings, streamRecording } = deps;
  /** A stream's recordings are the stream's viewers' to see; the rest are admin's. */
  const allow = (c: AppContext, stream: string | null | undefined, queryToken = false) =>
    deps.access.authorize({ bearer: requestToken(c, { queryToken }), remoteAddress: remoteAddress(c), action: stream ? "play" : "admin", ...(stream ? { stream } : {}) });
  const readable = (c: AppContext, id: string, queryToken = false) => {
    const row = recordings.get(id);
    allow(c, row.stream, queryToken);
    return row;
  };
  return [
    route({
      method: "get",
      path: "/v1/recordings",
      operationId: "listRecordings",
      summary: "List recordings, newest first",
      description: "Without `stream`, an admin token is needed; with it, a token that may play the stream.",
      tag: "Recordings",
      access: "play",
      query: ListQuery,
      responses: { 200: { description: "Recordings.", schema: z.object({ items: z.array(RecordingSchema), next: z.string().nullable() }) } },
      handle: ({ query, c }) => {
        allow(c, query.stream);
        const limit = query.limit ?? 50;
        const rows = recordings.list({ stream: query.stream, pipelineId: query.pipelineId, state: query.state, after: query.after, limit: limit + 1 });
        const items = rows.slice(0, limit);
        return { status: 200, body: { items: items.map((row) => recordingJson(c, deps, row)), next: rows.length > limit ? items[items.length - 1].id : null } };
      },
    }),
    route({
      method: "get",
      path: "/v1/recordings/{recordingId}",
      operationId: "getRecording",
      summary: "Get a recording",
      tag: "Recordings",
      access: "play",
      params: RecordingParams,
      responses: { 200: { description: "The recording.", schema: RecordingSchema } },
      handle: ({ params, c }) => ({ status: 200, body: recordingJson(c, deps, readable(c, params.recordingId)) }),
    }),
    route({
      method: "get",
      path: "/v1/recordings/{recordingId}/file",
      operationId: "downloadRecording",
      summary: "Download (or stream) the recording's file",
      description:
        "Supports `Range: bytes=…` (206 Partial Content, 416 when unsatisfiable) and `If-Range`, so a `<video>` element can seek in it. HEAD answers the headers only. " +
        "The token may come as `?access_token=` (RFC 6750 §2.3) for a `<video src>`, which cannot send headers.",
      tag: "Recordings",
      access: "play",
      queryToken: true,
      params: RecordingParams,
      query: z.strictObject({ access_token: z.string().max(256).optional().describe("Bearer token, for URLs a browser loads itself.") }),
      responses: {
        200: {
          description: "The whole file: video/webm, video/x-matroska or video/mp4 (audio/… for the _AUDIO_ONLY profiles).",
          contentType: "video/*",
          headers: { "Accept-Ranges": "bytes", ETag: "Entity tag." },
        },
        206: { description: "The requested byte range.", contentType: "video/*", headers: { "Content-Range": "bytes first-last/size" } },
        416: { description: "The range lies beyond the file.", headers: { "Content-Range": "bytes */size" } },
      },
      handle: async ({ params, c }) => {
        const file = await recordings.openFile(readable(c, params.recordingId, true));
        return fileResponse(file, { method: c.req.method, range: c.req.header("range"), ifRange: c.req.header("if-range") });
      },
    }),
    route({
      method: "delete",
      path: "/v1/recordings/{recordingId}",
      operationId: "deleteRecording",
      summary: "Delete a recording and its file",
      tag: "Recordings",
      access: "admin",
      params: RecordingParams,
      responses: { 204: { description: "Deleted." }, 409: { description: "Still being written: stop the recorder first." } },
      handle: async ({ params }) => {
        await recordings.delete(params.recordingId);
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: "/v1/streams/{stream}/recording-rule",
      operationId: "getRecordingRule",
      summary: "Whether the stream is recorded on publish",
      tag: "Recordings",
      access: "admin",
      params: StreamParams,
      responses: { 200: { description: "The rule that applies.", schema: RecordingRuleSchema }, 404: { description: "The stream is not recorded on publish." } },
      handle: ({ params }) => {
        const rule = streamRecording.rule(params.stream);
        if (!rule) throw new PipewrightError("NOT_FOUND", `stream ${params.stream} is not recorded on publish`);
        return { status: 200, body: rule };
      },
    }),
    route({
      method: "put",
      path: "/v1/streams/{stream}/recording-rule",
      operationId: "putRecordingRule",
      summary: "Record the stream on every publish (and now, if it is live)",
      tag: "Recordings",
      access: "admin",
      params: StreamParams,
      body: z.strictObject({ profile: RuleProfileSchema.optional().describe("Default `auto`.") }),
      responses: { 200: { description: "The rule.", schema: RecordingRuleSchema }, 422: { description: "The live stream's codecs do not fit the profile." } },
      handle: async ({ params, body }) => ({ status: 200, body: await streamRecording.setRule(params.stream, body.profile ?? "auto") }),
    }),
    route({
      method: "delete",
      path: "/v1/streams/{stream}/recording-rule",
      operationId: "deleteRecordingRule",
      summary: "Stop recording the stream on publish (a live recording stops and is finished)",
      description: "Removes the rule set over the API; a `recording.streams` glob from the configuration still applies.",
      tag: "Recordings",
      access: "admin",
      params: StreamParams,
      responses: { 204: { description: "Removed." }, 404: { description: "No rule was set over the API." } },
      handle: async ({ params }) => {
        if (!(await streamRecording.deleteRule(params.stream))) throw new PipewrightError("NOT_FOUND", `no recording rule was set for stream ${params.stream}`);
        return { status: 204 };
      },
    }),
  ];
}
