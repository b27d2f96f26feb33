/**
 * Kurento's media-flow states, from packet counters: an element's media flows IN while packets
 * reach its inputs (its sink pads, in Kurento's words) and OUT while its outputs produce them
 * (its source pads — for a WebRtcEndpoint, what the remote peer sends). Checked once a second;
 * a direction stops FLOWING after two quiet seconds, so a short gap is not reported.
 */
import type { MediaElement } from "./elements/media-element.ts";
import type { MediaKind } from "./protocol.ts";

const CHECK_MS = 1000;
const QUIET_CHECKS = 2;

interface Track {
  count: number;
  quiet: number;
  flowing: boolean;
}

type Report = (elementId: string, direction: "in" | "out", kind: MediaKind, flowing: boolean) => void;

export class FlowMonitor {
  readonly #elements: () => Iterable<MediaElement>;
  readonly #report: Report;
  readonly #tracks = new Map<string, Track>();
  #timer: NodeJS.Timeout | undefined;

  constructor(elements: () => Iterable<MediaElement>, report: Report) {
    this.#elements = elements;
    this.#report = report;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.check(), CHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round of checks (public for tests). */
  check(): void {
    const seen = new Set<string>();
    for (const element of this.#elements()) {
      for (const kind of ["audio", "video"] as const) {
        this.#update(element.elementId, "in", kind, element.inputs[kind].received, seen);
        this.#update(element.elementId, "out", kind, element.outputs[kind].packets, seen);
      }
    }
    for (const key of this.#tracks.keys()) if (!seen.has(key)) this.#tracks.delete(key);
  }

  #update(elementId: string, direction: "in" | "out", kind: MediaKind, count: number, seen: Set<string>): void {
    const key = `${elementId} ${direction} ${kind}`;
    seen.add(key);
    const track = this.#tracks.get(key) ?? { count: 0, quiet: 0, flowing: false };
    this.#tracks.set(key, track);
    const moved = count !== track.count;
    track.count = count;
    track.quiet = moved ? 0 : track.quiet + 1;
    if (moved && !track.flowing) {
      track.flowing = true;
      this.#report(elementId, direction, kind, true);
    } else if (track.flowing && track.quiet >= QUIET_CHECKS) {
      track.flowing = false;
      this.#report(elementId, direction, kind, false);
    }
  }
}
