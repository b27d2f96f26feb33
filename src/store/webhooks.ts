/**
 * Rows of registered webhooks, with per-webhook delivery counts for the API. Deleting a
 * webhook deletes its outbox rows too (foreign key cascade): nothing is sent to a URL after
 * its registration is gone.
 */
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { type DeliveryState, webhookDeliveries, webhooks } from "./schema.ts";

export type WebhookRow = typeof webhooks.$inferSelect;

export interface DeliveryStats {
  pending: number;
  delivered: number;
  failed: number;
  /** When the last successful delivery finished (ms since the epoch). */
  lastDeliveredAt: number | null;
  /** Status or error of the newest attempt that did not succeed. */
  lastError: string | null;
}

export class WebhookStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(row: typeof webhooks.$inferInsert): WebhookRow {
    return this.#db.insert(webhooks).values(row).returning().get();
  }

  list(): WebhookRow[] {
    return this.#db.select().from(webhooks).orderBy(webhooks.createdAt, webhooks.id).all();
  }

  get(id: string): WebhookRow | undefined {
    return this.#db.select().from(webhooks).where(eq(webhooks.id, id)).get();
  }

  /** Deletes the webhook and its deliveries; false when there was none. */
  delete(id: string): boolean {
    return this.#db.delete(webhooks).where(eq(webhooks.id, id)).run().changes > 0;
  }

  stats(id: string): DeliveryStats {
    const counts = this.#db
      .select({ state: webhookDeliveries.state, count: sql<number>`count(*)` })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, id))
      .groupBy(webhookDeliveries.state)
      .all();
    const byState = Object.fromEntries(counts.map((row) => [row.state, row.count])) as Partial<Record<DeliveryState, number>>;
    const lastDelivered = this.#db
      .select({ at: sql<number | null>`max(${webhookDeliveries.finishedAt})` })
      .from(webhookDeliveries)
      .where(sql`${webhookDeliveries.webhookId} = ${id} and ${webhookDeliveries.state} = 'delivered'`)
      .get();
    const lastError = this.#db
      .select({ error: webhookDeliveries.lastError })
      .from(webhookDeliveries)
      .where(sql`${webhookDeliveries.webhookId} = ${id} and ${webhookDeliveries.lastError} is not null`)
      .orderBy(desc(webhookDeliveries.id))
      .limit(1)
      .get();
    return {
      pending: byState.pending ?? 0,
      delivered: byState.delivered ?? 0,
      failed: byState.failed ?? 0,
      lastDeliveredAt: lastDelivered?.at ?? null,
      lastError: lastError?.error ?? null,
    };
  }
}
