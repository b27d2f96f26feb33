/**
 * The sink side of one media kind of an element: where a connected MediaOutput's packets go
 * (an RtpTarget: for a WebRtcEndpoint, out to its remote peer through a werift RTCRtpSender;
 * for a PassThrough or hub port, on to the element's own output). A sink has at most one
 * source, as a Kurento sink pad does; setting another one switches sources with sequence-number
 * and timestamp continuity, so the remote decoder never sees a jump.
 *
 * Video starts only on a keyframe: when the sink becomes active it sends the source's GOP
 * cache, with the cached frames' timestamps squeezed one tick apart just before the live edge
 * so the viewer decodes them at once instead of replaying the GOP's duration as delay; without
 * a cache it drops video until the next keyframe and asks for one. The cached GOP (hundreds of
 * packets for a 2 s GOP) is paced out in chunks — sent at once it overflows the viewer's
 * receive buffer and the losses fall outside the sender's 128-packet NACK history — and live
 * packets arriving meanwhile wait their turn behind it.
 *
 * Hot path: `write` runs for every forwarded packet — a few field tests, then the sender.
 */
import type { RtpPacket } from "werift";
import type { MediaKind } from "../protocol.ts";
import { codecName } from "../codecs.ts";
import { isKeyframeStart, type VideoCodecName, videoCodecName } from "./keyframe.ts";
import type { MediaOutput } from "./media-output.ts";
import type { RtpTarget } from "./rtp-target.ts";

/** GOP pacing: packets per chunk and the pause between chunks (≈ 8 000 pkt/s, ~75 Mbit/s). */
const BURST_CHUNK = 32;
const BURST_INTERVAL_MS = 4;
/** Live packets held behind a GOP burst at most; beyond that the oldest wait is pointless. */
const MAX_HELD = 2000;

/** Timestamp step used at a source switch: one frame at 30 fps, one 20 ms Opus frame. */
function continuityStep(kind: MediaKind, clockRate: number): number {
  return kind === "video" ? Math.round(clockRate / 30) : Math.round(clockRate / 50);
}

export class MediaInput {
  readonly kind: MediaKind;
  /** Packets sent on to the target. */
  packets = 0;
  /** Packets that arrived from the source (Kurento's "media flowing in"). */
  received = 0;
  /** Why media from the current source is not forwarded, if it is not. */
  blockedReason: string | undefined;

  #source: MediaOutput | undefined;
  #target: RtpTarget | undefined;
  #videoCodec: VideoCodecName | undefined;
  #ready = false;
  #active = false;
  #waitingForKeyframe = false;
  #hasSent = false;
  /** Squeezed GOP copies still to send, and live packets held behind them. */
  #burst: RtpPacket[] | undefined;
  #burstIndex = 0;
  #held: RtpPacket[] = [];
  #burstTimer: NodeJS.Timeout | undefined;
  readonly #pumpBurst = () => this.#pump();

  constructor(kind: MediaKind) {
    this.kind = kind;
  }

  get source(): MediaOutput | undefined {
    return this.#source;
  }

  get active(): boolean {
    return this.#active;
  }

  /** The codec the target negotiated (undefined for targets that take any). */
  get targetMimeType(): string | undefined {
    return this.#target?.mimeType;
  }

  /** Where packets go; for a remote peer, known once SDP negotiation is done. */
  attachTarget(target: RtpTarget): void {
    this.#cancelBurst();
    this.#target = target;
    this.#active = false;
    this.#update();
  }

  /** Transport state: media flows only while the remote peer is connected. */
  setReady(ready: boolean): void {
    this.#ready = ready;
    this.#update();
  }

  /** Connects this sink to `source` (replacing any other), or disconnects it. */
  setSource(source: MediaOutput | undefined): void {
    if (source === this.#source) return;
    this.#cancelBurst();
    this.#source?.removeSink(this);
    this.#source = source;
    this.#active = false;
    source?.addSink(this);
    this.#update();
  }

  /** Re-evaluates whether media can flow (the source's codec became known or changed). */
  refresh(): void {
    this.#active = false;
    this.#cancelBurst();
    this.#update();
  }

  /**
   * The source's own upstream changed (a dispatcher or pass-through switched what feeds it):
   * continue sequence numbers and timestamps, and restart video on a keyframe.
   */
  upstreamSwitched(timestampStep: number): void {
    if (!this.#active) return;
    this.#cancelBurst();
    this.#target!.continuity(timestampStep);
    if (this.kind === "video") {
      this.#waitingForKeyframe = true;
      this.#source?.requestKeyframe();
    }
  }

  /** The source's media ended (a player reached the end of its file). */
  endOfStream(): void {
    if (this.#active) this.#target!.endOfStream?.();
  }

  /** Asks the current source for a keyframe (a remote PLI or FIR). */
  requestKeyframe(): void {
    this.#source?.requestKeyframe();
  }

  write(rtp: RtpPacket): void {
    this.received++;
    if (!this.#active) return;
    if (this.#waitingForKeyframe) {
      if (!isKeyframeStart(this.#videoCodec!, rtp.payload)) {
        this.#source!.requestKeyframe();
        return;
      }
      this.#waitingForKeyframe = false;
    }
    if (this.#burst !== undefined) {
      if (this.#held.length < MAX_HELD) this.#held.push(rtp);
      return;
    }
    this.packets++;
    this.#target!.send(rtp);
  }

  #update(): void {
    const source = this.#source;
    const target = this.#target;
    const wasActive = this.#active;
    this.blockedReason = undefined;
    if (!source || !target || !this.#ready || source.mimeType === undefined) {
      this.#active = false;
      this.#cancelBurst();
      return;
    }
    if (target.mimeType !== undefined && codecName(source.mimeType) !== codecName(target.mimeType)) {
      this.blockedReason = `source sends ${source.mimeType}, sink negotiated ${target.mimeType}`;
      this.#active = false;
      this.#cancelBurst();
      return;
    }
    if (wasActive) return;
    this.#begin(source, target);
  }

  #begin(source: MediaOutput, target: RtpTarget): void {
    target.adoptCodec(source.mimeType!, source.clockRate);
    this.#videoCodec = this.kind === "video" ? videoCodecName(source.mimeType!) : undefined;
    if (this.#hasSent) target.continuity(continuityStep(this.kind, source.clockRate));
    this.#active = true;
    this.#hasSent = true;
    if (this.kind !== "video") return;
    const gop = source.gopCache;
    if (gop.length > 0 && !target.startsOnLiveKeyframe) {
      this.#waitingForKeyframe = false;
      this.#sendBurst(gop);
    } else {
      this.#waitingForKeyframe = true;
      source.requestKeyframe();
    }
  }

  /** Queues the cached GOP, frames squeezed one tick apart ending at the newest cached timestamp. */
  #sendBurst(gop: readonly RtpPacket[]): void {
    let frames = 0;
    let previous: number | undefined;
    for (const packet of gop) {
      if (packet.header.timestamp !== previous) frames++;
      previous = packet.header.timestamp;
    }
    const newest = gop[gop.length - 1].header.timestamp;
    const burst: RtpPacket[] = [];
    let frame = -1;
    previous = undefined;
    for (const packet of gop) {
      if (packet.header.timestamp !== previous) frame++;
      previous = packet.header.timestamp;
      const copy = packet.clone();
      copy.header.timestamp = (newest - (frames - 1 - frame)) >>> 0;
      burst.push(copy);
    }
    this.#burst = burst;
    this.#burstIndex = 0;
    this.#pump();
  }

  /** Sends the next chunk of the burst; once it is out, the held live packets follow. */
  #pump(): void {
    this.#burstTimer = undefined;
    const burst = this.#burst;
    const target = this.#target;
    if (!burst || !target) return;
    const end = Math.min(burst.length, this.#burstIndex + BURST_CHUNK);
    for (; this.#burstIndex < end; this.#burstIndex++) {
      this.packets++;
      target.send(burst[this.#burstIndex]);
    }
    if (this.#burstIndex < burst.length) {
      this.#burstTimer = setTimeout(this.#pumpBurst, BURST_INTERVAL_MS);
      return;
    }
    const held = this.#held;
    this.#burst = undefined;
    this.#held = [];
    for (const packet of held) {
      this.packets++;
      target.send(packet);
    }
  }

  #cancelBurst(): void {
    clearTimeout(this.#burstTimer);
    this.#burstTimer = undefined;
    this.#burst = undefined;
    this.#held = [];
  }

  /** Stops pending work (a GOP burst in progress); the input stays usable. */
  close(): void {
    this.#cancelBurst();
  }
}
