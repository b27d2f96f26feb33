/**
 * Time-limited TURN credentials from a shared secret, the "TURN REST API" scheme
 * (draft-uberti-behave-turn-rest-00 §2.2) that coturn implements as `use-auth-secret` with
 * `static-auth-secret`: the username is `<expiry as Unix seconds>:<user id>` and the password is
 * base64(HMAC-SHA1(secret, username)). The TURN server recomputes the password from the
 * username and refuses it once the expiry has passed, so Pipewright never stores per-client
 * credentials and a leaked one stops working by itself.
 */
import { createHmac } from "node:crypto";

export interface TurnCredential {
  username: string;
  credential: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Credentials valid for `ttlSeconds` from `now`. `userId` is whatever helps reading the TURN
 * server's log (a token id); everything after the first `:` is opaque to coturn.
 */
export function turnRestCredential(secret: string, userId: string, ttlSeconds: number, now = Date.now()): TurnCredential {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${userId}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt: expiry * 1000 };
}
