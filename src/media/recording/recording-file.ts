/**
 * The file a recording is written to while it runs, built with mediabunny so that a crash can
 * never cost more than the last moment: WebM and Matroska append-only (unknown-size Segment and
 * Clusters, nothing ever rewritten), MP4 fragmented (ftyp+moov, then moof+mdat per fragment).
 * Every byte mediabunny produces goes straight to the file (no chunk buffering), and the file is
 * synced to disk every `syncIntervalMs`. Packets are queued and written in order by one drain
 * loop, so the RTP path never waits for the disk. The finished file (index, duration) is made
 * afterwards by finish-file.ts.
 */
import type { FileHandle } from "node:fs/promises";
import {
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  MkvOutputFormat,
  Mp4OutputFormat,
  Output,
  StreamTarget,
  type AudioCodec,
  type VideoCodec,
  WebMOutputFormat,
} from "mediabunny";
import type { MediaKind } from "../protocol.ts";
import { CONTAINER_CODECS, OPUS_CONFIG, type VideoConfig } from "./decoder-config.ts";
import type { ContainerName } from "./profiles.ts";

export interface FileTrack {
  kind: MediaKind;
  /** RTP codec name (`vp8`, `h264`, `opus`…). */
  codec: string;
  /** Video: read from the first keyframe. */
  video?: VideoConfig;
}

interface QueuedPacket {
  kind: MediaKind;
  /** A packet to write, or none: the track ends here. */
  packet: EncodedPacket | undefined;
}

/** How long a fragment or cluster may grow before the muxer closes it at the next keyframe. */
const FRAGMENT_SECONDS = 1;

function liveFormat(container: ContainerName) {
  switch (container) {
    case "webm":
      return new WebMOutputFormat({ appendOnly: true, minimumClusterDuration: FRAGMENT_SECONDS });
    case "mkv":
      return new MkvOutputFormat({ appendOnly: true, minimumClusterDuration: FRAGMENT_SECONDS });
    case "mp4":
      return new Mp4OutputFormat({ fastStart: "fragmented", minimumFragmentDuration: FRAGMENT_SECONDS });
  }
}

export class RecordingFile {
  readonly #handle: FileHandle;
  readonly #output: Output;
  readonly #sources = new Map<MediaKind, EncodedVideoPacketSource | EncodedAudioPacketSource>();
  readonly #configured = new Set<MediaKind>();
  readonly #tracks: Map<MediaKind, FileTrack>;
  #queue: QueuedPacket[] = [];
  #draining: Promise<void> | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #dirty = false;
  readonly #started: Promise<void>;
  #closed: Promise<void> | undefined;
  /** The first write error; the recording has failed once it is set. */
  error: Error | undefined;

  /** Starts a file on an open handle with these tracks; the header is written in the background. */
  constructor(handle: FileHandle, container: ContainerName, tracks: FileTrack[], syncIntervalMs: number) {
    this.#handle = handle;
    this.#tracks = new Map(tracks.map((track) => [track.kind, track]));
    const writable = new WritableStream<{ type: "write"; data: Uint8Array; position: number }>({
      write: async (chunk) => {
        await handle.write(chunk.data, 0, chunk.data.byteLength, chunk.position);
        this.#dirty = true;
      },
    });
    this.#output = new Output({ format: liveFormat(container), target: new StreamTarget(writable, { chunked: false }) });
    for (const track of tracks) {
      if (track.kind === "video") {
        const source = new EncodedVideoPacketSource(CONTAINER_CODECS[track.codec] as VideoCodec);
        this.#output.addVideoTrack(source);
        this.#sources.set("video", source);
      } else {
        const source = new EncodedAudioPacketSource(CONTAINER_CODECS[track.codec] as AudioCodec);
        this.#output.addAudioTrack(source);
        this.#sources.set("audio", source);
      }
    }
    this.#syncTimer = setInterval(() => this.#sync(), syncIntervalMs);
    this.#syncTimer.unref();
    this.#started = this.#output.start().catch((error: Error) => {
      this.error ??= error;
    });
  }

  /** Queues one frame; `timestamp` and `duration` in seconds on the recording's timeline. */
  write(kind: MediaKind, data: Uint8Array, timestamp: number, duration: number, keyframe: boolean): void {
    if (this.error || this.#closed || !this.#sources.has(kind)) return;
    this.#queue.push({ kind, packet: new EncodedPacket(data, keyframe ? "key" : "delta", timestamp, duration) });
    this.#kick();
  }

  /**
   * Ends a track: the muxer stops waiting for it to interleave the others (it would otherwise
   * hold their packets in memory for as long as it stays silent).
   */
  endTrack(kind: MediaKind): void {
    if (this.error || this.#closed || !this.#sources.has(kind)) return;
    this.#queue.push({ kind, packet: undefined });
    this.#kick();
  }

  #kick(): void {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    await this.#started;
    while (this.#queue.length > 0 && !this.error) {
      const queue = this.#queue;
      this.#queue = [];
      for (const { kind, packet } of queue) {
        try {
          if (packet) await this.#add(kind, packet);
          else this.#sources.get(kind)!.close();
        } catch (error) {
          this.error = error as Error;
          return;
        }
      }
    }
  }

  async #add(kind: MediaKind, packet: EncodedPacket): Promise<void> {
    const source = this.#sources.get(kind)!;
    if (this.#configured.has(kind)) return source.add(packet as never);
    this.#configured.add(kind);
    if (source instanceof EncodedVideoPacketSource) return source.add(packet, { decoderConfig: this.#tracks.get("video")!.video! });
    return source.add(packet, { decoderConfig: OPUS_CONFIG });
  }

  #sync(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#handle.datasync().catch((error: Error) => {
      this.error ??= error;
    });
  }

  /** Writes what is queued, closes the last cluster or fragment and the file. Idempotent. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      clearInterval(this.#syncTimer);
      await this.#started;
      await this.#draining;
      await this.#drain();
      try {
        if (!this.error) await this.#output.finalize();
        else await this.#output.cancel();
        await this.#handle.datasync();
      } catch (error) {
        this.error ??= error as Error;
      } finally {
        await this.#handle.close().catch(() => {});
      }
    })());
  }
}
