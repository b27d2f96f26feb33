/**
 * Kurento's WebRtcEndpoint on a werift RTCPeerConnection. What the remote peer sends comes out
 * of this element's MediaOutputs; what is connected to its MediaInputs goes to the remote peer.
 * The control plane decides the codecs (NegotiationPlan); this class turns an offer into an
 * answer that carries exactly that, reports the connection state, closes sessions that never
 * connect, and keeps the publisher well fed: keyframe requests go upstream as PLI, and a REMB
 * every second tells browsers how much they may send (we negotiate no transport-cc, so REMB is
 * their only bandwidth signal from us — notes/werift.md §3b).
 */
import {
  ReceiverEstimatedMaxBitrate,
  RtcpPayloadSpecificFeedback,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from "werift";
import type { EndpointConnectionState, EndpointStats, IceCandidateInit, MediaKind, NegotiationPlan, WorkerSettings } from "../protocol.ts";
import { finishAnswer, isUsableCandidate, prepareOffer } from "../sdp/munge.ts";
import { gatherSerially } from "../webrtc/gathering-queue.ts";
import { peerConfiguration } from "../webrtc/peer-config.ts";
import { WorkerError } from "../worker-error.ts";
import { MediaElement } from "./media-element.ts";

const REMB_INTERVAL_MS = 1000;
const PSFB_PLI = 1;
const PSFB_FIR = 4;

export interface EndpointEvents {
  state(state: EndpointConnectionState, reason?: string): void;
  videoProfile(profileLevelId: string): void;
}

/** REMB bitrate as 6-bit exponent and 18-bit mantissa (draft-alvestrand-rmcat-remb §2.2). */
export function rembFields(bitrate: number): { brExp: number; brMantissa: number } {
  let brExp = 0;
  let brMantissa = Math.max(0, Math.floor(bitrate));
  while (brMantissa >= 1 << 18) {
    brMantissa = Math.floor(brMantissa / 2);
    brExp++;
  }
  return { brExp, brMantissa };
}

export class WebRtcEndpoint extends MediaElement {
  readonly #settings: WorkerSettings;
  readonly #events: EndpointEvents;
  #pc: RTCPeerConnection | undefined;
  #state: EndpointConnectionState = "connecting";
  #pendingCandidates: IceCandidateInit[] = [];
  #remoteDescriptionSet = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #rembTimer: NodeJS.Timeout | undefined;
  readonly #receivers = new Map<MediaKind, RTCRtpTransceiver>();
  readonly #remoteSsrc: Record<MediaKind, number | undefined> = { audio: undefined, video: undefined };

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, events: EndpointEvents) {
    super(pipelineId, elementId, settings);
    this.#settings = settings;
    this.#events = events;
  }

  get connectionState(): EndpointConnectionState {
    return this.#state;
  }

  async processOffer(offer: string, plan: NegotiationPlan): Promise<string> {
    if (this.#pc) throw new WorkerError("INVALID_STATE", "this WebRtcEndpoint already processed an offer");
    const pc = new RTCPeerConnection(peerConfiguration(this.#settings, plan));
    this.#pc = pc;
    pc.connectionStateChange.subscribe((state) => this.#onConnectionState(state));
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: prepareOffer(offer, plan) });
    } catch (error) {
      throw new WorkerError("SDP_PARSE_ERROR", `offer refused: ${(error as Error).message}`);
    }
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind as MediaKind;
      if ((kind !== "audio" && kind !== "video") || !plan.codecs[kind] || transceiver.stopped || transceiver.rejected) continue;
      if (plan.direction === "sendonly") transceiver.setDirection("sendonly");
      else this.#receive(kind, transceiver);
    }
    await gatherSerially(async () => pc.setLocalDescription(await pc.createAnswer()));
    this.#remoteDescriptionSet = true;
    for (const transceiver of pc.getTransceivers()) this.#attach(transceiver, plan);
    await this.#applyCandidates(this.#pendingCandidates.splice(0));
    this.#connectTimer = setTimeout(() => this.#fail(`not connected within ${this.#settings.connectTimeoutMs} ms`), this.#settings.connectTimeoutMs);
    return finishAnswer(pc.localDescription!.sdp);
  }

  async addIceCandidates(candidates: IceCandidateInit[]): Promise<void> {
    for (const candidate of candidates) {
      if (!/^candidate:\S+ \d+ \S+ \d+ \S+ \d+ typ \S+/.test(candidate.candidate)) {
        throw new WorkerError("ICE_ADD_CANDIDATE_ERROR", `not an ICE candidate: ${candidate.candidate.slice(0, 80)}`);
      }
    }
    if (!this.#remoteDescriptionSet) {
      this.#pendingCandidates.push(...candidates);
      return;
    }
    await this.#applyCandidates(candidates);
  }

  async #applyCandidates(candidates: IceCandidateInit[]): Promise<void> {
    for (const candidate of candidates) {
      const [, , transport, , address] = candidate.candidate.split(" ");
      if (!isUsableCandidate(transport, address)) continue; // RFC 9725 §4.3.1: discard silently
      try {
        await this.#pc!.addIceCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex ?? 0 });
      } catch (error) {
        throw new WorkerError("ICE_ADD_CANDIDATE_ERROR", `candidate refused: ${(error as Error).message}`);
      }
    }
  }

  #receive(kind: MediaKind, transceiver: RTCRtpTransceiver): void {
    this.#receivers.set(kind, transceiver);
    const output = this.outputs[kind];
    const ssrcs = this.#remoteSsrc;
    transceiver.receiver.track.onReceiveRtp.subscribe((rtp) => {
      ssrcs[kind] = rtp.header.ssrc;
      output.push(rtp);
    });
  }

  #attach(transceiver: RTCRtpTransceiver, plan: NegotiationPlan): void {
    const kind = transceiver.kind as MediaKind;
    const codec = transceiver.codecs[0];
    if ((kind !== "audio" && kind !== "video") || !plan.codecs[kind] || !codec || transceiver.stopped) return;
    if (plan.direction === "sendonly") {
      this.inputs[kind].attachSender(transceiver.sender, codec.mimeType, codec.clockRate);
      transceiver.sender.dtlsTransport.onRtcp.subscribe((packet) => this.#onViewerRtcp(kind, packet));
    } else {
      this.outputs[kind].setCodec(codec.mimeType, codec.clockRate);
    }
  }

  /** PLI and FIR from the remote viewer become a keyframe request to our source (FIR → PLI). */
  #onViewerRtcp(kind: MediaKind, packet: RtcpPacket): void {
    if (kind !== "video" || packet.type !== RtcpPayloadSpecificFeedback.type) return;
    const count = (packet as RtcpPayloadSpecificFeedback).feedback.count;
    if (count === PSFB_PLI || count === PSFB_FIR) this.inputs.video.requestKeyframe();
  }

  #onConnectionState(state: string): void {
    if (this.released) return;
    if (state === "connected") {
      clearTimeout(this.#connectTimer);
      this.#setState("connected");
      this.inputs.audio.setReady(true);
      this.inputs.video.setReady(true);
      this.#startRemb();
    } else if (state === "failed") {
      this.#fail("ICE or DTLS failed (consent expired or the peer vanished)");
    } else if (state === "closed") {
      this.#setState("closed");
    }
  }

  #fail(reason: string): void {
    if (this.#state === "failed" || this.#state === "closed") return;
    this.inputs.audio.setReady(false);
    this.inputs.video.setReady(false);
    this.#setState("failed", reason);
  }

  #setState(state: EndpointConnectionState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.state(state, reason);
  }

  #startRemb(): void {
    const video = this.#receivers.get("video");
    if (!video || this.#rembTimer) return;
    const { brExp, brMantissa } = rembFields(this.#settings.maxIncomingBitrate);
    this.#rembTimer = setInterval(() => {
      const ssrc = this.#remoteSsrc.video;
      if (ssrc === undefined) return;
      const feedback = new ReceiverEstimatedMaxBitrate({ senderSsrc: video.receiver.rtcpSsrc, mediaSsrc: 0, brExp, brMantissa, ssrcNum: 1, ssrcFeedbacks: [ssrc] });
      video.receiver.dtlsTransport.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback })]).catch(() => {});
    }, REMB_INTERVAL_MS);
    this.#rembTimer.unref();
  }

  protected override requestUpstreamKeyframe(kind: MediaKind): void {
    const transceiver = this.#receivers.get(kind);
    const ssrc = this.#remoteSsrc[kind];
    if (!transceiver || ssrc === undefined) return;
    transceiver.receiver.sendRtcpPLI(ssrc).catch(() => {});
  }

  protected override onVideoProfile(profileLevelId: string): void {
    this.#events.videoProfile(profileLevelId);
  }

  stats(): EndpointStats {
    return {
      elementId: this.elementId,
      connectionState: this.#state,
      packetsReceived: { audio: this.outputs.audio.packets, video: this.outputs.video.packets },
      packetsSent: { audio: this.inputs.audio.packets, video: this.inputs.video.packets },
      keyframeRequestsSent: this.outputs.video.keyframeRequests,
    };
  }

  protected override async dispose(): Promise<void> {
    clearTimeout(this.#connectTimer);
    clearInterval(this.#rembTimer);
    this.#state = "closed";
    const pc = this.#pc;
    this.#pc = undefined;
    await pc?.close().catch(() => {});
  }
}
