/**
 * A WHIP publisher built on node-datachannel (libdatachannel, the stack OBS Studio uses) that
 * reproduces OBS's offer (notes/whip-whep.md §2): Opus at PT 111 with `stereo=1`, one video codec
 * (H.264 `42e01f` at PT 96 by default, whatever profile the bitstream's SPS really has), mids
 * `0`/`1`, a session-level fingerprint, and no candidates at all — they are stripped before the
 * POST and nothing is ever PATCHed, so the server learns our address only from STUN checks. ICE
 * stays on 127.0.0.1 (bound there, no TCP, no STUN/TURN server). Media is pre-packetized RTP sent
 * with `sendMessageBinary`: SPS/PPS as single NAL units, the IDR slice as FU-A fragments, then
 * P slices, plus 20 ms Opus frames. Tests may rewrite the offer text into another client's style
 * (GStreamer, older OBS, browsers; `transportOf` gives the ICE/DTLS values to fill in): the mids
 * and payload types must stay those libdatachannel negotiated. Close every client, then call
 * `releaseNodeDataChannel()` in `after`, or the test process never exits.
 */
import nodeDataChannel from "node-datachannel";
import { RtpHeader, RtpPacket } from "werift";
import { withoutCandidates } from "./offers.ts";

const { PeerConnection, Audio, Video } = nodeDataChannel;
type NdcPeer = InstanceType<typeof PeerConnection>;
type RtcConfig = ConstructorParameters<typeof PeerConnection>[1];
export type NdcVideo = InstanceType<typeof Video>;
type NdcTrack = ReturnType<NdcPeer["addTrack"]>;

/** x264 High 4.0 SPS (profile-level-id 640028) and its PPS. */
export const SPS_HIGH_40 = Buffer.from("67640028acd940780227e5c044000003000400000300f03c60c658", "hex");
export const PPS_HIGH = Buffer.from("68ebe3cb22c0", "hex");
/** Constrained Baseline 3.1 SPS (profile-level-id 42e01f) and its PPS. */
export const SPS_CB_31 = Buffer.from("6742e01fda014016e8400000030040000007a3c60ca8", "hex");
export const PPS_CB = Buffer.from("68ce3c80", "hex");

const FU_A_MAX = 1200;

export interface ObsClientOptions {
  /** Video m-line mid, codec lines; default OBS's H.264 42e01f at PT 96. */
  video?: { mid?: string; codecs: (video: NdcVideo) => void; payloadType: number } | false;
  audio?: { mid?: string; codecs?: (audio: InstanceType<typeof Audio>) => void; payloadType?: number } | false;
  /** The SPS and PPS sent before every IDR. */
  sps?: Buffer;
  pps?: Buffer;
  /** Filler byte of the slices, so a test can tell two publishers apart at the viewer. */
  tag?: number;
  /** libdatachannel settings over the loopback-only defaults (ICE servers, bind address, certificate…). */
  rtc?: Partial<RtcConfig>;
  /** SSRC of the video track (audio gets the next one); random by default. */
  videoSsrc?: number;
}

export class ObsClient {
  readonly pc: NdcPeer;
  readonly videoTrack?: NdcTrack;
  readonly audioTrack?: NdcTrack;
  readonly videoPayloadType: number;
  readonly audioPayloadType: number;
  readonly #sps: Buffer;
  readonly #pps: Buffer;
  readonly #tag: number;
  readonly videoSsrc: number;
  readonly audioSsrc: number;
  readonly #gathers: boolean;
  #videoSeq = Math.floor(Math.random() * 0xffff);
  #audioSeq = Math.floor(Math.random() * 0xffff);
  #frames = 0;
  #audioFrames = 0;
  /** The offer as libdatachannel wrote it, candidates included. */
  localOffer = "";

  constructor(options: ObsClientOptions = {}) {
    this.#sps = options.sps ?? SPS_HIGH_40;
    this.#pps = options.pps ?? PPS_HIGH;
    this.#tag = options.tag ?? 0xaa;
    this.videoSsrc = options.videoSsrc ?? ((Math.random() * 0xfffffff) | 0x10000000);
    this.audioSsrc = this.videoSsrc + 1;
    this.#gathers = options.rtc?.disableAutoGathering !== true;
    clients.add(this);
    this.pc = new PeerConnection("obs", { iceServers: [], bindAddress: "127.0.0.1", enableIceTcp: false, enableIceUdpMux: false, disableAutoNegotiation: true, ...options.rtc });
    const audio = options.audio === false ? undefined : (options.audio ?? {});
    const video = options.video === false ? undefined : (options.video ?? { codecs: (media) => media.addH264Codec(96), payloadType: 96 });
    this.audioPayloadType = audio?.payloadType ?? 111;
    this.videoPayloadType = video ? video.payloadType : 0;
    if (audio) {
      const media = new Audio(audio.mid ?? "0", "SendOnly");
      if (audio.codecs) audio.codecs(media);
      else media.addOpusCodec(111, "minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1");
      media.addSSRC(this.audioSsrc, "obs", "obs", "obs-audio");
      this.audioTrack = this.pc.addTrack(media);
    }
    if (video) {
      const media = new Video(video.mid ?? "1", "SendOnly");
      media.parseSdpLine("a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid");
      media.parseSdpLine("a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
      video.codecs(media);
      media.addSSRC(this.videoSsrc, "obs", "obs", "obs-video");
      this.videoTrack = this.pc.addTrack(media);
    }
  }

  /**
   * Gathers (loopback only, unless `rtc` says otherwise; not at all with `disableAutoGathering`),
   * then returns the offer OBS would POST: no candidates at all. `ice` fixes the ICE ufrag/pwd.
   */
  async offer(ice?: { iceUfrag: string; icePwd: string }): Promise<string> {
    const gathered = new Promise<void>((resolve) => {
      if (!this.#gathers) resolve();
      this.pc.onGatheringStateChange((state) => {
        if (state === "complete") resolve();
      });
    });
    this.pc.setLocalDescription("offer", ice);
    await gathered;
    this.localOffer = this.pc.localDescription()!.sdp;
    return withoutCandidates(this.localOffer);
  }

  setAnswer(sdp: string): void {
    this.pc.setRemoteDescription(sdp, "answer");
  }

  get state(): string {
    return this.pc.state();
  }

  /** The address pair ICE chose, to check that it is loopback on both sides (and the candidate types). */
  selectedPair(): { local: string; remote: string; localType: string; remoteType: string } | undefined {
    const pair = this.pc.getSelectedCandidatePair();
    return pair ? { local: pair.local.address, remote: pair.remote.address, localType: pair.local.type, remoteType: pair.remote.type } : undefined;
  }

  #sendVideo(payload: Buffer, timestamp: number, marker: boolean): void {
    const header = new RtpHeader({ payloadType: this.videoPayloadType, sequenceNumber: this.#videoSeq, timestamp, marker, ssrc: this.videoSsrc });
    this.#videoSeq = (this.#videoSeq + 1) & 0xffff;
    this.videoTrack!.sendMessageBinary(new RtpPacket(header, payload).serialize());
  }

  /** One H.264 frame: SPS, PPS and an IDR (FU-A) when `keyframe`, else a single-NAL P slice. */
  sendH264Frame(keyframe: boolean): void {
    const timestamp = (this.#frames++ * 3000) >>> 0;
    if (!keyframe) {
      const slice = Buffer.alloc(700, this.#tag);
      slice[0] = 0x41; // nal_ref_idc 2, type 1 (non-IDR slice)
      this.#sendVideo(slice, timestamp, true);
      return;
    }
    this.#sendVideo(this.#sps, timestamp, false);
    this.#sendVideo(this.#pps, timestamp, false);
    const idr = Buffer.alloc(3000, this.#tag);
    idr[0] = 0x65; // nal_ref_idc 3, type 5 (IDR slice)
    const body = idr.subarray(1);
    for (let offset = 0; offset < body.length; offset += FU_A_MAX) {
      const last = offset + FU_A_MAX >= body.length;
      const fuHeader = (offset === 0 ? 0x80 : 0) | (last ? 0x40 : 0) | (idr[0] & 0x1f);
      const fragment = Buffer.concat([Buffer.from([(idr[0] & 0xe0) | 28, fuHeader]), body.subarray(offset, offset + FU_A_MAX)]);
      this.#sendVideo(fragment, timestamp, last);
    }
  }

  /** A VP8 frame (RFC 7741 descriptor S=1, payload header P bit clear on keyframes). */
  sendVp8Frame(keyframe: boolean): void {
    const payload = Buffer.alloc(800, this.#tag);
    payload[0] = 0x10;
    payload[1] = keyframe ? 0x00 : 0x01;
    this.#sendVideo(payload, (this.#frames++ * 3000) >>> 0, true);
  }

  /** One 20 ms Opus frame. */
  sendOpus(): void {
    const timestamp = (this.#audioFrames++ * 960) >>> 0;
    const header = new RtpHeader({ payloadType: this.audioPayloadType, sequenceNumber: this.#audioSeq, timestamp, marker: false, ssrc: this.audioSsrc });
    this.#audioSeq = (this.#audioSeq + 1) & 0xffff;
    this.audioTrack!.sendMessageBinary(new RtpPacket(header, Buffer.alloc(80, this.#tag)).serialize());
  }

  /**
   * Sends 30 fps video (a keyframe every `gop` frames, the first one included) and 50 pps Opus
   * until `signal` aborts or `seconds` pass. Returns the number of video frames sent.
   */
  async stream(seconds: number, options: { gop?: number; codec?: "h264" | "vp8"; signal?: AbortSignal } = {}): Promise<number> {
    const gop = options.gop ?? 30;
    let frame = 0;
    for (; frame < seconds * 30 && !options.signal?.aborted; frame++) {
      if (this.videoTrack) {
        if (options.codec === "vp8") this.sendVp8Frame(frame % gop === 0);
        else this.sendH264Frame(frame % gop === 0);
      }
      for (let index = 0; this.audioTrack && index < (frame % 3 === 2 ? 1 : 2); index++) this.sendOpus();
      await new Promise((resolve) => setTimeout(resolve, 33));
    }
    return frame;
  }

  close(): void {
    this.videoTrack?.close();
    this.audioTrack?.close();
    this.pc.close();
  }
}

/** ICE credentials, fingerprint and the first host candidate of a libdatachannel offer. */
export function transportOf(sdp: string): { ufrag: string; pwd: string; fingerprint: string; candidate?: string } {
  const value = (name: string) => sdp.match(new RegExp(`^a=${name}:(.+)$`, "m"))?.[1];
  const ufrag = value("ice-ufrag");
  const pwd = value("ice-pwd");
  const fingerprint = value("fingerprint");
  if (!ufrag || !pwd || !fingerprint) throw new Error("libdatachannel offer without ICE credentials or fingerprint");
  return { ufrag, pwd, fingerprint, candidate: value("candidate") };
}

export async function waitForState(client: ObsClient, state: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (client.state !== state) {
    if (Date.now() - start > timeoutMs) throw new Error(`node-datachannel peer is ${client.state}, not ${state}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Every client made in this process, kept reachable until `releaseNodeDataChannel`: node-datachannel
 * 0.33.4 forgets to unregister a Track wrapper that is garbage-collected, and its `cleanup()`
 * then closes freed memory (a segfault at the end of the test file).
 */
const clients = new Set<ObsClient>();

/**
 * Stops libdatachannel's threads so the test process can exit (it stays alive otherwise). Call
 * once, in `after`, when every client of the process is closed.
 */
export function releaseNodeDataChannel(): void {
  nodeDataChannel.cleanup();
  clients.clear();
}
