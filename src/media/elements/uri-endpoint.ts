/**
 * What RecorderEndpoint and PlayerEndpoint share, as in Kurento's hierarchy (UriEndpoint
 * extends MediaElement): a state — STOP, START or PAUSE — reported on every change
 * (UriEndpointStateChanged), media errors reported as they happen (Kurento's Error), and no
 * keyframe requests from downstream: a recorder produces no media, and a player's keyframes come
 * when the file has them (new sinks start from the GOP cache).
 */
import type { UriEndpointState, WorkerErrorCode, WorkerSettings } from "../protocol.ts";
import { MediaElement } from "./media-element.ts";

export interface UriEndpointEvents {
  state(state: UriEndpointState): void;
  error(type: string, description: string, code: WorkerErrorCode): void;
}

export abstract class UriEndpoint<E extends UriEndpointEvents = UriEndpointEvents> extends MediaElement {
  protected readonly events: E;
  #state: UriEndpointState = "STOP";

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, events: E) {
    super(pipelineId, elementId, settings);
    this.events = events;
  }

  get state(): UriEndpointState {
    return this.#state;
  }

  protected setState(state: UriEndpointState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.events.state(state);
  }

  protected override requestUpstreamKeyframe(): void {}
}
