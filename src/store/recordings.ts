/**
 * Rows of recordings and of record-on-publish rules. Plain reads and writes; what a recording's
 * state may become, and when, is decided in domain/recordings.ts.
 */
import { and, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import { type RecordingState, recordings, streamRecordingRules } from "./schema.ts";

export type RecordingRow = typeof recordings.$inferSelect;
export type RecordingRuleRow = typeof streamRecordingRules.$inferSelect;

export interface RecordingQuery {
  stream?: string;
  pipelineId?: string;
  state?: RecordingState;
  limit: number;
  /** Id of the last recording of the previous page (newest first). */
  after?: string;
}

export class RecordingStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(row: typeof recordings.$inferInsert): RecordingRow {
    return this.#db.insert(recordings).values(row).returning().get();
  }

  get(id: string): RecordingRow | undefined {
    return this.#db.select().from(recordings).where(eq(recordings.id, id)).get();
  }

  update(id: string, patch: Partial<Omit<RecordingRow, "id">>): RecordingRow | undefined {
    return this.#db.update(recordings).set(patch).where(eq(recordings.id, id)).returning().get();
  }

  delete(id: string): void {
    this.#db.delete(recordings).where(eq(recordings.id, id)).run();
  }

  /** Newest first. */
  list(query: RecordingQuery): RecordingRow[] {
    const conditions: SQL[] = [];
    if (query.stream !== undefined) conditions.push(eq(recordings.stream, query.stream));
    if (query.pipelineId !== undefined) conditions.push(eq(recordings.pipelineId, query.pipelineId));
    if (query.state !== undefined) conditions.push(eq(recordings.state, query.state));
    if (query.after !== undefined) {
      const last = this.get(query.after);
      if (last) conditions.push(or(lt(recordings.createdAt, last.createdAt), and(eq(recordings.createdAt, last.createdAt), lt(recordings.id, last.id)))!);
    }
    return this.#db
      .select()
      .from(recordings)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(recordings.createdAt), desc(recordings.id))
      .limit(query.limit)
      .all();
  }

  inState(state: RecordingState, pipelineIds?: string[]): RecordingRow[] {
    const byState = eq(recordings.state, state);
    return this.#db
      .select()
      .from(recordings)
      .where(pipelineIds ? and(byState, inArray(recordings.pipelineId, pipelineIds)) : byState)
      .all();
  }

  byFile(file: string): RecordingRow[] {
    return this.#db.select().from(recordings).where(eq(recordings.file, file)).all();
  }

  rules(): RecordingRuleRow[] {
    return this.#db.select().from(streamRecordingRules).orderBy(streamRecordingRules.stream).all();
  }

  rule(stream: string): RecordingRuleRow | undefined {
    return this.#db.select().from(streamRecordingRules).where(eq(streamRecordingRules.stream, stream)).get();
  }

  putRule(stream: string, profile: string): RecordingRuleRow {
    return this.#db
      .insert(streamRecordingRules)
      .values({ stream, profile })
      .onConflictDoUpdate({ target: streamRecordingRules.stream, set: { profile } })
      .returning()
      .get();
  }

  deleteRule(stream: string): boolean {
    return this.#db.delete(streamRecordingRules).where(eq(streamRecordingRules.stream, stream)).run().changes > 0;
  }
}
