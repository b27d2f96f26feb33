/**
 * Turns a live recording file (append-only WebM/Matroska, fragmented MP4 — see recording-file.ts)
 * into the finished file players like best: Matroska with Duration, SeekHead and Cues; MP4 with
 * the index (moov) at the front so a browser can start and seek over HTTP at once. The same
 * step repairs a recording a crash left unfinished: whatever mediabunny can read of it (every
 * complete cluster or fragment) is copied, packets untouched, and the file is marked with a
 * comment tag saying it was repaired. The new file is written next to the old one and renamed
 * over it, so a crash during this step leaves the live file as it was.
 *
 * A finished Matroska/WebM file declares a video frame rate (DefaultDuration): the finest frame
 * spacing it contains. WebRTC video has no constant rate — an encoder under load drops frames,
 * capture times jitter — and tools that assume one (ffmpeg) otherwise guess it from the first
 * frames; after a slow start (a browser ramps up at 20 fps) they see two later frames in one
 * frame slot and report broken timestamps. With the finest spacing every frame has a slot of
 * its own; mediabunny rounds timestamps to that grid, which moves none by more than half a
 * slot (a few ms, under the file's 1 ms resolution once the spacing reaches 1 ms).
 */
import { rename, rm, stat } from "node:fs/promises";
import {
  ALL_FORMATS,
  EncodedAudioPacketSource,
  EncodedVideoPacketSource,
  Input,
  type InputTrack,
  MkvOutputFormat,
  Mp4OutputFormat,
  Output,
  StreamTarget,
  WebMOutputFormat,
} from "mediabunny";
import { fileHandleSource } from "../container/file-source.ts";
import { mergedPackets } from "../container/merged-packets.ts";
import { openForReading, openForWriting } from "../files/confined-path.ts";
import type { FinishedRecording, MediaKind } from "../protocol.ts";
import type { ContainerName } from "./profiles.ts";

const WRITE_CHUNK = 1024 * 1024;

function finishedFormat(container: ContainerName) {
  if (container === "mp4") return new Mp4OutputFormat({ fastStart: "reserve" });
  return container === "webm" ? new WebMOutputFormat() : new MkvOutputFormat();
}

interface CopiedTrack {
  kind: MediaKind;
  input: InputTrack;
  source: EncodedVideoPacketSource | EncodedAudioPacketSource;
  config: VideoDecoderConfig | AudioDecoderConfig;
  codec: string;
  started: boolean;
}

async function readableTracks(input: Input): Promise<Array<{ kind: MediaKind; input: InputTrack }>> {
  const tracks: Array<{ kind: MediaKind; input: InputTrack }> = [];
  for (const track of await input.getTracks()) {
    if (track.isVideoTrack() && !tracks.some((t) => t.kind === "video") && (await track.getCodec())) tracks.push({ kind: "video", input: track });
    if (track.isAudioTrack() && !tracks.some((t) => t.kind === "audio") && (await track.getCodec())) tracks.push({ kind: "audio", input: track });
  }
  return tracks;
}

/** Highest frame rate a declared one may be: Matroska timestamps have 1 ms resolution. */
const MAX_DECLARED_RATE = 1000;

interface TrackCensus {
  count: number;
  /** Smallest gap between consecutive packets (seconds). */
  finest: number;
}

async function census(tracks: Array<{ kind: MediaKind; input: InputTrack }>): Promise<Map<MediaKind, TrackCensus>> {
  const result = new Map<MediaKind, TrackCensus>(tracks.map((track) => [track.kind, { count: 0, finest: Infinity }]));
  const last = new Map<MediaKind, number>();
  for await (const { track, packet } of mergedPackets(tracks.map((t) => ({ track: t.kind, input: t.input })), { metadataOnly: true })) {
    const entry = result.get(track)!;
    entry.count++;
    const previous = last.get(track);
    if (previous !== undefined && packet.timestamp > previous) entry.finest = Math.min(entry.finest, packet.timestamp - previous);
    last.set(track, packet.timestamp);
  }
  return result;
}

function declaredRate(container: ContainerName, finest: number): number | undefined {
  if (container === "mp4" || !Number.isFinite(finest)) return undefined;
  return Math.min(MAX_DECLARED_RATE, Math.ceil(1 / finest));
}

async function prepareTracks(output: Output, container: ContainerName, tracks: Array<{ kind: MediaKind; input: InputTrack }>, counts: Map<MediaKind, TrackCensus>): Promise<CopiedTrack[]> {
  const copied: CopiedTrack[] = [];
  for (const { kind, input } of tracks) {
    const { count, finest } = counts.get(kind)!;
    if (count === 0) continue;
    if (input.isVideoTrack()) {
      const source = new EncodedVideoPacketSource((await input.getCodec())!);
      const frameRate = declaredRate(container, finest);
      output.addVideoTrack(source, { maximumPacketCount: count, ...(frameRate ? { frameRate } : {}) });
      copied.push({ kind, input, source, config: (await input.getDecoderConfig())!, codec: await input.getCodecParameterString() ?? "", started: false });
    } else if (input.isAudioTrack()) {
      const source = new EncodedAudioPacketSource((await input.getCodec())!);
      output.addAudioTrack(source, { maximumPacketCount: count });
      copied.push({ kind, input, source, config: (await input.getDecoderConfig())!, codec: await input.getCodecParameterString() ?? "", started: false });
    }
  }
  return copied;
}

/** Copies every packet; returns the timeline span in seconds. */
async function copyPackets(tracks: CopiedTrack[]): Promise<number> {
  let end = 0;
  for await (const { track, packet } of mergedPackets(tracks.map((copy) => ({ track: copy, input: copy.input })))) {
    const meta = track.started ? undefined : { decoderConfig: track.config };
    track.started = true;
    await (track.source as EncodedVideoPacketSource).add(packet, meta as never);
    end = Math.max(end, packet.timestamp + packet.duration);
  }
  return end;
}

/**
 * Rewrites `path` (inside `root`) as a finished file of `container`. `comment` is written as
 * the file's comment tag (repairs say so). Throws when nothing in the file can be read.
 */
export async function finishRecordingFile(root: string, path: string, container: ContainerName, comment?: string): Promise<FinishedRecording> {
  const reading = await openForReading([root], path, "recordings");
  const partial = `${path}.finishing`;
  let input: Input | undefined;
  try {
    const { size } = await reading.stat();
    if (size === 0) throw new Error("the file is empty: no media was written");
    input = new Input({ formats: ALL_FORMATS, source: fileHandleSource(reading, size) });
    const tracks = await readableTracks(input);
    const counts = await census(tracks);
    if (![...counts.values()].some((entry) => entry.count > 0)) throw new Error("no complete media packet could be read from the file");
    const writing = await openForWriting(root, partial);
    let span: number;
    let copied: CopiedTrack[];
    try {
      const target = new StreamTarget(
        new WritableStream({ write: async (chunk: { data: Uint8Array; position: number }) => void (await writing.write(chunk.data, 0, chunk.data.byteLength, chunk.position)) }),
        { chunked: true, chunkSize: WRITE_CHUNK },
      );
      const output = new Output({ format: finishedFormat(container), target });
      copied = await prepareTracks(output, container, tracks, counts);
      if (comment) output.setMetadataTags({ comment });
      await output.start();
      span = await copyPackets(copied);
      await output.finalize();
      await writing.datasync();
    } finally {
      await writing.close();
    }
    const finishedSize = (await stat(partial)).size;
    await rename(partial, path);
    return {
      durationMs: Math.round(span * 1000),
      size: finishedSize,
      codecs: Object.fromEntries(copied.map((track) => [track.kind, track.codec])),
    };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    input?.dispose();
    await reading.close();
  }
}
