/**
 * What the HTTP adapters get to work with: the domain services and the configuration, passed
 * in once when the app is built, plus the Hono environment type (Node bindings give access to
 * the raw request socket and response).
 */
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { AccessControl } from "../domain/access.ts";
import type { EventLog } from "../domain/event-log.ts";
import type { OperationService } from "../domain/operations.ts";
import type { PipelineService } from "../domain/pipelines.ts";
import type { RecordingService } from "../domain/recordings.ts";
import type { StreamRecording } from "../domain/stream-recording.ts";
import type { StreamService } from "../domain/streams.ts";
import type { WebRtcService } from "../domain/webrtc.ts";
import type { WebhookService } from "../domain/webhooks.ts";
import type { MediaSupervisor } from "../media/supervisor.ts";

export interface HttpDeps {
  config: Config;
  log: Logger;
  streams: StreamService;
  pipelines: PipelineService;
  webrtc: WebRtcService;
  operations: OperationService;
  recordings: RecordingService;
  streamRecording: StreamRecording;
  access: AccessControl;
  media: MediaSupervisor;
  eventLog: EventLog;
  webhooks: WebhookService;
}

export type AppEnv = { Bindings: HttpBindings };
export type AppContext = Context<AppEnv>;

/** The TCP peer of the request (for the loopback-only default and session records). */
export function remoteAddress(c: AppContext): string | undefined {
  return c.env?.incoming?.socket?.remoteAddress;
}

/** `Authorization: Bearer <token>` → token (RFC 6750 §2.1). */
export function bearerToken(c: AppContext): string | undefined {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i);
  return match?.[1];
}

/** Base URL for absolute `Location` headers: the configured public URL or the request's origin. */
export function publicBase(c: AppContext, config: Config): string {
  return (config.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

/** `application/SDP; charset=utf-8` → `application/sdp`. */
export function mediaType(c: AppContext): string {
  return (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
}
