/**
 * TURN servers that recently failed an allocation, remembered per worker. werift gives up on a
 * failing TURN server only after ~13 s (UDP retransmissions — a 401 for wrong credentials looks
 * like silence to it — then the same over TCP), and gathering waits for it: every negotiation
 * would stall that long, past OBS's 8 s WHIP timeout. So an endpoint gathers without a TURN
 * server that failed within the last `retryAfterMs`, and the endpoint reports that it did.
 */
import type { GatheringServer } from "../protocol.ts";

export function isTurnServer(server: GatheringServer): boolean {
  return /^turns?:/i.test(server.urls);
}

export class TurnHealth {
  readonly #failedAt = new Map<string, number>();
  readonly #retryAfterMs: number;

  constructor(retryAfterMs = 30_000) {
    this.#retryAfterMs = retryAfterMs;
  }

  /** `servers` without the TURN servers that failed recently, and those left out with their age and retry time. */
  usable(servers: readonly GatheringServer[], now = Date.now()): { servers: GatheringServer[]; skipped: Array<{ url: string; failedMsAgo: number; retryAfterMs: number }> } {
    const skipped: Array<{ url: string; failedMsAgo: number; retryAfterMs: number }> = [];
    const kept = servers.filter((server) => {
      const failedAt = this.#failedAt.get(server.urls);
      if (failedAt === undefined || !isTurnServer(server)) return true;
      if (now - failedAt >= this.#retryAfterMs) {
        this.#failedAt.delete(server.urls);
        return true;
      }
      skipped.push({ url: server.urls, failedMsAgo: now - failedAt, retryAfterMs: this.#retryAfterMs });
      return false;
    });
    return { servers: kept, skipped };
  }

  failed(url: string, now = Date.now()): void {
    this.#failedAt.set(url, now);
  }

  succeeded(url: string): void {
    this.#failedAt.delete(url);
  }
}
