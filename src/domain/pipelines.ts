/**
 * PipelineService: the one place the rules of pipelines live — creating and releasing
 * MediaPipelines and their elements (types and constructor parameters checked against Kurento's
 * kmd definitions), connecting them (same pipeline only; a sink takes one source per media
 * type, a new connect replacing the old, as in Kurento; an element may feed itself — the
 * loopback tutorial) and routing inside hubs. Intent is written to SQLite first, then the media
 * worker is commanded; a refused command undoes the row. REST, WHIP/WHEP and the Kurento
 * protocol all come through here, so a release announces itself to whatever rides on the
 * released objects (a WHIP/WHEP session) whichever face asked for it.
 */
import { randomUUID } from "node:crypto";
import type { ElementStats, KurentoMediaType } from "../media/protocol.ts";
import type { ConnectionRow, ElementRow, MediaTypeName, PipelineRow, PipelineStore } from "../store/pipelines.ts";
import type { KmdCatalogue } from "./catalogue/kmd.ts";
import { checkConstructorParams, creatableClass } from "./catalogue/support.ts";
import { PipewrightError } from "./errors.ts";
import type { DomainEventBus } from "./events.ts";
import { decodeCursor, encodeCursor, isAfter } from "./page-cursor.ts";
import { createParams, type PipelineMedia } from "./pipeline-media.ts";
import type { ElementPreparation } from "./uri-endpoints.ts";

const MEDIA_TYPES: readonly MediaTypeName[] = ["AUDIO", "VIDEO", "DATA"];
const HUB_TYPES = new Set(["Dispatcher", "DispatcherOneToMany"]);

export interface PipelineFilter {
  origin?: PipelineRow["origin"];
  name?: string;
  tag?: { key: string; value?: string };
  limit: number;
  /** The `next` cursor of the previous page (see page-cursor.ts). */
  after?: string;
}

/** What a release takes away: a whole pipeline, or one element of it. */
export interface Released {
  pipelineId: string;
  /** The whole pipeline goes (else only `elementIds`). */
  pipeline: boolean;
  elementIds: string[];
}

export class PipelineService {
  readonly #store: PipelineStore;
  readonly #media: PipelineMedia;
  readonly #events: DomainEventBus;
  readonly #preparation: ElementPreparation | undefined;
  readonly #releaseListeners: Array<(released: Released) => void> = [];
  readonly catalogue: KmdCatalogue;

  constructor(store: PipelineStore, media: PipelineMedia, events: DomainEventBus, catalogue: KmdCatalogue, preparation?: ElementPreparation) {
    this.#store = store;
    this.#media = media;
    this.#events = events;
    this.catalogue = catalogue;
    this.#preparation = preparation;
  }

  get media(): PipelineMedia {
    return this.#media;
  }

  createPipeline(input: { origin: PipelineRow["origin"]; name?: string | null; tags?: PipelineRow["tags"] }): PipelineRow {
    const row = this.#store.insertPipeline({ id: randomUUID(), origin: input.origin, name: input.name ?? null, tags: input.tags ?? [] });
    this.#events.publish("pipeline.created", { pipelineId: row.id, objectId: row.id }, { origin: row.origin, name: row.name });
    return row;
  }

  /** `listener` runs just before released rows are deleted (synchronously, rows still readable). */
  onRelease(listener: (released: Released) => void): void {
    this.#releaseListeners.push(listener);
  }

  #announceRelease(released: Released): void {
    for (const listener of this.#releaseListeners) listener(released);
  }

  getPipeline(id: string): PipelineRow {
    const row = this.#store.getPipeline(id);
    if (!row) throw new PipewrightError("NOT_FOUND", `no MediaPipeline ${id}`);
    return row;
  }

  listPipelines(filter: PipelineFilter): { items: PipelineRow[]; next: string | null } {
    const rows = this.#store.listPipelines(filter.origin).filter(
      (row) =>
        (filter.name === undefined || row.name === filter.name) &&
        (filter.tag === undefined || row.tags.some((tag) => tag.key === filter.tag!.key && (filter.tag!.value === undefined || tag.value === filter.tag!.value))),
    );
    const position = filter.after === undefined ? undefined : decodeCursor(filter.after);
    const rest = position === undefined ? rows : rows.filter((row) => isAfter(row, position));
    const items = rest.slice(0, filter.limit);
    return { items, next: rest.length > filter.limit ? encodeCursor(items[items.length - 1]) : null };
  }

  renamePipeline(id: string, name: string): PipelineRow {
    const pipeline = this.getPipeline(id);
    if (pipeline.origin === "stream") throw new PipewrightError("INVALID_STATE", `pipeline ${id} carries stream ${pipeline.name}; its name is the stream's`);
    return this.#store.updatePipeline(id, { name });
  }

  setPipelineProperties(id: string, patch: Record<string, unknown>): PipelineRow {
    const pipeline = this.getPipeline(id);
    return this.#store.updatePipeline(id, { properties: { ...pipeline.properties, ...patch } });
  }

  setPipelineTags(id: string, tags: PipelineRow["tags"]): PipelineRow {
    this.getPipeline(id);
    return this.#store.updatePipeline(id, { tags });
  }

  /** Releases the pipeline, its elements and their media. Idempotent. */
  async releasePipeline(id: string): Promise<void> {
    if (!this.#store.getPipeline(id)) return;
    const elements = this.#store.listElements(id);
    this.#announceRelease({ pipelineId: id, pipeline: true, elementIds: elements.map((element) => element.id) });
    this.#store.deletePipeline(id);
    await this.#media.requestIfLive(id, "pipeline.release", { pipelineId: id });
    this.#media.forget(id);
    for (const element of elements) this.#events.publish("element.released", { pipelineId: id, objectId: element.id }, { type: element.type });
    this.#events.publish("pipeline.released", { pipelineId: id, objectId: id }, {});
  }

  /** Kurento's `release`: a pipeline with everything in it, or one element. Idempotent. */
  async releaseObject(id: string): Promise<void> {
    if (this.resolveType(id) === "MediaPipeline") await this.releasePipeline(id);
    else await this.releaseElement(id);
  }

  /** Drops the rows of a pipeline whose media is already gone (a stream whose worker died). */
  forgetPipeline(id: string): void {
    this.#store.deletePipeline(id);
    this.#media.forget(id);
    this.#events.publish("pipeline.released", { pipelineId: id, objectId: id }, {});
  }

  /** The Kurento type of a stored object, for reference checks; undefined when unknown. */
  readonly resolveType = (id: string): string | undefined => (this.#store.getPipeline(id) ? "MediaPipeline" : this.#store.getElement(id)?.type);

  async createElement(pipelineId: string, type: string, params: Record<string, unknown> = {}, properties: Record<string, unknown> = {}): Promise<ElementRow> {
    this.getPipeline(pipelineId);
    const cls = creatableClass(this.catalogue, type);
    if (cls.name === "MediaPipeline") throw new PipewrightError("INVALID_REQUEST", "a MediaPipeline is not an element: create it as a pipeline");
    const withPipeline = cls.constructorParams.some((param) => param.name === "mediaPipeline") ? { mediaPipeline: pipelineId, ...params } : params;
    const constructorParams = checkConstructorParams(this.catalogue, cls, withPipeline, this.resolveType);
    if (constructorParams.mediaPipeline !== undefined && constructorParams.mediaPipeline !== pipelineId) {
      throw new PipewrightError("INVALID_REQUEST", `mediaPipeline ${String(constructorParams.mediaPipeline)} is not the pipeline ${pipelineId}`);
    }
    if (cls.name === "HubPort") this.#checkHub(pipelineId, String(constructorParams.hub));
    const prepared = (await this.#preparation?.beforeCreate(cls.name, constructorParams)) ?? {};
    await this.#media.ensure(pipelineId);
    const row = this.#store.insertElement({ id: randomUUID(), pipelineId, type: cls.name, constructorParams, properties: { ...properties, ...prepared } });
    try {
      await this.#media.request(pipelineId, "element.create", createParams(row));
      const learnt = (await this.#preparation?.afterCreate(this.#media, row)) ?? {};
      if (Object.keys(learnt).length > 0) this.#store.updateElementProperties(row.id, learnt);
    } catch (error) {
      this.#store.deleteElement(row.id);
      await this.#media.requestIfLive(pipelineId, "element.release", { elementId: row.id });
      throw error;
    }
    this.#events.publish("element.created", { pipelineId, objectId: row.id }, { type: row.type });
    return row;
  }

  #checkHub(pipelineId: string, hubId: string): void {
    const hub = this.#store.getElement(hubId);
    if (!hub || !HUB_TYPES.has(hub.type)) throw new PipewrightError("INVALID_REQUEST", `'hub' must be a Dispatcher or DispatcherOneToMany, ${hubId} is not`);
    if (hub.pipelineId !== pipelineId) throw new PipewrightError("CONNECT_ERROR", `hub ${hubId} belongs to another pipeline`);
  }

  getElement(id: string, pipelineId?: string): ElementRow {
    const row = this.#store.getElement(id);
    if (!row || (pipelineId !== undefined && row.pipelineId !== pipelineId)) throw new PipewrightError("NOT_FOUND", `no MediaElement ${id}${pipelineId ? ` in pipeline ${pipelineId}` : ""}`);
    return row;
  }

  listElements(pipelineId: string): ElementRow[] {
    return this.#store.listElements(pipelineId);
  }

  updateProperties(elementId: string, patch: Record<string, unknown>): void {
    this.#store.updateElementProperties(elementId, patch);
  }

  setElementState(elementId: string, state: ElementRow["state"]): void {
    this.#store.updateElementState(elementId, state);
  }

  /** Releases an element (and a hub's ports) with its connections. Idempotent. */
  async releaseElement(elementId: string): Promise<void> {
    const element = this.#store.getElement(elementId);
    if (!element) return;
    if (HUB_TYPES.has(element.type)) {
      for (const port of this.#store.listElements(element.pipelineId).filter((row) => row.constructorParams.hub === elementId)) await this.releaseElement(port.id);
    }
    this.#announceRelease({ pipelineId: element.pipelineId, pipeline: false, elementIds: [elementId] });
    this.#store.deleteElement(elementId);
    await this.#media.requestIfLive(element.pipelineId, "element.release", { elementId });
    this.#events.publish("element.released", { pipelineId: element.pipelineId, objectId: elementId }, { type: element.type });
  }

  /** `source.connect(sink, mediaType)`; replaces whatever fed the sink for those media types. */
  async connect(sourceId: string, sinkId: string, mediaType: MediaTypeName | null = null, descriptions: { source?: string; sink?: string } = {}): Promise<ConnectionRow> {
    const source = this.getElement(sourceId);
    const sink = this.getElement(sinkId);
    for (const element of [source, sink]) {
      if (HUB_TYPES.has(element.type)) throw new PipewrightError("CONNECT_ERROR", `${element.type} ${element.id} has no media pads; connect its HubPorts`);
    }
    if (source.pipelineId !== sink.pipelineId) throw new PipewrightError("CONNECT_ERROR", `${sourceId} and ${sinkId} belong to different pipelines`);
    await this.#media.ensure(sink.pipelineId);
    const row = this.#store.transaction(() => {
      for (const old of this.#store.connectionsIntoSink(sinkId, mediaType)) this.#removeConnectionRow(old, mediaType);
      return this.#store.insertConnection({
        pipelineId: sink.pipelineId,
        sourceId,
        sinkId,
        mediaType,
        sourceDescription: descriptions.source ?? "default",
        sinkDescription: descriptions.sink ?? "default",
      });
    });
    await this.#media.request(sink.pipelineId, "element.connect", { sourceId, sinkId, mediaType: (mediaType ?? undefined) as KurentoMediaType | undefined });
    this.#events.publish("element.connected", { pipelineId: sink.pipelineId, objectId: sourceId }, { source: sourceId, sink: sinkId, mediaType });
    return row;
  }

  /** `source.disconnect(sink, mediaType)`: removes what `source` sends `sink` of that type (or all). */
  async disconnect(sourceId: string, sinkId: string, mediaType: MediaTypeName | null = null): Promise<number> {
    const sink = this.getElement(sinkId);
    const removed = this.#store.transaction(() => {
      let count = 0;
      for (const old of this.#store.connectionsIntoSink(sinkId, mediaType)) {
        if (old.sourceId !== sourceId) continue;
        this.#removeConnectionRow(old, mediaType);
        count++;
      }
      return count;
    });
    if (removed === 0) return 0;
    await this.#media.requestIfLive(sink.pipelineId, "element.disconnect", { sourceId, sinkId, mediaType: (mediaType ?? undefined) as KurentoMediaType | undefined });
    this.#events.publish("element.disconnected", { pipelineId: sink.pipelineId, objectId: sourceId }, { source: sourceId, sink: sinkId, mediaType });
    return removed;
  }

  /** Deletes a connection row; an all-media connection narrowed by `mediaType` keeps its other types. */
  #removeConnectionRow(old: ConnectionRow, mediaType: MediaTypeName | null): void {
    this.#store.deleteConnection(old.id);
    if (old.mediaType !== null || mediaType === null) return;
    for (const kept of MEDIA_TYPES.filter((type) => type !== mediaType)) {
      this.#store.insertConnection({ pipelineId: old.pipelineId, sourceId: old.sourceId, sinkId: old.sinkId, mediaType: kept, sourceDescription: old.sourceDescription, sinkDescription: old.sinkDescription });
    }
  }

  getConnection(pipelineId: string, id: number): ConnectionRow {
    const row = this.#store.listConnections(pipelineId).find((connection) => connection.id === id);
    if (!row) throw new PipewrightError("NOT_FOUND", `no connection ${id} in pipeline ${pipelineId}`);
    return row;
  }

  connections(pipelineId: string): ConnectionRow[] {
    return this.#store.listConnections(pipelineId);
  }

  /** Kurento getSourceConnections: what feeds the element. */
  sourceConnections(elementId: string, mediaType?: MediaTypeName): ConnectionRow[] {
    return this.#store.connectionsIntoSink(elementId, null).filter((row) => mediaType === undefined || row.mediaType === null || row.mediaType === mediaType);
  }

  /** Kurento getSinkConnections: what the element feeds. */
  sinkConnections(elementId: string, mediaType?: MediaTypeName): ConnectionRow[] {
    return this.#store.connectionsFromSource(elementId).filter((row) => mediaType === undefined || row.mediaType === null || row.mediaType === mediaType);
  }

  /** The worker's counters for an element (packets in, out and forwarded; RTP streams of an endpoint). */
  async elementStats(elementId: string): Promise<ElementStats> {
    const element = this.getElement(elementId);
    return this.#media.request(element.pipelineId, "element.stats", { elementId });
  }

  /** Marks every element of the pipelines as having lost its media (worker death, restart). */
  markMediaLost(pipelineIds: string[], reason: string): void {
    for (const pipelineId of pipelineIds) {
      for (const element of this.#store.listElements(pipelineId)) {
        this.#store.updateElementState(element.id, "media-lost");
        // A RecorderEndpoint or PlayerEndpoint comes back stopped.
        if (element.properties.state !== undefined) this.#store.updateElementProperties(element.id, { state: "STOP" });
        this.#events.publish("element.mediaLost", { pipelineId, objectId: element.id }, { type: element.type, reason });
      }
    }
  }
}
