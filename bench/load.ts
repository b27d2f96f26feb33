/**
 * The load process of `npm run bench`, started by bench/forwarding.ts over an IPC channel: one
 * werift publisher sending a VP8-like stream shaped like a real 2.5 Mbit/s encoder (30 fps,
 * ~1,200-byte packets, a 72-packet keyframe every 2 s and 8-packet delta frames ≈ 272 pkt/s)
 * plus 50 pkt/s Opus-sized audio, and N werift viewers that count what they receive. Each
 * viewer's join is timed from its WHEP POST to its first video RTP packet; counters are
 * snapshotted just before a delta frame is due, away from keyframes, so that few packets are
 * in flight at the window's edges. All peers are confined to 127.0.0.1 and cannot reach a
 * public STUN server (test/helpers/werift-peer.ts); their SRTP keys are KeyObjects
 * (src/media/webrtc/srtp-key-objects.ts, as in the server), which keeps the viewers cheap
 * enough for one core.
 */
import "../src/media/webrtc/no-default-stun.ts";
import "../src/media/webrtc/srtp-key-objects.ts";
import { RTCPeerConnection, RtpHeader, RtpPacket } from "werift";
import { createPublisher, loopbackConfig, loopbackOnly, OPUS, VP8, waitFor, type Publisher } from "../test/helpers/werift-peer.ts";

export type LoadCommand =
  | { type: "start"; url: string; stream: string; viewers: number; concurrency: number; joinTimeoutMs: number }
  | { type: "snapshot" }
  | { type: "stop" };

export interface JoinRecord {
  ok: boolean;
  error?: string;
  /** ms from the WHEP POST to: its response, `connected`, the first video RTP packet. */
  answerMs?: number;
  connectedMs?: number;
  firstVideoMs?: number;
}

export interface Counters {
  sent: { video: number; audio: number };
  received: { video: number; audio: number };
  /** Of those, packets received a second time (retransmissions answering NACKs). */
  duplicates: { video: number; audio: number };
  /** Packets the viewers should have got by sequence number (RFC 3550 §A.3 style). */
  expected: { video: number; audio: number };
  /** Video packets received so far by each joined viewer. */
  videoPerViewer: number[];
}

export type LoadReport =
  | { type: "publishing"; connectMs: number }
  | { type: "joined"; joins: JoinRecord[] }
  | { type: "snapshot"; counters: Counters }
  | { type: "failed"; error: string }
  | { type: "stopped" };

const FPS = 30;
const GOP_FRAMES = 60;
const KEYFRAME_PACKETS = 72;
const DELTA_PACKETS = 8;
const VIDEO_PAYLOAD = 1188; // + 12-byte RTP header = 1,200 bytes
const AUDIO_PAYLOAD = 120;

/** VP8 payload descriptor (RFC 7741 §4.2) S bit on a frame's first packet; P bit clear on a keyframe. */
function vp8Payload(first: boolean, keyframe: boolean): Buffer {
  const payload = Buffer.alloc(VIDEO_PAYLOAD, 0x5a);
  payload[0] = first ? 0x10 : 0x00;
  payload[1] = keyframe ? 0x00 : 0x01;
  return payload;
}
const PAYLOADS = { keyStart: vp8Payload(true, true), deltaStart: vp8Payload(true, false), rest: vp8Payload(false, false) };
const OPUS_PAYLOAD = Buffer.alloc(AUDIO_PAYLOAD, 0x11);

const sent = { video: 0, audio: 0 };
/** A snapshot asked for: taken just before a delta frame goes out, when little is in flight. */
let snapshotRequested = false;

/** Paces the stream in real time from a fixed origin, so timer jitter never changes the rate. */
function startMedia(publisher: Publisher): () => void {
  const origin = performance.now();
  let frame = 0;
  let audioFrame = 0;
  let sequence = 0;
  const send = (transceiver: Publisher["video"], packet: RtpPacket) => {
    transceiver.sender.sendRtp(packet).catch(() => {});
  };
  const timer = setInterval(() => {
    const elapsed = performance.now() - origin;
    for (; frame <= (elapsed * FPS) / 1000; frame++) {
      const phase = frame % GOP_FRAMES;
      if (snapshotRequested && phase > 10 && phase < GOP_FRAMES - 10) {
        snapshotRequested = false;
        report({ type: "snapshot", counters: counters() });
      }
      const keyframe = phase === 0;
      const packets = keyframe ? KEYFRAME_PACKETS : DELTA_PACKETS;
      for (let index = 0; index < packets; index++) {
        const payload = index > 0 ? PAYLOADS.rest : keyframe ? PAYLOADS.keyStart : PAYLOADS.deltaStart;
        const header = new RtpHeader({ payloadType: 96, sequenceNumber: sequence++ & 0xffff, timestamp: (frame * 3000) >>> 0, marker: index === packets - 1, ssrc: 1234 });
        send(publisher.video, new RtpPacket(header, payload));
        sent.video++;
      }
    }
    for (; audioFrame <= elapsed / 20; audioFrame++) {
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: audioFrame & 0xffff, timestamp: (audioFrame * 960) >>> 0, ssrc: 5678 });
      send(publisher.audio, new RtpPacket(header, OPUS_PAYLOAD));
      sent.audio++;
    }
  }, 5);
  return () => clearInterval(timer);
}

/** Received, duplicate (NACK retransmissions) and expected counts of one track at one viewer. */
class TrackCounter {
  received = 0;
  duplicates = 0;
  #seen = new Uint8Array(0x10000);
  #first = -1;
  #highest = -1;
  #cycles = 0;

  count(sequenceNumber: number): void {
    this.received++;
    if (this.#seen[sequenceNumber]) {
      this.duplicates++;
      return;
    }
    this.#seen[sequenceNumber] = 1;
    if (this.#first < 0) {
      this.#first = this.#highest = sequenceNumber;
      return;
    }
    const delta = (sequenceNumber - this.#highest) & 0xffff;
    if (delta >= 0x8000) return; // late: fills an earlier gap
    // Forget the half of the sequence space behind us, so the marks work across wrap-around.
    for (let step = 1; step <= delta; step++) this.#seen[(this.#highest + step + 0x8000) & 0xffff] = 0;
    if (sequenceNumber < this.#highest) this.#cycles += 0x10000;
    this.#highest = sequenceNumber;
  }

  /** Distinct packets the viewer should have got (RFC 3550 §A.3 extended highest − first + 1). */
  get expected(): number {
    return this.#first < 0 ? 0 : this.#cycles + this.#highest - this.#first + 1;
  }
}

interface BenchViewer {
  pc: RTCPeerConnection;
  video: TrackCounter;
  audio: TrackCounter;
  firstVideoAt?: number;
}

const viewers: BenchViewer[] = [];
const peers: RTCPeerConnection[] = [];

async function joinViewer(url: string, stream: string, timeoutMs: number): Promise<JoinRecord> {
  const pc = new RTCPeerConnection(loopbackConfig({ codecs: { video: [VP8], audio: [OPUS] } }));
  peers.push(pc);
  const viewer: BenchViewer = { pc, video: new TrackCounter(), audio: new TrackCounter() };
  pc.onTrack.subscribe((track) => {
    const counter = track.kind === "video" ? viewer.video : viewer.audio;
    track.onReceiveRtp.subscribe((rtp) => {
      if (track.kind === "video") viewer.firstVideoAt ??= performance.now();
      counter.count(rtp.header.sequenceNumber);
    });
  });
  let connectedAt: number | undefined;
  pc.connectionStateChange.subscribe((state) => {
    if (state === "connected") connectedAt ??= performance.now();
  });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.addTransceiver("video", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  const postedAt = performance.now();
  const response = await fetch(`${url}/whep/${stream}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: loopbackOnly(pc.localDescription!.sdp) });
  const body = await response.text();
  const answerMs = performance.now() - postedAt;
  if (response.status !== 201) return { ok: false, answerMs, error: `WHEP ${response.status}: ${body.slice(0, 200)}` };
  await pc.setRemoteDescription({ type: "answer", sdp: loopbackOnly(body) });
  viewers.push(viewer);
  try {
    await waitFor(() => viewer.firstVideoAt !== undefined, timeoutMs, "first video packet");
  } catch {
    const state = `${pc.connectionState}/${pc.iceConnectionState}`;
    return { ok: false, answerMs, error: `no video within ${timeoutMs} ms (connection ${state})` };
  }
  return { ok: true, answerMs, connectedMs: connectedAt && connectedAt - postedAt, firstVideoMs: viewer.firstVideoAt! - postedAt };
}

/** Joins `count` viewers, at most `concurrency` at a time. */
async function joinAll(url: string, stream: string, count: number, concurrency: number, timeoutMs: number): Promise<JoinRecord[]> {
  const joins: JoinRecord[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      joins.push(await joinViewer(url, stream, timeoutMs).catch((error: Error) => ({ ok: false, error: error.message })));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return joins;
}

function counters(): Counters {
  const sum = (pick: (viewer: BenchViewer) => number) => viewers.reduce((total, viewer) => total + pick(viewer), 0);
  return {
    sent: { ...sent },
    received: { video: sum((viewer) => viewer.video.received), audio: sum((viewer) => viewer.audio.received) },
    duplicates: { video: sum((viewer) => viewer.video.duplicates), audio: sum((viewer) => viewer.audio.duplicates) },
    expected: { video: sum((viewer) => viewer.video.expected), audio: sum((viewer) => viewer.audio.expected) },
    videoPerViewer: viewers.map((viewer) => viewer.video.received),
  };
}

let stopMedia = () => {};

async function start(command: Extract<LoadCommand, { type: "start" }>): Promise<void> {
  const publisher = await createPublisher(VP8);
  peers.push(publisher.pc);
  const postedAt = performance.now();
  const response = await fetch(`${command.url}/whip/${command.stream}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: publisher.offer });
  const answer = await response.text();
  if (response.status !== 201) throw new Error(`WHIP ${response.status}: ${answer.slice(0, 200)}`);
  await publisher.pc.setRemoteDescription({ type: "answer", sdp: loopbackOnly(answer) });
  await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher connected");
  report({ type: "publishing", connectMs: performance.now() - postedAt });
  publisher.pc.connectionStateChange.subscribe((state) => {
    if (state === "disconnected" || state === "failed") console.error(`  [load] publisher connection ${state} at ${new Date().toISOString()}`);
  });
  stopMedia = startMedia(publisher);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the server holds a keyframe by now
  report({ type: "joined", joins: await joinAll(command.url, command.stream, command.viewers, command.concurrency, command.joinTimeoutMs) });
}

function report(message: LoadReport): void {
  if (process.connected) process.send!(message);
}

async function stop(): Promise<void> {
  stopMedia();
  await Promise.allSettled(peers.map((pc) => pc.close()));
  report({ type: "stopped" });
  process.disconnect();
}

if (!process.send) {
  console.error("bench/load.ts is started by bench/forwarding.ts (npm run bench)");
  process.exit(2);
}
// werift rejects promises on its own timers while transports close; that is not a bench failure.
process.on("unhandledRejection", () => {});
process.on("disconnect", () => process.exit(0));
process.on("message", (command: LoadCommand) => {
  if (command.type === "start") start(command).catch((error: Error) => report({ type: "failed", error: error.message }));
  else if (command.type === "snapshot") snapshotRequested = true;
  else if (command.type === "stop") void stop();
});
