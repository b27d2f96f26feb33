/**
 * RFC 9457 problem details: the only shape an error leaves this server in over HTTP. The
 * status comes from the domain error table; `code` repeats the table key so clients can branch
 * on it, and `Retry-After` / `WWW-Authenticate` accompany the statuses that call for them.
 */
import type { Context } from "hono";
import { ERROR_TABLE, type ErrorCode, PipewrightError } from "../domain/errors.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemType(code: ErrorCode): string {
  return `urn:pipewright:problem:${code.toLowerCase().replace(/_/g, "-")}`;
}

export function problemBody(error: PipewrightError, instance?: string): Record<string, unknown> {
  return {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...error.extra,
  };
}

export function problemResponse(c: Context, error: PipewrightError): Response {
  const headers: Record<string, string> = { "Content-Type": PROBLEM_CONTENT_TYPE };
  if (error.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="pipewright"';
  if (typeof error.extra.retryAfter === "number") headers["Retry-After"] = String(error.extra.retryAfter);
  return new Response(JSON.stringify(problemBody(error, new URL(c.req.url).pathname)), { status: error.status, headers });
}

export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): PipewrightError {
  return new PipewrightError(code, detail, extra);
}

export { ERROR_TABLE };
