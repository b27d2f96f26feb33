/**
 * ICE servers as they are handed out — to clients (WHIP/WHEP `Link` headers, `GET
 * /v1/ice-servers`, the built-in pages) and to the media workers for their own gathering —
 * with fresh credentials minted from a TURN REST secret at each call and static ones passed
 * through. Each call mints anew, so what a client receives is valid for the configured ttl
 * from the moment it asked.
 */
import { serverUrls } from "../config/ice-uri.ts";
import type { IceServer } from "../config/schema.ts";
import { turnRestCredential } from "./turn-credentials.ts";

/** An RTCIceServer (W3C WebRTC §4.2.1) with its URLs as a list. */
export interface IssuedIceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IssuedIceServers {
  iceServers: IssuedIceServer[];
  /** When the first minted credential expires (ms since the epoch); null when none was minted. */
  expiresAt: number | null;
}

const DEFAULT_TTL_SECONDS = 86_400;

/** `servers` with credentials for `callerId` (a token id: it shows in the TURN server's log). */
export function issueIceServers(servers: readonly IceServer[], callerId: string, now = Date.now()): IssuedIceServers {
  let expiresAt: number | null = null;
  const iceServers = servers.map((server): IssuedIceServer => {
    const urls = serverUrls(server);
    if (server.secret !== undefined) {
      const minted = turnRestCredential(server.secret, callerId, server.ttl ?? DEFAULT_TTL_SECONDS, now);
      expiresAt = Math.min(expiresAt ?? Infinity, minted.expiresAt);
      return { urls, username: minted.username, credential: minted.credential };
    }
    return server.username !== undefined ? { urls, username: server.username, credential: server.credential } : { urls };
  });
  return { iceServers, expiresAt };
}
