/**
 * The error a media worker answers a command with: a code from the protocol's short list and
 * a message for people. The supervisor maps the code onto the domain's error table.
 */
import type { WorkerErrorCode } from "./protocol.ts";

export class WorkerError extends Error {
  override name = "WorkerError";
  readonly code: WorkerErrorCode;

  constructor(code: WorkerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
