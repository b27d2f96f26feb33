/**
 * Plays a file in real time: packets of all tracks in timestamp order (merged-packets.ts), each
 * sent when the wall clock reaches its timestamp, packetized to RTP and pushed into the
 * element's outputs. Audio and video share one play clock, which also gives their RTP
 * timestamps, so they stay in sync at the viewer; the play clock runs on across pauses and
 * seeks, so RTP timestamps never jump back. A seek restarts from the video keyframe at or
 * before the position (audio from the same time), so a viewer always gets a decodable picture.
 */
import { EncodedPacketSink, type EncodedPacket, type InputTrack } from "mediabunny";
import { setTimeout as sleep } from "node:timers/promises";
import { mergedPackets, type TrackStart } from "../container/merged-packets.ts";
import type { MediaOutput } from "../rtp/media-output.ts";
import type { FilePacketizer } from "./file-packetizer.ts";

/** Waits shorter than this are not worth a timer: the packet goes now. */
const MIN_WAIT_MS = 2;
/** Play-clock step between the last packet before a seek or pause and the first after it. */
const SEGMENT_GAP_SECONDS = 0.04;

export interface PlaybackTrack {
  input: InputTrack;
  packetizer: FilePacketizer;
  output: MediaOutput;
  /** Random RTP timestamp origin (RFC 3550 §5.1). */
  rtpBase: number;
}

export interface PlaybackEvents {
  endOfStream(): void;
  error(error: Error): void;
}

export class Playback {
  readonly #tracks: PlaybackTrack[];
  readonly #events: PlaybackEvents;
  #position = 0;
  /** Play-clock seconds already used by earlier segments. */
  #clock = 0;
  #run: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(tracks: PlaybackTrack[], events: PlaybackEvents) {
    this.#tracks = tracks;
    this.#events = events;
  }

  /** Media position in seconds. */
  get position(): number {
    return this.#position;
  }

  get playing(): boolean {
    return this.#run !== undefined;
  }

  play(): void {
    if (this.#run) return;
    const run = new AbortController();
    this.#run = run;
    this.#running = this.#play(run.signal).catch((error: Error) => {
      if (!run.signal.aborted) this.#events.error(error);
    });
  }

  /** Stops sending; resolves once the loop has let go. */
  async pause(): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    run?.abort();
    await this.#running;
  }

  async seek(seconds: number): Promise<void> {
    const wasPlaying = this.playing;
    await this.pause();
    this.#position = Math.max(0, seconds);
    if (wasPlaying) this.play();
  }

  async #starts(from: number): Promise<{ starts: TrackStart<PlaybackTrack>[]; begin: number }> {
    const video = this.#tracks.find((track) => track.packetizer.kind === "video");
    const sinkOf = (track: PlaybackTrack) => new EncodedPacketSink(track.input);
    let begin = from;
    let videoStart: EncodedPacket | null = null;
    if (video) {
      videoStart = (await sinkOf(video).getKeyPacket(from)) ?? (await sinkOf(video).getFirstPacket());
      if (videoStart) begin = videoStart.timestamp;
    }
    const starts: TrackStart<PlaybackTrack>[] = [];
    for (const track of this.#tracks) {
      const start = track === video ? videoStart : ((await sinkOf(track).getPacket(begin)) ?? (await sinkOf(track).getFirstPacket()));
      if (start) starts.push({ track, input: track.input, from: start });
    }
    return { starts, begin };
  }

  async #play(signal: AbortSignal): Promise<void> {
    const { starts, begin } = await this.#starts(this.#position);
    const wallStart = performance.now();
    const clockStart = this.#clock;
    let clock = clockStart;
    try {
      for await (const { track, packet } of mergedPackets(starts)) {
        const wait = wallStart + (packet.timestamp - begin) * 1000 - performance.now();
        if (wait > MIN_WAIT_MS) await sleep(wait, undefined, { signal }).catch(() => {});
        if (signal.aborted) return;
        clock = clockStart + Math.max(0, packet.timestamp - begin);
        const rtpTimestamp = (track.rtpBase + Math.round(clock * track.packetizer.codec.clockRate)) >>> 0;
        for (const rtp of track.packetizer.packetize(packet, rtpTimestamp)) track.output.push(rtp);
        this.#position = packet.timestamp;
      }
    } finally {
      this.#clock = clock + SEGMENT_GAP_SECONDS;
    }
    if (signal.aborted) return;
    this.#run = undefined;
    this.#position = 0;
    for (const track of this.#tracks) track.output.endOfStream();
    this.#events.endOfStream();
  }
}
