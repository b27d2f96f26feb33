/**
 * werift peers for tests, confined to 127.0.0.1: host candidates only on loopback (werift
 * gathers none there by itself), no public STUN fallback (the same patch the server uses), and
 * a pair filter that refuses anything but loopback (notes/testing-peers.md).
 */
import "../../src/media/webrtc/no-default-stun.ts";
import "../../src/media/webrtc/ntp-time.ts";
import "../../src/media/webrtc/srtp-key-objects.ts";
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useSdesMid, type RTCPeerConnectionConfig, type RTCRtpTransceiver } from "werift";

export function loopbackConfig(extra: RTCPeerConnectionConfig = {}): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceInterfaceAddresses: { udp4: "127.0.0.1" },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === "127.0.0.1" && pair.remoteCandidate.host === "127.0.0.1",
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    // With max-compat werift opens a transport per m-line and never closes the ones BUNDLE drops.
    bundlePolicy: "max-bundle",
    ...extra,
  };
}

export const VP8 = new RTCRtpCodecParameters({
  mimeType: "video/VP8",
  clockRate: 90000,
  payloadType: 96,
  rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "goog-remb" }],
});
export const H264 = new RTCRtpCodecParameters({
  mimeType: "video/H264",
  clockRate: 90000,
  payloadType: 102,
  parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "goog-remb" }],
});
export const OPUS = new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: 111 });

/** Keeps only 127.0.0.1 candidates in an SDP. */
export function loopbackOnly(sdp: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") || line.split(" ")[4] === "127.0.0.1")
    .join("\r\n");
}

export interface Publisher {
  pc: RTCPeerConnection;
  video: RTCRtpTransceiver;
  audio: RTCRtpTransceiver;
  offer: string;
}

/** A sendonly audio+video werift publisher with its gathered offer. */
export async function createPublisher(video = VP8): Promise<Publisher> {
  const pc = new RTCPeerConnection(loopbackConfig({ codecs: { video: [video], audio: [OPUS] } }));
  const audioTransceiver = pc.addTransceiver("audio", { direction: "sendonly" });
  const videoTransceiver = pc.addTransceiver("video", { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  return { pc, audio: audioTransceiver, video: videoTransceiver, offer: loopbackOnly(pc.localDescription!.sdp) };
}

export interface Viewer {
  pc: RTCPeerConnection;
  offer: string;
  received: { audio: RtpPacket[]; video: RtpPacket[] };
  firstPacketAt: { audio?: number; video?: number };
}

/** Records every RTP packet the peer receives, per kind, and when the first one came. */
function recordIncoming(pc: RTCPeerConnection): Pick<Viewer, "received" | "firstPacketAt"> {
  const received: Viewer["received"] = { audio: [], video: [] };
  const firstPacketAt: Viewer["firstPacketAt"] = {};
  pc.onTrack.subscribe((track) => {
    const kind = track.kind as "audio" | "video";
    track.onReceiveRtp.subscribe((rtp) => {
      firstPacketAt[kind] ??= performance.now();
      received[kind].push(rtp);
    });
  });
  return { received, firstPacketAt };
}

/** A recvonly audio+video werift viewer recording every RTP packet it gets. */
export async function createViewer(videoCodecs = [VP8, H264]): Promise<Viewer> {
  const pc = new RTCPeerConnection(loopbackConfig({ codecs: { video: videoCodecs, audio: [OPUS] } }));
  const incoming = recordIncoming(pc);
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.addTransceiver("video", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  return { pc, offer: loopbackOnly(pc.localDescription!.sdp), ...incoming };
}

/** A sendrecv peer (a browser in a call): publishes like createPublisher, records like createViewer. */
export async function createCaller(video = VP8): Promise<Publisher & Viewer> {
  const pc = new RTCPeerConnection(loopbackConfig({ codecs: { video: [video], audio: [OPUS] } }));
  const incoming = recordIncoming(pc);
  const audio = pc.addTransceiver("audio", { direction: "sendrecv" });
  const videoTransceiver = pc.addTransceiver("video", { direction: "sendrecv" });
  await pc.setLocalDescription(await pc.createOffer());
  return { pc, audio, video: videoTransceiver, offer: loopbackOnly(pc.localDescription!.sdp), ...incoming };
}

/** A synthetic VP8 packet (RFC 7741): descriptor with S=1, then a payload header whose P bit marks key/delta. */
export function vp8Packet(sequenceNumber: number, timestamp: number, keyframe: boolean, size = 600, fill = 0xab): RtpPacket {
  const payload = Buffer.alloc(size, fill);
  payload[0] = 0x10; // S=1, PID=0
  payload[1] = keyframe ? 0x00 : 0x01; // P=0: keyframe
  const header = new RtpHeader({ payloadType: 96, sequenceNumber, timestamp, marker: true, ssrc: 1234 });
  return new RtpPacket(header, payload);
}

export function opusPacket(sequenceNumber: number, timestamp: number): RtpPacket {
  const header = new RtpHeader({ payloadType: 111, sequenceNumber, timestamp, marker: false, ssrc: 5678 });
  return new RtpPacket(header, Buffer.alloc(80, 0x11));
}

/**
 * Sends `seconds` of 30 fps synthetic VP8 (a keyframe every `gop` frames) and 50 pps Opus from
 * a connected publisher, paced in real time; video payloads are filled with `fill` so tests can
 * tell publishers apart. Returns the number of video frames sent.
 */
export async function sendSyntheticMedia(publisher: Publisher, seconds: number, gop = 30, signal?: AbortSignal, fill = 0xab): Promise<number> {
  let sent = 0;
  let audioSent = 0;
  const frames = Math.round(seconds * 30);
  for (let frame = 0; frame < frames && !signal?.aborted; frame++) {
    await publisher.video.sender.sendRtp(vp8Packet(frame & 0xffff, frame * 3000, frame % gop === 0, 600, fill));
    // 50 Opus packets per second against 30 video frames: 5 audio packets every 3 frames.
    for (const due = Math.floor(((frame + 1) * 5) / 3); audioSent < due; audioSent++) {
      await publisher.audio.sender.sendRtp(opusPacket(audioSent & 0xffff, audioSent * 960));
    }
    sent++;
    await new Promise((resolve) => setTimeout(resolve, 33));
  }
  return sent;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
