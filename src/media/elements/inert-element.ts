/**
 * An element whose media work is not built yet (RecorderEndpoint, PlayerEndpoint until the
 * recording issue): it exists in the worker so the pipeline's connections can be made to it,
 * but it produces nothing and consumes nothing. The control plane refuses its media
 * operations with 501, so nobody mistakes it for a working recorder or player.
 */
import type { MediaKind } from "../protocol.ts";
import { MediaElement } from "./media-element.ts";

export class InertElement extends MediaElement {
  protected override requestUpstreamKeyframe(_kind: MediaKind): void {}

  protected override async dispose(): Promise<void> {}
}
