/**
 * The OpenAPI 3.1 description of Pipewright's HTTP API, built with openapi3-ts. It is served at
 * `/openapi.json` and committed at openapi/openapi.json (`npm run openapi` rewrites it); a test
 * fails when a route is missing from it or the committed file is stale.
 */
import { OpenApiBuilder, type OperationObject, type PathItemObject, type ResponseObject } from "openapi3-ts/oas31";
import { ERROR_TABLE } from "../domain/errors.ts";
import { addRoutes } from "./api/openapi-routes.ts";
import type { HttpDeps } from "./context.ts";
import { apiRoutes } from "./api/routes.ts";

/** Route definitions read their services only while handling a request; the document needs none. */
const DOCUMENT_ONLY = {} as HttpDeps;

const problem = (description: string): ResponseObject => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const sdpBody = (description: string) => ({ required: true, description, content: { "application/sdp": { schema: { type: "string" as const } } } });

const streamParameter = { name: "stream", in: "path" as const, required: true, schema: { type: "string" as const, pattern: "^[A-Za-z0-9_.~-]{1,128}$" } };
const sessionParameter = { name: "session", in: "path" as const, required: true, schema: { type: "string" as const }, description: "Session id from the Location header." };

function sessionPaths(kind: "whip" | "whep"): Record<string, PathItemObject> {
  const label = kind.toUpperCase();
  const isWhip = kind === "whip";
  const created: ResponseObject = {
    description: `${label} session created. Body: the SDP answer (${isWhip ? "recvonly" : "sendonly"} m-lines, all server candidates).`,
    headers: {
      Location: { description: "Absolute URL of the session resource.", schema: { type: "string" } },
      ETag: { description: "Strong entity tag of the ICE session.", schema: { type: "string" } },
      Link: { description: 'One header line per ICE server: `<turn:…>; rel="ice-server"; username="…"; credential="…"; credential-type="password"`.', schema: { type: "string" } },
    },
    content: { "application/sdp": { schema: { type: "string" } } },
  };
  const post: OperationObject = {
    operationId: `${kind}Create`,
    summary: isWhip ? "Publish a stream (WHIP, RFC 9725)" : "Watch a stream (WHEP)",
    description: isWhip
      ? "Send an SDP offer (sendonly or sendrecv, at most one audio and one video track). A second POST for a live stream replaces its publisher; viewers switch to the new one."
      : "Send an SDP offer (recvonly or sendrecv). The answer carries the publisher's codec and H.264 profile.",
    tags: [label],
    security: [{ bearer: [] }, {}],
    parameters: [streamParameter],
    requestBody: sdpBody(`The ${label} offer.`),
    responses: {
      "201": created,
      "400": problem("Malformed SDP or stream name."),
      "401": problem("Tokens are configured and no valid bearer token was sent."),
      "403": problem("The token may not use this stream, or (no tokens configured) the client is not on loopback."),
      ...(isWhip ? {} : { "409": problem("The stream has no publisher; retry after `Retry-After` seconds.") }),
      "413": problem("The offer is larger than `http.bodyLimit`."),
      "415": problem("Content-Type is not application/sdp."),
      "422": problem("Media Pipewright cannot take: no common codec, more than one track per kind, or the wrong direction."),
      "503": problem("No media worker is available."),
    },
  };
  return {
    [`/${kind}/{stream}`]: {
      post,
      options: {
        operationId: `${kind}Options`,
        summary: "CORS preflight, or (plain OPTIONS) `Accept-Post` and the ICE servers as Link lines",
        tags: [label],
        parameters: [streamParameter],
        responses: { "204": { description: "Allowed methods and headers." } },
      },
      get: { operationId: `${kind}Probe`, summary: `Probe the ${label} endpoint`, tags: [label], parameters: [streamParameter], responses: { "200": { description: "Empty." } } },
      head: { operationId: `${kind}Head`, summary: `Probe the ${label} endpoint`, tags: [label], parameters: [streamParameter], responses: { "200": { description: "Empty." } } },
    },
    [`/${kind}/{stream}/{session}`]: {
      patch: {
        operationId: `${kind}Trickle`,
        summary: "Trickle ICE candidates (RFC 8840 fragment)",
        tags: [label],
        parameters: [streamParameter, sessionParameter, { name: "If-Match", in: "header", required: true, schema: { type: "string" } }],
        requestBody: { required: true, content: { "application/trickle-ice-sdpfrag": { schema: { type: "string" } } } },
        responses: {
          "204": { description: "Candidates applied." },
          "400": problem("Malformed fragment or candidate."),
          "404": problem("No open session with this id."),
          "412": problem("If-Match does not match the session's ETag."),
          "415": problem("Content-Type is not application/trickle-ice-sdpfrag."),
          "422": problem("ICE restart (`If-Match: *`) is not supported; the session keeps running."),
          "428": problem("If-Match is missing."),
        },
      },
      delete: {
        operationId: `${kind}Delete`,
        summary: "End the session",
        tags: [label],
        parameters: [streamParameter, sessionParameter],
        responses: { "200": { description: "Session closed." }, "404": problem("No open session with this id.") },
      },
      get: { operationId: `${kind}SessionProbe`, summary: "Check the session exists", tags: [label], parameters: [streamParameter, sessionParameter], responses: { "200": { description: "Open." }, "404": problem("Unknown or closed.") } },
      head: { operationId: `${kind}SessionHead`, summary: "Check the session exists", tags: [label], parameters: [streamParameter, sessionParameter], responses: { "200": { description: "Open." }, "404": problem("Unknown or closed.") } },
      options: { operationId: `${kind}SessionOptions`, summary: "CORS preflight", tags: [label], parameters: [streamParameter, sessionParameter], responses: { "204": { description: "Allowed methods and headers." } } },
    },
  };
}

export function buildOpenApi(version: string): ReturnType<OpenApiBuilder["getSpec"]> {
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion("3.1.0")
    .addInfo({
      title: "Pipewright",
      version,
      description: "WebRTC media server: WHIP ingest, WHEP egress and Kurento-style media pipelines.",
    })
    .addSecurityScheme("bearer", { type: "http", scheme: "bearer", description: "API token (`npm run token -- create`). Without any token, loopback clients are allowed." })
    .addSchema("Problem", {
      type: "object",
      required: ["type", "title", "status", "detail", "code"],
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        code: { type: "string", enum: Object.keys(ERROR_TABLE) },
        instance: { type: "string" },
      },
    })
    .addSchema("Stream", {
      type: "object",
      required: ["name", "state", "codecs", "viewers", "since"],
      properties: {
        name: { type: "string" },
        state: { type: "string", enum: ["connecting", "connected"] },
        codecs: { type: "object", additionalProperties: { type: "string" }, examples: [{ video: "video/VP8", audio: "audio/opus" }] },
        viewers: { type: "integer" },
        since: { type: "string", format: "date-time" },
      },
    });
  for (const [path, item] of Object.entries({ ...sessionPaths("whip"), ...sessionPaths("whep") })) builder.addPath(path, item);
  builder.addPath("/v1/streams", {
    get: {
      operationId: "listStreams",
      summary: "Live streams with codecs and viewer counts",
      tags: ["Streams"],
      security: [{ bearer: [] }, {}],
      responses: {
        "200": {
          description: "Streams that have a publisher.",
          content: { "application/json": { schema: { type: "object", properties: { streams: { type: "array", items: { $ref: "#/components/schemas/Stream" } } } } } },
        },
        "401": problem("A token is required."),
        "403": problem("Not allowed."),
      },
    },
  });
  addRoutes(builder, apiRoutes(DOCUMENT_ONLY));
  builder.addPath("/healthz", {
    get: {
      operationId: "health",
      summary: "Liveness: 200 while a media worker runs",
      tags: ["Operations"],
      responses: { "200": { description: "Healthy." }, "503": { description: "No media worker is running." } },
    },
  });
  builder.addPath("/openapi.json", {
    get: { operationId: "openapi", summary: "This document", tags: ["Operations"], responses: { "200": { description: "OpenAPI 3.1 JSON." } } },
  });
  return builder.getSpec();
}
