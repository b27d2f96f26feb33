/**
 * Rows of WebRTC sessions — WHIP publishers and WHEP viewers — with their state and timestamps.
 * A closed session stays as history; `closeOpen` is what start-up and worker loss use to mark
 * sessions whose media is gone.
 */
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { type SessionState, webrtcSessions } from "./schema.ts";

export type SessionRow = typeof webrtcSessions.$inferSelect;
export type SessionRole = SessionRow["role"];

export interface StreamSummary {
  stream: string;
  publisherState: SessionState | null;
  viewers: number;
  codecs: Record<string, string>;
  since: number | null;
}

export class SessionStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(row: typeof webrtcSessions.$inferInsert): SessionRow {
    return this.#db.insert(webrtcSessions).values(row).returning().get();
  }

  get(id: string): SessionRow | undefined {
    return this.#db.select().from(webrtcSessions).where(eq(webrtcSessions.id, id)).get();
  }

  byElement(elementId: string): SessionRow | undefined {
    return this.#db.select().from(webrtcSessions).where(eq(webrtcSessions.elementId, elementId)).get();
  }

  /** Sessions not closed, optionally of one stream and role. */
  open(filter: { stream?: string; role?: SessionRole; pipelineIds?: string[] } = {}): SessionRow[] {
    const conditions = [ne(webrtcSessions.state, "closed")];
    if (filter.stream !== undefined) conditions.push(eq(webrtcSessions.stream, filter.stream));
    if (filter.role !== undefined) conditions.push(eq(webrtcSessions.role, filter.role));
    if (filter.pipelineIds !== undefined) conditions.push(inArray(webrtcSessions.pipelineId, filter.pipelineIds));
    return this.#db.select().from(webrtcSessions).where(and(...conditions)).orderBy(webrtcSessions.createdAt).all();
  }

  markConnected(id: string): SessionRow | undefined {
    return this.#db
      .update(webrtcSessions)
      .set({ state: "connected", connectedAt: Date.now() })
      .where(and(eq(webrtcSessions.id, id), eq(webrtcSessions.state, "connecting")))
      .returning()
      .get();
  }

  /** Marks the session closed; returns the row only if it was open. */
  markClosed(id: string, reason: string): SessionRow | undefined {
    return this.#db
      .update(webrtcSessions)
      .set({ state: "closed", closedAt: Date.now(), closeReason: reason })
      .where(and(eq(webrtcSessions.id, id), ne(webrtcSessions.state, "closed")))
      .returning()
      .get();
  }

  /** Closes every open session (start-up after a crash: their media is gone). */
  closeAllOpen(reason: string): number {
    return this.#db
      .update(webrtcSessions)
      .set({ state: "closed", closedAt: Date.now(), closeReason: reason })
      .where(ne(webrtcSessions.state, "closed"))
      .run().changes;
  }

  setCodecs(id: string, codecs: Record<string, string>): void {
    this.#db.update(webrtcSessions).set({ codecs }).where(eq(webrtcSessions.id, id)).run();
  }

  /** Deletes a session row (only for sessions that never produced an answer). */
  delete(id: string): void {
    this.#db.delete(webrtcSessions).where(eq(webrtcSessions.id, id)).run();
  }

  /** Live streams: those with an open publisher, with their open viewer counts. */
  liveStreams(): StreamSummary[] {
    const rows = this.#db.$client
      .prepare(
        `select p.stream as stream, p.state as publisherState, p.codecs as codecs, p.created_at as since,
                (select count(*) from webrtc_sessions v where v.stream = p.stream and v.role = 'viewer' and v.state != 'closed') as viewers
           from webrtc_sessions p
          where p.role = 'publisher' and p.state != 'closed'
          order by p.stream`,
      )
      .all() as Array<{ stream: string; publisherState: SessionState; codecs: string; since: number; viewers: number }>;
    return rows.map((row) => ({ ...row, codecs: JSON.parse(row.codecs) as Record<string, string> }));
  }

  countOpen(): number {
    return this.#db.select({ count: sql<number>`count(*)` }).from(webrtcSessions).where(ne(webrtcSessions.state, "closed")).get()!.count;
  }
}
