/**
 * Kurento's error answers: the JSON-RPC envelope errors (-32700 parse, -32600 invalid request,
 * -32601 unknown method, -32602 invalid params) and the KurentoException codes with their
 * `data.type` names (KurentoException.hpp; notes/kurento-protocol.md §1.7). Domain errors carry
 * their Kurento code in the one error table; the name comes from here.
 */
import { PipewrightError } from "../domain/errors.ts";

const TYPE_NAMES: Record<number, string> = {
  40001: "MARSHALL_ERROR",
  40003: "UNEXPECTED_ERROR",
  40004: "CONNECT_ERROR",
  40005: "UNSUPPORTED_MEDIA_TYPE",
  40006: "NOT_IMPLEMENTED",
  40007: "INVALID_SESSION",
  40008: "MALFORMED_TRANSACTION",
  40009: "NOT_ENOUGH_RESOURCES",
  40100: "MEDIA_OBJECT_TYPE_NOT_FOUND",
  40101: "MEDIA_OBJECT_NOT_FOUND",
  40104: "MEDIA_OBJECT_CONSTRUCTOR_NOT_FOUND",
  40105: "MEDIA_OBJECT_METHOD_NOT_FOUND",
  40106: "MEDIA_OBJECT_EVENT_NOT_SUPPORTED",
  40107: "MEDIA_OBJECT_ILLEGAL_PARAM_ERROR",
  40108: "MEDIA_OBJECT_NOT_AVAILABLE",
  40109: "MEDIA_OBJECT_NOT_FOUND_TRANSACTION_NO_COMMIT",
  40110: "MEDIA_OBJECT_TAG_KEY_NOT_FOUND",
  40111: "MEDIA_OBJECT_OPERATION_NOT_SUPPORTED",
  40200: "SDP_CREATE_ERROR",
  40201: "SDP_PARSE_ERROR",
  40202: "SDP_END_POINT_NO_LOCAL_SDP_ERROR",
  40203: "SDP_END_POINT_NO_REMOTE_SDP_ERROR",
  40204: "SDP_END_POINT_GENERATE_OFFER_ERROR",
  40205: "SDP_END_POINT_PROCESS_OFFER_ERROR",
  40206: "SDP_END_POINT_PROCESS_ANSWER_ERROR",
  40208: "SDP_END_POINT_ALREADY_NEGOTIATED",
  40209: "SDP_END_POINT_NOT_OFFER_GENERATED",
  40210: "SDP_END_POINT_ANSWER_ALREADY_PROCCESED",
  40400: "ICE_GATHER_CANDIDATES_ERROR",
  40401: "ICE_ADD_CANDIDATE_ERROR",
  40600: "URI_PATH_FILE_NOT_FOUND",
};

export interface RpcError {
  code: number;
  message: string;
  data?: { type: string; [key: string]: unknown };
}

export class KurentoError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export const PARSE_ERROR: RpcError = { code: -32700, message: "Parse error." };
export const INVALID_REQUEST: RpcError = { code: -32600, message: "Invalid JSON-RPC request." };
export const METHOD_NOT_FOUND: RpcError = { code: -32601, message: "Method not found." };
export const PARAMS_REQUIRED: RpcError = { code: -32602, message: "'params' is required", data: { type: "INVALID_PARAMS" } };

export function kurentoError(code: number, message: string): RpcError {
  // JSON-RPC-range codes (-32000 "'x' parameter is required") carry no data, as in KMS.
  if (code < 0) return { code, message };
  return { code, message, data: { type: TYPE_NAMES[code] ?? "UNEXPECTED_ERROR" } };
}

/** Any failure as the error object of a JSON-RPC response. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof KurentoError) return error.code === PARAMS_REQUIRED.code ? PARAMS_REQUIRED : kurentoError(error.code, error.message);
  if (error instanceof PipewrightError) return kurentoError(error.kurentoCode, error.message);
  return kurentoError(40003, "Unexpected error");
}
