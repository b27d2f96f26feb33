/**
 * Kurento's WebRtcEndpoint on a werift RTCPeerConnection. What the remote peer sends comes out
 * of this element's MediaOutputs; what is connected to its MediaInputs goes to the remote peer.
 * It negotiates either way round — answering an offer with exactly the plan the control plane
 * chose, or offering every codec Pipewright forwards and taking the remote's answer — reports
 * ICE and connection state, closes sessions that never connect, and keeps publishers well fed:
 * keyframe requests go upstream as PLI, and a REMB every second tells browsers how much they
 * may send (no transport-cc is negotiated, so REMB is their only bandwidth signal from us —
 * notes/werift.md §3b). It gathers as its EndpointIce says; when a TURN server it was given
 * yields no relay candidate, it reports that and its worker avoids that server for a while
 * (turn-health.ts).
 */
import { RTCPeerConnection, type RTCRtpTransceiver, type RtcpPacket, RtcpPayloadSpecificFeedback, RtcpSrPacket } from "werift";
import type {
  ElementStats,
  EndpointConnectionState,
  EndpointIce,
  IceCandidateInit,
  MediaKind,
  NegotiatedMedia,
  NegotiationPlan,
  WorkerSettings,
} from "../protocol.ts";
import { SenderTarget } from "../rtp/rtp-target.ts";
import { senderReportOf } from "../rtp/sender-report.ts";
import { finishAnswer, isUsableCandidate, prepareOffer } from "../sdp/munge.ts";
import { gatherSerially } from "../webrtc/gathering-queue.ts";
import { localCandidates, negotiatedMedia } from "../webrtc/local-description.ts";
import { offerConfiguration, peerConfiguration } from "../webrtc/peer-config.ts";
import { RembSender } from "../webrtc/remb.ts";
import { rtpStreamStats } from "../webrtc/rtp-stats.ts";
import { isTurnServer, type TurnHealth } from "../webrtc/turn-health.ts";
import { WorkerError } from "../worker-error.ts";
import { MediaElement, MEDIA_KINDS } from "./media-element.ts";

const PSFB_PLI = 1;
const PSFB_FIR = 4;

export interface EndpointEvents {
  state(state: EndpointConnectionState, reason?: string): void;
  iceState(state: string): void;
  candidate(candidate: IceCandidateInit & { sdpMid: string; sdpMLineIndex: number }): void;
  gatheringDone(): void;
  candidatePair(localCandidate: string, remoteCandidate: string): void;
  dtlsState(state: string): void;
  gatheringError(reason: string): void;
  videoProfile(profileLevelId: string): void;
}

export class WebRtcEndpoint extends MediaElement {
  readonly #settings: WorkerSettings;
  readonly #events: EndpointEvents;
  readonly #turnHealth: TurnHealth;
  #pc: RTCPeerConnection | undefined;
  #state: EndpointConnectionState = "connecting";
  #iceState = "new";
  #pendingCandidates: IceCandidateInit[] = [];
  #remoteDescriptionSet = false;
  #gatherRequested = false;
  #connectTimer: NodeJS.Timeout | undefined;
  readonly #receivers = new Map<MediaKind, RTCRtpTransceiver>();
  readonly #remoteSsrc: Record<MediaKind, number | undefined> = { audio: undefined, video: undefined };
  readonly #remb: RembSender;

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, events: EndpointEvents, turnHealth: TurnHealth) {
    super(pipelineId, elementId, settings);
    this.#settings = settings;
    this.#events = events;
    this.#turnHealth = turnHealth;
    this.#remb = new RembSender(settings.maxIncomingBitrate, () => this.#rembTarget());
  }

  get connectionState(): EndpointConnectionState {
    return this.#state;
  }

  /** Answers `offer` with exactly `plan`'s codecs. */
  async processOffer(offer: string, plan: NegotiationPlan, ice: EndpointIce): Promise<{ answer: string; negotiated: NegotiatedMedia }> {
    const gathering = this.#gatheringIce(ice);
    const pc = this.#createPeer(peerConfiguration(this.#settings, gathering, plan));
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: prepareOffer(offer, plan) });
    } catch (error) {
      throw new WorkerError("SDP_PARSE_ERROR", `offer refused: ${(error as Error).message}`);
    }
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind as MediaKind;
      if (!MEDIA_KINDS.includes(kind) || !plan.codecs[kind] || transceiver.stopped || transceiver.rejected) continue;
      if (plan.direction !== "recvonly") transceiver.setDirection(plan.direction);
      if (plan.direction !== "sendonly") this.#receive(kind, transceiver);
    }
    await gatherSerially(async () => pc.setLocalDescription(await pc.createAnswer()));
    this.#checkRelay(gathering, pc.localDescription!.sdp);
    const negotiated = await this.#afterNegotiation(pc);
    return { answer: finishAnswer(pc.localDescription!.sdp), negotiated };
  }

  /** Offers every forwarded codec (Kurento's generateOffer); processAnswer completes it. */
  async generateOffer(direction: NegotiationPlan["direction"], audio: boolean, video: boolean, ice: EndpointIce): Promise<string> {
    const gathering = this.#gatheringIce(ice);
    const pc = this.#createPeer(offerConfiguration(this.#settings, gathering));
    for (const kind of MEDIA_KINDS) {
      if ((kind === "audio" && !audio) || (kind === "video" && !video)) continue;
      const transceiver = pc.addTransceiver(kind, { direction });
      if (direction !== "sendonly") this.#receive(kind, transceiver);
    }
    await gatherSerially(async () => pc.setLocalDescription(await pc.createOffer()));
    this.#checkRelay(gathering, pc.localDescription!.sdp);
    return pc.localDescription!.sdp;
  }

  /** `ice` without TURN servers that failed recently, reporting each one left out. */
  #gatheringIce(ice: EndpointIce): EndpointIce {
    const { servers, skipped } = this.#turnHealth.usable(ice.servers);
    for (const { url, failedMsAgo, retryAfterMs } of skipped) {
      this.#events.gatheringError(`TURN server ${url} failed ${Math.round(failedMsAgo / 1000)} s ago; gathering without it (it is tried again ${Math.round(retryAfterMs / 1000)} s after the failure)`);
    }
    return { ...ice, servers };
  }

  /** A TURN server that was asked and gave no relay candidate failed its allocation. */
  #checkRelay(ice: EndpointIce, sdp: string): void {
    const turn = ice.servers.find(isTurnServer);
    if (!turn) return;
    if (/^a=candidate:\S+ \d+ \S+ \d+ \S+ \d+ typ relay/m.test(sdp)) {
      this.#turnHealth.succeeded(turn.urls);
      return;
    }
    this.#turnHealth.failed(turn.urls);
    this.#events.gatheringError(`no relay candidate from TURN server ${turn.urls}: the allocation failed (wrong credentials or shared secret, or the server is unreachable)`);
  }

  async processAnswer(answer: string): Promise<NegotiatedMedia> {
    const pc = this.#pc;
    if (!pc || pc.signalingState !== "have-local-offer") throw new WorkerError("INVALID_STATE", "processAnswer needs a generated offer first");
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
    } catch (error) {
      throw new WorkerError("SDP_PARSE_ERROR", `answer refused: ${(error as Error).message}`);
    }
    return this.#afterNegotiation(pc);
  }

  #createPeer(config: ReturnType<typeof peerConfiguration>): RTCPeerConnection {
    if (this.#pc) throw new WorkerError("INVALID_STATE", "this WebRtcEndpoint has already negotiated");
    const pc = new RTCPeerConnection(config);
    this.#pc = pc;
    pc.connectionStateChange.subscribe((state) => this.#onConnectionState(state));
    pc.iceConnectionStateChange.subscribe((state) => {
      this.#iceState = state;
      if (this.released) return;
      // Kurento reports the pair before the component's CONNECTED state.
      if (state === "connected") this.#reportCandidatePair();
      this.#events.iceState(state);
    });
    return pc;
  }

  async #afterNegotiation(pc: RTCPeerConnection): Promise<NegotiatedMedia> {
    this.#remoteDescriptionSet = true;
    const negotiated = negotiatedMedia(pc);
    for (const transceiver of pc.getTransceivers()) this.#attach(transceiver, negotiated);
    for (const transport of new Set(pc.dtlsTransports)) {
      transport.onStateChange.subscribe((state) => {
        if (!this.released) this.#events.dtlsState(state);
      });
    }
    // Candidates that came before the offer were checked for form only; one the peer
    // connection refuses now must not undo the negotiation (KMS logs and carries on).
    for (const candidate of this.#pendingCandidates.splice(0)) await this.#applyCandidates([candidate]).catch(() => {});
    this.#connectTimer = setTimeout(() => this.#fail(`not connected within ${this.#settings.connectTimeoutMs} ms`), this.#settings.connectTimeoutMs);
    if (this.#gatherRequested) this.gatherCandidates();
    return negotiated;
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

  /**
   * Reports every local candidate as an event, then the end of gathering (Kurento's
   * gatherCandidates). werift gathers while creating the local description, so this replays
   * what it found; asked before any negotiation, it happens right after it.
   */
  gatherCandidates(): void {
    const description = this.#pc?.localDescription;
    if (!description) {
      this.#gatherRequested = true;
      return;
    }
    this.#gatherRequested = false;
    for (const candidate of localCandidates(description.sdp)) this.#events.candidate(candidate);
    this.#events.gatheringDone();
  }

  setMaxIncomingBitrate(bitrate: number): void {
    this.#remb.setBitrate(bitrate);
  }

  #receive(kind: MediaKind, transceiver: RTCRtpTransceiver): void {
    this.#receivers.set(kind, transceiver);
    const output = this.outputs[kind];
    const ssrcs = this.#remoteSsrc;
    transceiver.receiver.track.onReceiveRtp.subscribe((rtp) => {
      ssrcs[kind] = rtp.header.ssrc;
      output.push(rtp);
    });
    // Sender reports tie the stream's RTP clock to the sender's wall clock (A/V sync downstream).
    transceiver.receiver.onRtcp.subscribe((packet) => {
      if (packet.type === RtcpSrPacket.type && (packet as RtcpSrPacket).ssrc === ssrcs[kind]) output.senderReport = senderReportOf(packet as RtcpSrPacket);
    });
  }

  #attach(transceiver: RTCRtpTransceiver, negotiated: NegotiatedMedia): void {
    const kind = transceiver.kind as MediaKind;
    const codec = negotiated.codecs[kind];
    const direction = negotiated.directions[kind];
    if (!codec || !direction || direction === "inactive") return;
    if (direction === "sendonly" || direction === "sendrecv") {
      this.inputs[kind].attachTarget(new SenderTarget(transceiver.sender, codec.mimeType, codec.clockRate));
      transceiver.sender.dtlsTransport.onRtcp.subscribe((packet) => this.#onViewerRtcp(kind, packet));
    }
    if (direction === "recvonly" || direction === "sendrecv") this.outputs[kind].setCodec(codec.mimeType, codec.clockRate);
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
      if (this.#receivers.has("video")) this.#remb.start();
    } else if (state === "failed") {
      this.#fail("ICE or DTLS failed (consent expired or the peer vanished)");
    } else if (state === "closed") {
      this.#setState("closed");
    }
  }

  #reportCandidatePair(): void {
    const pair = this.#pc?.iceTransports[0]?.getSelectedCandidatePair();
    if (pair) this.#events.candidatePair(pair.local.candidate.replace(/^a=/, ""), pair.remote.candidate.replace(/^a=/, ""));
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

  #rembTarget(): { transceiver: RTCRtpTransceiver; ssrc: number } | undefined {
    const transceiver = this.#receivers.get("video");
    const ssrc = this.#remoteSsrc.video;
    return transceiver && ssrc !== undefined ? { transceiver, ssrc } : undefined;
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

  override async stats(): Promise<ElementStats> {
    const pc = this.#pc;
    const rtp = pc ? await rtpStreamStats(pc, this.#remb.sending, (kind) => this.#rembReceived(kind)) : [];
    return { ...(await super.stats()), connectionState: this.#state, iceState: this.#iceState, rtp };
  }

  #rembReceived(kind: MediaKind): number | undefined {
    const transceiver = this.#pc?.getTransceivers().find((candidate) => candidate.kind === kind);
    const bitrate = transceiver?.sender.receiverEstimatedMaxBitrate;
    return typeof bitrate === "bigint" ? Number(bitrate) : typeof bitrate === "number" && bitrate > 0 ? bitrate : undefined;
  }

  protected override async dispose(): Promise<void> {
    clearTimeout(this.#connectTimer);
    this.#remb.stop();
    this.#state = "closed";
    const pc = this.#pc;
    this.#pc = undefined;
    await pc?.close().catch(() => {});
  }
}
