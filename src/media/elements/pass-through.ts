/**
 * Kurento's PassThrough: what enters an input leaves by the output of the same kind, unchanged,
 * so it can sit between elements (a fan-out point, a place to switch sources). Keyframe
 * requests travel back upstream through it.
 */
import type { MediaKind, WorkerSettings } from "../protocol.ts";
import { OutputTarget } from "../rtp/rtp-target.ts";
import { MediaElement, MEDIA_KINDS } from "./media-element.ts";

export class PassThrough extends MediaElement {
  constructor(pipelineId: string, elementId: string, settings: WorkerSettings) {
    super(pipelineId, elementId, settings);
    for (const kind of MEDIA_KINDS) {
      this.inputs[kind].attachTarget(new OutputTarget(this.outputs[kind], this.inputs[kind]));
      this.inputs[kind].setReady(true);
    }
  }

  protected override requestUpstreamKeyframe(kind: MediaKind): void {
    this.inputs[kind].requestKeyframe();
  }

  protected override async dispose(): Promise<void> {}
}
