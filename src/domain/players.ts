/**
 * PlayerEndpoint operations (Kurento's play, pause, stop and the `position` property, which
 * seeks when set) as commands to the worker playing the file. The file's VideoInfo and codecs
 * were read when the player was created (uri-endpoints.ts) — or at the first play, for a source
 * that could not be read then; its state follows the worker's UriEndpointStateChanged reports.
 */
import type { ElementRow } from "../store/pipelines.ts";
import { PipewrightError } from "./errors.ts";
import type { PipelineService } from "./pipelines.ts";
import { playerProperties } from "./uri-endpoints.ts";

export class PlayerService {
  readonly #pipelines: PipelineService;

  constructor(pipelines: PipelineService) {
    this.#pipelines = pipelines;
  }

  #player(elementId: string): ElementRow {
    const element = this.#pipelines.getElement(elementId);
    if (element.type !== "PlayerEndpoint") throw new PipewrightError("INVALID_REQUEST", `${elementId} is a ${element.type}, not a PlayerEndpoint`);
    return element;
  }

  /** Kurento play(): a source that could not be read at creation is opened again first. */
  async play(elementId: string): Promise<void> {
    const element = this.#player(elementId);
    await this.#pipelines.media.request(element.pipelineId, "player.play", { elementId });
    if (element.properties.openError) {
      this.#pipelines.updateProperties(elementId, playerProperties(await this.#pipelines.media.request(element.pipelineId, "player.info", { elementId })));
    }
  }

  async pause(elementId: string): Promise<void> {
    const element = this.#player(elementId);
    await this.#pipelines.media.request(element.pipelineId, "player.pause", { elementId });
  }

  async stop(elementId: string): Promise<void> {
    const element = this.#player(elementId);
    await this.#pipelines.media.request(element.pipelineId, "player.stop", { elementId });
  }

  /** Kurento getPosition: milliseconds into the file. */
  async position(elementId: string): Promise<number> {
    const element = this.#player(elementId);
    return (await this.#pipelines.media.request(element.pipelineId, "player.position", { elementId })).positionMs;
  }

  /** Kurento setPosition: seeks (PLAYER_SEEK_FAIL-like 409 when the position is past the end). */
  async seek(elementId: string, positionMs: number): Promise<void> {
    const element = this.#player(elementId);
    const duration = (element.properties.videoInfo as { duration?: number } | undefined)?.duration;
    if (positionMs < 0 || (duration !== undefined && positionMs > duration)) {
      throw new PipewrightError("INVALID_REQUEST", `position ${positionMs} ms is outside the file (0–${duration ?? "?"} ms)`, { kurentoType: "PLAYER_SEEK_FAIL" });
    }
    await this.#pipelines.media.request(element.pipelineId, "player.seek", { elementId, positionMs });
  }
}
