/**
 * API token rows. Only the SHA-256 of a token is stored (tokens carry 256 random bits, so a slow
 * hash adds nothing — notes/reliability.md §4); the plaintext is shown once, at creation.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { apiTokens } from "./schema.ts";

export type TokenRow = typeof apiTokens.$inferSelect;

export class TokenStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(row: typeof apiTokens.$inferInsert): TokenRow {
    return this.#db.insert(apiTokens).values(row).returning().get();
  }

  byHash(tokenHash: string): TokenRow | undefined {
    return this.#db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
      .get();
  }

  list(): TokenRow[] {
    return this.#db.select().from(apiTokens).orderBy(apiTokens.createdAt).all();
  }

  revoke(id: string): boolean {
    return this.#db.update(apiTokens).set({ revokedAt: Date.now() }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).run().changes > 0;
  }

  countActive(): number {
    return this.#db.select({ count: sql<number>`count(*)` }).from(apiTokens).where(isNull(apiTokens.revokedAt)).get()!.count;
  }
}
