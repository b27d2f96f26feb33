/**
 * The sink side of one media kind of an element: where a connected MediaOutput's packets go
 * (for a WebRtcEndpoint, out to its remote peer through a werift RTCRtpSender). A sink has at
 * most one source, as a Kurento sink pad does; setting another one switches sources with
 * sequence-number and timestamp continuity, so the remote decoder never sees a jump.
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
import type { RTCRtpSender, RtpPacket } from "werift";
import type { MediaKind } from "../protocol.ts";
import { codecName } from "../codecs.ts";
import { isKeyframeStart, type VideoCodecName, videoCodecName } from "./keyframe.ts";
import type { MediaOutput } from "./media-output.ts";

/** GOP pacing: packets per chunk and the pause between chunks (≈ 8 000 pkt/s, ~75 Mbit/s). */
const BURST_CHUNK = 32;
const BURST_INTERVAL_MS = 4;
/** Live packets held behind a GOP burst at most; beyond that the oldest wait is pointless. */
const MAX_HELD = 2000;

function ignoreSendError(): void {
  // A packet that cannot be sent (transport closing) is simply lost, as on the wire.
}

/** Timestamp step used at a source switch: one frame at 30 fps, one 20 ms Opus frame. */
function continuityStep(kind: MediaKind, clockRate: number): number {
  return kind === "video" ? Math.round(clockRate / 30) : Math.round(clockRate / 50);
}

export class MediaInput {
  readonly kind: MediaKind;
  packets = 0;
  /** Why media from the current source is not forwarded, if it is not. */
  blockedReason: string | undefined;

  #source: MediaOutput | undefined;
  #sender: RTCRtpSender | undefined;
  #mimeType: string | undefined;
  #clockRate = 90000;
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

  /** The negotiated sender and codec this input writes to (after SDP negotiation). */
  attachSender(sender: RTCRtpSender, mimeType: string, clockRate: number): void {
    this.#sender = sender;
    this.#mimeType = mimeType;
    this.#clockRate = clockRate;
    this.#videoCodec = this.kind === "video" ? videoCodecName(mimeType) : undefined;
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

  /** Asks the current source for a keyframe (a remote PLI or FIR). */
  requestKeyframe(): void {
    this.#source?.requestKeyframe();
  }

  write(rtp: RtpPacket): void {
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
    this.#sender!.sendRtp(rtp).catch(ignoreSendError);
  }

  #update(): void {
    const source = this.#source;
    const sender = this.#sender;
    const wasActive = this.#active;
    this.blockedReason = undefined;
    if (!source || !sender || !this.#ready || source.mimeType === undefined) {
      this.#active = false;
      this.#cancelBurst();
      return;
    }
    if (codecName(source.mimeType) !== codecName(this.#mimeType!)) {
      this.blockedReason = `source sends ${source.mimeType}, sink negotiated ${this.#mimeType}`;
      this.#active = false;
      this.#cancelBurst();
      return;
    }
    if (wasActive) return;
    this.#begin(source, sender);
  }

  #begin(source: MediaOutput, sender: RTCRtpSender): void {
    if (this.#hasSent) {
      const step = continuityStep(this.kind, this.#clockRate);
      sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, false, step);
    }
    this.#active = true;
    this.#hasSent = true;
    if (this.kind !== "video") return;
    const gop = source.gopCache;
    if (gop.length > 0) {
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
    const sender = this.#sender;
    if (!burst || !sender) return;
    const end = Math.min(burst.length, this.#burstIndex + BURST_CHUNK);
    for (; this.#burstIndex < end; this.#burstIndex++) {
      this.packets++;
      sender.sendRtp(burst[this.#burstIndex]).catch(ignoreSendError);
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
      sender.sendRtp(packet).catch(ignoreSendError);
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
