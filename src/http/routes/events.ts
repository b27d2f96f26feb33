/**
 * `GET /v1/events`: the event log as Server-Sent Events — stored events after the resume point
 * first, then live ones, each once and in id order (the log reads both from SQLite; see
 * domain/event-log.ts). A client that reconnects with `Last-Event-ID` (browsers' EventSource
 * do so by themselves) gets exactly what it missed, as far back as retention keeps.
 * `GET /v1/events/log` pages through the same log as JSON, for scripts and curl.
 */
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { PipewrightError } from "../../domain/errors.ts";
import type { HttpDeps } from "../context.ts";
import { type ApiRoute, route } from "../api/route.ts";
import { EventPageSchema, EventTypeSchema, eventJson } from "./event-schemas.ts";

type EventDeps = Pick<HttpDeps, "eventLog" | "config">;

/** Query values are strings; the description sits on the string so OpenAPI shows it. */
const eventId = (description: string) => z.string().regex(/^\d{1,15}$/, "must be an event id (digits)").describe(description).transform(Number).optional();

const filters = {
  pipeline: z.string().min(1).max(200).optional().describe("Only events of this pipeline id."),
  type: z
    .string()
    .max(2000)
    .describe("Only these event types, comma-separated: `element.connected,element.disconnected`.")
    .transform((value) => value.split(",").map((item) => item.trim()).filter((item) => item !== ""))
    .pipe(z.array(EventTypeSchema))
    .optional(),
};

const StreamQuery = z.strictObject({
  after: eventId("Start after this event id (`0` = everything retained). Default: only new events. `Last-Event-ID` wins over it."),
  ...filters,
});

const LogQuery = z.strictObject({
  after: eventId("Events with a greater id; default 0."),
  limit: z.string().regex(/^\d{1,4}$/).describe("Page size, 1–1000; default 100.").transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
  ...filters,
});

/** Where a stream starts: `Last-Event-ID` (a reconnect), else `?after=`, else the newest event. */
function resumePoint(header: string | undefined, after: number | undefined, newest: number): number {
  if (header !== undefined && header.trim() !== "") {
    if (!/^\d{1,15}$/.test(header.trim())) throw new PipewrightError("INVALID_REQUEST", `Last-Event-ID must be an event id (digits), not ${JSON.stringify(header.slice(0, 40))}`);
    return Number(header.trim());
  }
  return after ?? newest;
}

export function eventRoutes(deps: EventDeps): ApiRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/events",
      operationId: "streamEvents",
      summary: "Stream events (Server-Sent Events) with resume by Last-Event-ID",
      description:
        "A `text/event-stream`: one message per event — `id:` the event id, `event:` its type, `data:` the Event as one line of JSON. " +
        "Stored events after the resume point come first, then live ones, without gap or duplicate. Resume with the `Last-Event-ID` request header " +
        "(sent by EventSource on reconnect) or `?after=`. A comment line is sent every `events.heartbeatMs` when idle.",
      tag: "Events",
      access: "admin",
      query: StreamQuery,
      responses: { 200: { description: "The event stream; it stays open until the client leaves or the server stops.", contentType: "text/event-stream" } },
      handle: ({ query, c }) => {
        const after = resumePoint(c.req.header("last-event-id"), query.after, deps.eventLog.lastId);
        const filter = { after, pipelineId: query.pipeline, types: query.type };
        c.header("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
        return streamSSE(c, async (stream) => {
          const abort = new AbortController();
          stream.onAbort(() => abort.abort());
          await stream.write(`: events after ${after}\n\n`);
          for await (const item of deps.eventLog.follow(filter, { heartbeatMs: deps.config.events.heartbeatMs, signal: abort.signal })) {
            if (item === "heartbeat") await stream.write(": heartbeat\n\n");
            else await stream.writeSSE({ id: String(item.id), event: item.type, data: JSON.stringify(eventJson(item)) });
          }
        });
      },
    }),
    route({
      method: "get",
      path: "/v1/events/log",
      operationId: "listEvents",
      summary: "Read a page of the stored event log",
      description: "Oldest first. Page on with `after=nextAfter` until `events` is empty.",
      tag: "Events",
      access: "admin",
      query: LogQuery,
      responses: { 200: { description: "A page of events.", schema: EventPageSchema } },
      handle: ({ query }) => {
        const after = query.after ?? 0;
        const events = deps.eventLog.read({ after, pipelineId: query.pipeline, types: query.type, limit: query.limit ?? 100 });
        const nextAfter = events.length > 0 ? events[events.length - 1].id : after;
        return { status: 200, body: { events: events.map(eventJson), nextAfter, lastId: deps.eventLog.lastId } };
      },
    }),
  ];
}
