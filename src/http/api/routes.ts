/**
 * Every REST route of `/v1` built from route definitions, in one list: the app mounts it and
 * the OpenAPI document describes it, so the two cannot drift apart.
 */
import type { HttpDeps } from "../context.ts";
import { connectionRoutes } from "../routes/connections.ts";
import { diagnosticsRoutes } from "../routes/diagnostics.ts";
import { elementRoutes } from "../routes/elements.ts";
import { eventRoutes } from "../routes/events.ts";
import { iceServerRoutes } from "../routes/ice-servers.ts";
import { operationRoutes } from "../routes/operations.ts";
import { pipelineRoutes } from "../routes/pipelines.ts";
import { recordingRoutes } from "../routes/recordings.ts";
import { uriEndpointRoutes } from "../routes/uri-endpoints.ts";
import { webhookRoutes } from "../routes/webhooks.ts";
import type { ApiRoute } from "./route.ts";

export function apiRoutes(deps: HttpDeps): ApiRoute[] {
  return [
    ...pipelineRoutes(deps),
    ...elementRoutes(deps),
    ...connectionRoutes(deps),
    ...operationRoutes(deps),
    ...uriEndpointRoutes(deps),
    ...recordingRoutes(deps),
    ...eventRoutes(deps),
    ...webhookRoutes(deps),
    ...iceServerRoutes(deps),
    ...diagnosticsRoutes(deps),
  ];
}
