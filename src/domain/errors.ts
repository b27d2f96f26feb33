/**
 * The one error table. Every failure the domain reports has a code here, and the code fixes
 * both faces of the error: the HTTP status of the RFC 9457 problem+json answer and the
 * Kurento JSON-RPC error code (KurentoException.hpp numbering, notes/kurento-protocol.md
 * §1.7). Adapters never choose a status themselves; they throw or map a PipewrightError.
 */

interface ErrorSpec {
  status: number;
  title: string;
  /** Kurento JSON-RPC `error.code`; `data.type` is the table key. */
  kurento: number;
}

export const ERROR_TABLE = {
  INVALID_REQUEST: { status: 400, title: "Invalid request", kurento: 40001 },
  OBJECT_TYPE_MISMATCH: { status: 400, title: "Wrong object type", kurento: 40100 },
  SDP_PARSE_ERROR: { status: 400, title: "Malformed SDP", kurento: 40201 },
  ICE_ADD_CANDIDATE_ERROR: { status: 400, title: "Malformed ICE candidate", kurento: 40401 },
  UNAUTHORIZED: { status: 401, title: "Authentication required", kurento: 40003 },
  FORBIDDEN: { status: 403, title: "Not allowed", kurento: 40003 },
  NOT_FOUND: { status: 404, title: "Not found", kurento: 40101 },
  TAG_KEY_NOT_FOUND: { status: 404, title: "No such tag", kurento: 40110 },
  UNKNOWN_OPERATION: { status: 404, title: "No such operation", kurento: 40008 },
  URI_PATH_FILE_NOT_FOUND: { status: 404, title: "No such file", kurento: 40600 },
  NO_PUBLISHER: { status: 409, title: "Stream has no publisher", kurento: 40101 },
  INVALID_STATE: { status: 409, title: "Invalid state", kurento: 40003 },
  SDP_ALREADY_NEGOTIATED: { status: 409, title: "Already negotiated", kurento: 40208 },
  SDP_NOT_OFFER_GENERATED: { status: 409, title: "No offer generated", kurento: 40209 },
  SDP_NO_LOCAL_DESCRIPTION: { status: 409, title: "No local session description", kurento: 40202 },
  SDP_NO_REMOTE_DESCRIPTION: { status: 409, title: "No remote session description", kurento: 40203 },
  PRECONDITION_FAILED: { status: 412, title: "Precondition failed", kurento: 40003 },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Request body too large", kurento: 40001 },
  UNSUPPORTED_CONTENT_TYPE: { status: 415, title: "Unsupported Content-Type", kurento: 40001 },
  UNSUPPORTED_MEDIA: { status: 422, title: "Unsupported media", kurento: 40005 },
  CONNECT_ERROR: { status: 422, title: "Elements cannot be connected", kurento: 40004 },
  UNKNOWN_TYPE: { status: 422, title: "Unknown type", kurento: 40108 },
  OPERATION_NOT_SUPPORTED: { status: 422, title: "Operation not supported by this element type", kurento: 40111 },
  PRECONDITION_REQUIRED: { status: 428, title: "Precondition required", kurento: 40003 },
  INTERNAL: { status: 500, title: "Internal error", kurento: 40003 },
  NOT_IMPLEMENTED: { status: 501, title: "Not implemented", kurento: 40006 },
  MEDIA_UNAVAILABLE: { status: 503, title: "Media worker unavailable", kurento: 40009 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class PipewrightError extends Error {
  override name = "PipewrightError";
  readonly code: ErrorCode;
  /** Extra members for the problem body (e.g. `retryAfter`, `codec`). */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.code = code;
    this.extra = extra;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  get title(): string {
    return ERROR_TABLE[this.code].title;
  }

  get kurentoCode(): number {
    return ERROR_TABLE[this.code].kurento;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_TABLE, value);
}
