/**
 * Rows of the Kurento object model: MediaPipelines, their MediaElements and the connections
 * between elements. Plain reads and writes; the rules (which connections are allowed, what a
 * release cascades to) live in domain/pipelines.ts.
 */
import { and, eq, isNull, or } from "drizzle-orm";
import type { Db } from "./db.ts";
import { elementConnections, mediaElements, mediaPipelines } from "./schema.ts";

export type PipelineRow = typeof mediaPipelines.$inferSelect;
export type ElementRow = typeof mediaElements.$inferSelect;
export type ConnectionRow = typeof elementConnections.$inferSelect;
export type MediaTypeName = NonNullable<ConnectionRow["mediaType"]>;

export class PipelineStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insertPipeline(row: typeof mediaPipelines.$inferInsert): PipelineRow {
    return this.#db.insert(mediaPipelines).values(row).returning().get();
  }

  getPipeline(id: string): PipelineRow | undefined {
    return this.#db.select().from(mediaPipelines).where(eq(mediaPipelines.id, id)).get();
  }

  findStreamPipeline(name: string): PipelineRow | undefined {
    return this.#db
      .select()
      .from(mediaPipelines)
      .where(and(eq(mediaPipelines.origin, "stream"), eq(mediaPipelines.name, name)))
      .get();
  }

  listPipelines(origin?: PipelineRow["origin"]): PipelineRow[] {
    const query = this.#db.select().from(mediaPipelines);
    return (origin ? query.where(eq(mediaPipelines.origin, origin)) : query).orderBy(mediaPipelines.createdAt, mediaPipelines.id).all();
  }

  updatePipeline(id: string, patch: Partial<Pick<PipelineRow, "name" | "tags" | "properties">>): PipelineRow {
    return this.#db.update(mediaPipelines).set(patch).where(eq(mediaPipelines.id, id)).returning().get();
  }

  /** Deletes the pipeline; elements and connections go with it (ON DELETE CASCADE). */
  deletePipeline(id: string): void {
    this.#db.delete(mediaPipelines).where(eq(mediaPipelines.id, id)).run();
  }

  insertElement(row: typeof mediaElements.$inferInsert): ElementRow {
    return this.#db.insert(mediaElements).values(row).returning().get();
  }

  getElement(id: string): ElementRow | undefined {
    return this.#db.select().from(mediaElements).where(eq(mediaElements.id, id)).get();
  }

  listElements(pipelineId: string): ElementRow[] {
    return this.#db.select().from(mediaElements).where(eq(mediaElements.pipelineId, pipelineId)).orderBy(mediaElements.createdAt, mediaElements.id).all();
  }

  /** Merges `patch` into the element's properties. */
  updateElementProperties(id: string, patch: Record<string, unknown>): void {
    const element = this.getElement(id);
    if (!element) return;
    this.#db
      .update(mediaElements)
      .set({ properties: { ...element.properties, ...patch } })
      .where(eq(mediaElements.id, id))
      .run();
  }

  updateElementState(id: string, state: ElementRow["state"]): void {
    this.#db.update(mediaElements).set({ state }).where(eq(mediaElements.id, id)).run();
  }

  updateMediaFlow(id: string, direction: "in" | "out", mediaType: string, state: "FLOWING" | "NOT_FLOWING"): void {
    const element = this.getElement(id);
    if (!element) return;
    const flow = { in: { ...element.mediaFlow.in }, out: { ...element.mediaFlow.out } };
    flow[direction][mediaType] = state;
    this.#db.update(mediaElements).set({ mediaFlow: flow }).where(eq(mediaElements.id, id)).run();
  }

  deleteElement(id: string): void {
    this.#db.delete(mediaElements).where(eq(mediaElements.id, id)).run();
  }

  insertConnection(row: typeof elementConnections.$inferInsert): ConnectionRow {
    return this.#db.insert(elementConnections).values(row).returning().get();
  }

  /** Connections feeding `sinkId` that a new connection of `mediaType` replaces. */
  connectionsIntoSink(sinkId: string, mediaType: MediaTypeName | null): ConnectionRow[] {
    const sameType = mediaType === null ? undefined : or(isNull(elementConnections.mediaType), eq(elementConnections.mediaType, mediaType));
    return this.#db
      .select()
      .from(elementConnections)
      .where(sameType ? and(eq(elementConnections.sinkId, sinkId), sameType) : eq(elementConnections.sinkId, sinkId))
      .all();
  }

  connectionsFromSource(sourceId: string): ConnectionRow[] {
    return this.#db.select().from(elementConnections).where(eq(elementConnections.sourceId, sourceId)).all();
  }

  listConnections(pipelineId: string): ConnectionRow[] {
    return this.#db.select().from(elementConnections).where(eq(elementConnections.pipelineId, pipelineId)).all();
  }

  deleteConnection(id: number): void {
    this.#db.delete(elementConnections).where(eq(elementConnections.id, id)).run();
  }

  /** Runs `work` in one immediate transaction (synchronous work only). */
  transaction<T>(work: () => T): T {
    return this.#db.$client.transaction(work).immediate();
  }
}
