/**
 * The webhook outbox as the delivery loop sees it: which deliveries are due (with the URL,
 * secret and event they need), when the next one falls due, and the outcome of each attempt.
 * Every state change is a single-row update, so a restart resumes exactly where the rows say.
 */
import { and, asc, desc, eq, lte, min, notInArray } from "drizzle-orm";
import type { Db } from "./db.ts";
import type { EventRow } from "./events.ts";
import { eventLog, webhookDeliveries, webhooks } from "./schema.ts";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** A due delivery with what sending it takes; `event` is null if it was pruned. */
export interface DeliveryJob {
  id: number;
  attempts: number;
  url: string;
  secret: string;
  event: EventRow | null;
}

export interface AttemptOutcome {
  attempts: number;
  status: number | null;
  error: string | null;
}

export class DeliveryStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Pending deliveries due at `now`, oldest first, skipping those already being sent. */
  due(now: number, limit: number, busy: readonly number[]): DeliveryJob[] {
    const rows = this.#db
      .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts, url: webhooks.url, secret: webhooks.secret, event: eventLog })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .leftJoin(eventLog, eq(eventLog.id, webhookDeliveries.eventId))
      .where(and(this.#pending(busy), lte(webhookDeliveries.nextAttemptAt, now)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
      .limit(limit)
      .all();
    return rows;
  }

  /** When the earliest pending delivery not being sent falls due, if any is pending. */
  nextDueAt(busy: readonly number[]): number | undefined {
    const row = this.#db.select({ at: min(webhookDeliveries.nextAttemptAt) }).from(webhookDeliveries).where(this.#pending(busy)).get();
    return row?.at ?? undefined;
  }

  delivered(id: number, outcome: AttemptOutcome): void {
    this.#finish(id, "delivered", outcome);
  }

  failed(id: number, outcome: AttemptOutcome): void {
    this.#finish(id, "failed", outcome);
  }

  /** Records a failed attempt and when to try again. */
  retryAt(id: number, nextAttemptAt: number, outcome: AttemptOutcome): void {
    this.#db
      .update(webhookDeliveries)
      .set({ attempts: outcome.attempts, lastStatus: outcome.status, lastError: outcome.error, nextAttemptAt })
      .where(eq(webhookDeliveries.id, id))
      .run();
  }

  /** The newest deliveries of a webhook. */
  recent(webhookId: string, limit: number): DeliveryRow[] {
    return this.#db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(desc(webhookDeliveries.id)).limit(limit).all();
  }

  #pending(busy: readonly number[]) {
    const pending = eq(webhookDeliveries.state, "pending");
    return busy.length === 0 ? pending : and(pending, notInArray(webhookDeliveries.id, [...busy]));
  }

  #finish(id: number, state: "delivered" | "failed", outcome: AttemptOutcome): void {
    // A success keeps the error of the attempt before it: "delivered on the 2nd try, after a 500".
    const error = state === "failed" ? { lastError: outcome.error } : {};
    this.#db
      .update(webhookDeliveries)
      .set({ state, attempts: outcome.attempts, lastStatus: outcome.status, ...error, finishedAt: Date.now() })
      .where(eq(webhookDeliveries.id, id))
      .run();
  }
}
