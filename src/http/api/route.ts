/**
 * One definition per REST route serves three purposes: it is mounted on Hono, its zod schemas
 * validate the request (path, query, JSON body — objects are strict, so unknown fields are a
 * 400), and it is turned into the route's OpenAPI operation. A route cannot exist without its
 * documentation, and the documentation cannot describe a request the route does not accept.
 */
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { Action } from "../../domain/access.ts";
import { PipewrightError } from "../../domain/errors.ts";
import { type AppContext, type AppEnv, bearerToken, type HttpDeps, mediaType, remoteAddress } from "../context.ts";

export type HttpMethod = "get" | "post" | "patch" | "put" | "delete";

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for an empty body. */
  schema?: z.ZodType;
  /** A non-JSON body (e.g. `image/svg+xml`), described as a string; alone or besides `schema`. */
  contentType?: string;
  headers?: Record<string, string>;
}

/** What a handler returns: a status with a JSON body, or a ready Response. */
export type ApiResult = { status: number; body?: unknown; headers?: Record<string, string> } | Response;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  c: AppContext;
  /** Who was let in (a token id, or `local`). */
  callerId: string;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface ApiRoute<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI-style path: `/v1/pipelines/{pipelineId}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The right a caller needs (see domain/access.ts); with a list, any one of them. */
  access: Action | readonly Action[];
  /**
   * Also take the token from an `access_token` query parameter (RFC 6750 §2.3), for URLs a
   * browser loads by itself — a `<video src>` cannot send an Authorization header.
   */
  queryToken?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Responses besides the problem responses every route may give. */
  responses: Record<number, ResponseSpec>;
  handle(input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<ApiResult> | ApiResult;
}

/** Defines a route with its handler's input typed from the schemas. */
export function route<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  spec: ApiRoute<P, Q, B>,
): ApiRoute {
  return spec as unknown as ApiRoute;
}

function invalid(where: string, error: z.ZodError): PipewrightError {
  const errors = error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join("."), message: issue.message }));
  return new PipewrightError("INVALID_REQUEST", `invalid ${where}: ${errors.map((item) => `${item.path}: ${item.message}`).join("; ")}`, { errors });
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(where, result.error);
  return result.data;
}

async function readJson(c: AppContext): Promise<unknown> {
  if (mediaType(c) !== "application/json") {
    throw new PipewrightError("UNSUPPORTED_CONTENT_TYPE", "request bodies must be sent as Content-Type: application/json");
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new PipewrightError("INVALID_REQUEST", "the body is not valid JSON");
  }
}

function respond(c: AppContext, result: ApiResult): Response {
  if (result instanceof Response) return result;
  for (const [name, value] of Object.entries(result.headers ?? {})) c.header(name, value);
  if (result.body === undefined) return c.body(null, result.status as 200);
  return c.json(result.body as object, result.status as 200);
}

/** The bearer token of the request: the Authorization header, or `access_token` where allowed. */
export function requestToken(c: AppContext, spec: Pick<ApiRoute, "queryToken">): string | undefined {
  return bearerToken(c) ?? (spec.queryToken ? c.req.query("access_token") : undefined);
}

/** `/v1/pipelines/{pipelineId}` → `/v1/pipelines/:pipelineId`. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export function mountRoutes(app: Hono<AppEnv>, routes: readonly ApiRoute[], deps: HttpDeps): void {
  const limit = bodyLimit({
    maxSize: deps.config.http.bodyLimit,
    onError: () => {
      throw new PipewrightError("PAYLOAD_TOO_LARGE", `the body is larger than ${deps.config.http.bodyLimit} bytes`);
    },
  });
  for (const spec of routes) {
    app.on(spec.method.toUpperCase(), honoPath(spec.path), limit, async (c) => {
      const callerId = deps.access.authorize({ bearer: requestToken(c, spec), remoteAddress: remoteAddress(c), action: spec.access });
      const params = parse(spec.params, c.req.param(), "path");
      const query = parse(spec.query, c.req.query(), "query");
      const body = spec.body ? parse(spec.body, await readJson(c), "body") : undefined;
      return respond(c, await spec.handle({ params: params ?? {}, query: query ?? {}, body, c, callerId }));
    });
  }
}
