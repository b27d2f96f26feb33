/**
 * Rows of the event log and the webhook outbox entries each event creates. Appending is one
 * transaction per batch: the events get their ids and, in the same commit, every webhook
 * subscribed to an event's type gets a pending delivery — a crash can lose an unwritten batch
 * but never leave an event logged and not queued. Pruning keeps the newest events and any
 * event a pending delivery still needs.
 */
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { eventLog } from "./schema.ts";

export type EventRow = typeof eventLog.$inferSelect;
export type NewEvent = Omit<EventRow, "id">;

export interface EventQuery {
  /** Only events with a greater id. */
  after: number;
  pipelineId?: string;
  types?: readonly string[];
  limit: number;
}

const INSERT_CHUNK = 1000;

export class EventStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Writes the batch and its outbox rows in one transaction; returns the rows with their ids. */
  append(batch: readonly NewEvent[], now = Date.now()): EventRow[] {
    return this.#db.transaction((tx) => {
      const rows: EventRow[] = [];
      // Chunked: one INSERT may bind at most 32766 values (SQLITE_MAX_VARIABLE_NUMBER).
      for (let start = 0; start < batch.length; start += INSERT_CHUNK) {
        rows.push(...tx.insert(eventLog).values(batch.slice(start, start + INSERT_CHUNK)).returning().all());
      }
      if (rows.length === 0) return rows;
      tx.run(sql`insert into webhook_deliveries (webhook_id, event_id, state, attempts, next_attempt_at)
                 select w.id, e.id, 'pending', 0, ${now} from events e join webhooks w
                     on w.event_types = '[]' or exists (select 1 from json_each(w.event_types) where value = e.type)
                  where e.id between ${rows[0].id} and ${rows[rows.length - 1].id}
                  order by e.id`);
      return rows;
    });
  }

  /** Events after `query.after`, oldest first, filtered by pipeline and types. */
  page(query: EventQuery): EventRow[] {
    const conditions = [gt(eventLog.id, query.after)];
    if (query.pipelineId !== undefined) conditions.push(eq(eventLog.pipelineId, query.pipelineId));
    if (query.types !== undefined && query.types.length > 0) conditions.push(inArray(eventLog.type, [...query.types]));
    return this.#db.select().from(eventLog).where(and(...conditions)).orderBy(asc(eventLog.id)).limit(query.limit).all();
  }

  /** The highest id ever given out (0 for a new log), even if that event was pruned. */
  lastId(): number {
    const row = this.#db.$client.prepare("select seq from sqlite_sequence where name = 'events'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  count(): number {
    return this.#db.select({ count: sql<number>`count(*)` }).from(eventLog).get()!.count;
  }

  /**
   * Deletes events with id ≤ `throughId` that no pending delivery needs, and the finished
   * deliveries of those events (delivery history is bounded by the same retention).
   */
  prune(throughId: number): number {
    return this.#db.transaction((tx) => {
      tx.run(sql`delete from webhook_deliveries where event_id <= ${throughId} and state != 'pending'`);
      return tx
        .delete(eventLog)
        .where(and(lte(eventLog.id, throughId), sql`${eventLog.id} not in (select event_id from webhook_deliveries where state = 'pending')`))
        .run().changes;
    });
  }
}
