/**
 * Kurento's object ids over the domain's: a pipeline is `<uuid>_kurento.MediaPipeline`, an
 * element `<pipeline id>/<uuid>_kurento.<Type>` (notes/kurento-protocol.md §1.6), and the
 * ServerManager is the fixed `manager_ServerManager`. The JS client relies on the prefix form
 * (releasing a pipeline drops every cached id that starts with it). Domain ids are the uuids.
 */
import type { PipelineService } from "../domain/pipelines.ts";

export const SERVER_MANAGER_ID = "manager_ServerManager";

const PIPELINE_SUFFIX = "_kurento.MediaPipeline";
const TYPED_ID = /^([0-9a-f-]{36})_kurento\.([A-Za-z]+)$/;

export class KurentoIds {
  readonly #pipelines: PipelineService;

  constructor(pipelines: PipelineService) {
    this.#pipelines = pipelines;
  }

  /** Kurento id of a stored pipeline or element (by domain id). */
  toKurento(domainId: string): string {
    const type = this.#pipelines.resolveType(domainId);
    if (type === "MediaPipeline") return `${domainId}${PIPELINE_SUFFIX}`;
    if (type === undefined) return domainId;
    const element = this.#pipelines.getElement(domainId);
    return `${element.pipelineId}${PIPELINE_SUFFIX}/${domainId}_kurento.${element.type}`;
  }

  /**
   * Domain id for a Kurento id, or undefined when it does not name a stored object of the type
   * the id claims (an element id under the wrong pipeline is not found either).
   */
  fromKurento(kurentoId: string): string | undefined {
    if (typeof kurentoId !== "string") return undefined;
    const parts = kurentoId.split("/");
    if (parts.length > 2) return undefined;
    const last = TYPED_ID.exec(parts[parts.length - 1]);
    if (!last) return undefined;
    const [, uuid, type] = last;
    if (this.#pipelines.resolveType(uuid) !== type) return undefined;
    if (parts.length === 2) {
      const pipeline = TYPED_ID.exec(parts[0]);
      if (!pipeline || pipeline[2] !== "MediaPipeline" || this.#pipelines.getElement(uuid).pipelineId !== pipeline[1]) return undefined;
    } else if (type !== "MediaPipeline") {
      return undefined;
    }
    return uuid;
  }
}
