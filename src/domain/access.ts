/**
 * Who may publish, play or administer. With no API token configured Pipewright is open to
 * clients on loopback only (a fresh install is never an open relay); once a token exists,
 * every request must carry one (RFC 6750 Bearer). Tokens are 256 random bits, stored as
 * SHA-256, scoped to admin, publish or play, the latter two limited to a stream-name glob.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { TOKEN_SCOPES, type TokenScope } from "../store/schema.ts";
import type { TokenRow, TokenStore } from "../store/tokens.ts";
import { PipewrightError } from "./errors.ts";
import { globToRegExp } from "./stream-glob.ts";

export type Action = "publish" | "play" | "admin";

export interface AccessRequest {
  /** The token from `Authorization: Bearer`, if any. */
  bearer?: string;
  remoteAddress?: string;
  /** The right needed; with a list, any one of them. */
  action: Action | readonly Action[];
  stream?: string;
}

/** Who was let in: a token's id, or `local` for a loopback client while no token exists. */
export type CallerId = string;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

function allows(row: TokenRow, action: Action | readonly Action[], stream: string | undefined): boolean {
  if (row.scope === "admin") return true;
  if (typeof action === "string" ? row.scope !== action : !action.includes(row.scope)) return false;
  return stream === undefined || globToRegExp(row.streamPattern).test(stream);
}

export class AccessControl {
  readonly #tokens: TokenStore;

  constructor(tokens: TokenStore) {
    this.#tokens = tokens;
  }

  /** True while no token exists: only loopback clients are let in. */
  get loopbackOnly(): boolean {
    return this.#tokens.countActive() === 0;
  }

  createToken(input: { name: string; scope: TokenScope; streamPattern?: string }): { token: string; row: TokenRow } {
    if (!TOKEN_SCOPES.includes(input.scope)) throw new PipewrightError("INVALID_REQUEST", `scope must be one of ${TOKEN_SCOPES.join(", ")}`);
    if (input.scope === "admin" && input.streamPattern !== undefined) {
      throw new PipewrightError("INVALID_REQUEST", "a stream pattern limits publish and play tokens; an admin token may do everything, so it takes none");
    }
    const token = `pw_${randomBytes(32).toString("base64url")}`;
    const row = this.#tokens.insert({ id: randomUUID(), name: input.name, scope: input.scope, streamPattern: input.streamPattern ?? "*", tokenHash: hashToken(token) });
    return { token, row };
  }

  listTokens(): TokenRow[] {
    return this.#tokens.list();
  }

  revokeToken(id: string): boolean {
    return this.#tokens.revoke(id);
  }

  /** Throws UNAUTHORIZED (401) or FORBIDDEN (403) unless the request may do `action`. */
  authorize(request: AccessRequest): CallerId {
    if (this.loopbackOnly) {
      if (isLoopback(request.remoteAddress)) return "local";
      throw new PipewrightError(
        "FORBIDDEN",
        "no API token is configured, so only clients on this machine (loopback) may use Pipewright; create one with `npm run token -- create --scope publish`",
      );
    }
    if (!request.bearer) throw new PipewrightError("UNAUTHORIZED", "an `Authorization: Bearer <token>` header is required");
    const hash = hashToken(request.bearer);
    const row = this.#tokens.byHash(hash);
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, "hex"), Buffer.from(hash, "hex"))) {
      throw new PipewrightError("UNAUTHORIZED", "the bearer token is not valid");
    }
    if (!allows(row, request.action, request.stream)) {
      const action = typeof request.action === "string" ? request.action : request.action.join(" or ");
      const what = request.stream ? `${action} stream ${request.stream}` : action;
      throw new PipewrightError("FORBIDDEN", `token "${row.name}" (${row.scope}, streams ${row.streamPattern}) may not ${what}`);
    }
    return row.id;
  }
}
