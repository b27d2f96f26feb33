/**
 * JSON-RPC 2.0 framing as Kurento speaks it (notes/kurento-protocol.md §1.2): one request per
 * text frame, no batches; a frame that is not JSON gets -32700 and one that is not a request
 * -32600, both with `id: null`; responses echo the id. Parsing never throws.
 */
import { INVALID_REQUEST, PARSE_ERROR, type RpcError } from "./errors.ts";

export type RequestId = number | string | null;

export interface RpcRequest {
  /** undefined for a notification (no response is sent). */
  id: RequestId | undefined;
  method: string;
  params: Record<string, unknown> | undefined;
}

export type Parsed = { request: RpcRequest } | { error: RpcError };

export function parseFrame(text: string): Parsed {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: PARSE_ERROR };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return { error: INVALID_REQUEST };
  const { jsonrpc, id, method, params } = frame as Record<string, unknown>;
  if (jsonrpc !== "2.0" || typeof method !== "string") return { error: INVALID_REQUEST };
  if (id !== undefined && id !== null && typeof id !== "number" && typeof id !== "string") return { error: INVALID_REQUEST };
  if (params !== undefined && params !== null && (typeof params !== "object" || Array.isArray(params))) return { error: INVALID_REQUEST };
  return { request: { id: id as RequestId | undefined, method, params: (params ?? undefined) as Record<string, unknown> | undefined } };
}

export function resultFrame(id: RequestId, result: unknown): string {
  return JSON.stringify({ id, jsonrpc: "2.0", result });
}

export function errorFrame(id: RequestId, error: RpcError): string {
  return JSON.stringify({ id, jsonrpc: "2.0", error });
}

export function notificationFrame(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", method, params });
}
