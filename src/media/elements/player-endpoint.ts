/**
 * Kurento's PlayerEndpoint: plays a file (MP4, WebM, Matroska; from a media root or over
 * http(s)) into the pipeline, passing its encoded media through — no decoding, so what is
 * connected gets the file's codecs. The source is opened when the player is created, so its
 * codecs are known before anything negotiates; one that cannot be read then is reported as
 * Kurento does (an Error, RESOURCE_ERROR_OPEN) and opened again at `play`, which fails with the
 * reason if it still cannot. `play`, `pause`, `stop` and `seek` drive a real-time Playback.
 * A sink that negotiated a codec the file does not have gets nothing, and the player reports
 * an Error naming both codecs. EndOfStream is reported (and passed downstream, so a recorder
 * with stopOnEndOfStream stops) when the file runs out.
 */
import { codecName } from "../codecs.ts";
import type { MediaInput } from "../rtp/media-input.ts";
import { filePacketizer, type FilePacketizer } from "../player/file-packetizer.ts";
import { Playback, type PlaybackTrack } from "../player/playback.ts";
import { openError, openPlayerInput, type PlayerInput } from "../player/player-input.ts";
import type { MediaKind, PlayerInfo, PlayerSource, WorkerSettings } from "../protocol.ts";
import { WorkerError } from "../worker-error.ts";
import { UriEndpoint, type UriEndpointEvents } from "./uri-endpoint.ts";

/** How often a playing player looks for sinks that negotiated another codec. */
const SINK_CHECK_MS = 1000;

export interface PlayerEvents extends UriEndpointEvents {
  endOfStream(): void;
}

export class PlayerEndpoint extends UriEndpoint<PlayerEvents> {
  readonly #source: PlayerSource;
  readonly #settings: WorkerSettings;
  #openError: WorkerError | undefined;
  #opened: PlayerInput | undefined;
  #playback: Playback | undefined;
  #info: PlayerInfo | undefined;
  #sinkTimer: NodeJS.Timeout | undefined;
  readonly #reported = new WeakSet<MediaInput>();

  constructor(pipelineId: string, elementId: string, settings: WorkerSettings, source: PlayerSource, events: PlayerEvents) {
    super(pipelineId, elementId, settings, events);
    this.#source = source;
    this.#settings = settings;
  }

  /** Opens the source; when it cannot be read, reports why (and `play` tries again). Never throws. */
  async open(): Promise<void> {
    try {
      await this.#open();
      this.#openError = undefined;
    } catch (error) {
      const refused = openError(error, this.#source.kind === "file" ? this.#source.path : this.#source.url);
      this.#openError = refused;
      this.events.error("RESOURCE_ERROR_OPEN", refused.message, refused.code);
    }
  }

  /** Opens the source and readies a packetizer per playable track; throws a WorkerError when it cannot. */
  async #open(): Promise<void> {
    await this.#opened?.close().catch(() => {});
    this.#opened = undefined;
    const opened = await openPlayerInput(this.#source, this.#settings.player);
    this.#opened = opened;
    const tracks: PlaybackTrack[] = [];
    const skipped: string[] = [];
    const codecs: PlayerInfo["codecs"] = {};
    for (const track of await opened.input.getTracks()) {
      const packetizer = await filePacketizer(track);
      if (typeof packetizer === "string") {
        skipped.push(packetizer);
        continue;
      }
      if (codecs[packetizer.kind]) continue; // one track per kind, the first
      codecs[packetizer.kind] = packetizer.codec;
      tracks.push(this.#track(track, packetizer));
    }
    const duration = Math.round((await opened.input.computeDuration()) * 1000);
    this.#info = { codecs, skipped, videoInfo: { isSeekable: true, seekableInit: 0, seekableEnd: duration, duration } };
    if (tracks.length === 0) throw new WorkerError("UNSUPPORTED_MEDIA", `nothing in the file can be played: ${skipped.join("; ") || "it has no tracks"}`);
    this.#playback = new Playback(tracks, {
      endOfStream: () => {
        this.setState("STOP");
        this.events.endOfStream();
      },
      error: (error) => {
        this.setState("STOP");
        this.events.error("RESOURCE_ERROR_READ", `reading the media failed: ${error.message}`, "INTERNAL");
      },
    });
  }

  #track(track: PlaybackTrack["input"], packetizer: FilePacketizer): PlaybackTrack {
    const output = this.outputs[packetizer.kind];
    output.setCodec(packetizer.codec.mimeType, packetizer.codec.clockRate);
    return { input: track, packetizer, output, rtpBase: (Math.random() * 0xffffffff) >>> 0 };
  }

  get info(): PlayerInfo {
    if (this.#openError) return { codecs: {}, skipped: [], videoInfo: { isSeekable: false, seekableInit: 0, seekableEnd: 0, duration: 0 }, error: this.#openError.message };
    return this.#info!;
  }

  async play(): Promise<void> {
    if (this.state === "START") return;
    if (!this.#playback) {
      await this.open();
      if (this.#openError) throw this.#openError;
    }
    if (!this.#playback || this.released) return;
    this.setState("START");
    this.#playback.play();
    this.#checkSinks();
    clearInterval(this.#sinkTimer);
    this.#sinkTimer = setInterval(() => this.#checkSinks(), SINK_CHECK_MS);
  }

  async pause(): Promise<void> {
    if (this.state !== "START") return;
    clearInterval(this.#sinkTimer);
    await this.#playback?.pause();
    this.setState("PAUSE");
  }

  async stop(): Promise<void> {
    clearInterval(this.#sinkTimer);
    await this.#playback?.pause();
    await this.#playback?.seek(0);
    this.setState("STOP");
  }

  /** Kurento setPosition: continues playing (or stays paused) at `positionMs`. */
  async seek(positionMs: number): Promise<void> {
    await this.#playback?.seek(positionMs / 1000);
  }

  get positionMs(): number {
    return Math.round((this.#playback?.position ?? 0) * 1000);
  }

  /** Reports, once per sink, a sink that negotiated a codec the file does not send. */
  #checkSinks(): void {
    for (const kind of ["audio", "video"] as MediaKind[]) {
      const output = this.outputs[kind];
      for (const sink of output.sinks) {
        const wanted = sink.targetMimeType;
        if (!wanted || this.#reported.has(sink) || output.mimeType === undefined || codecName(wanted) === codecName(output.mimeType)) continue;
        this.#reported.add(sink);
        this.events.error(
          "STREAM_ERROR_CODEC_NOT_FOUND",
          `a connected element negotiated ${codecName(wanted).toUpperCase()} ${kind}, but the file has ${codecName(output.mimeType).toUpperCase()}; it gets no ${kind} (Pipewright does not transcode)`,
          "UNSUPPORTED_MEDIA",
        );
      }
    }
  }

  protected override async dispose(): Promise<void> {
    clearInterval(this.#sinkTimer);
    await this.#playback?.pause();
    await this.#opened?.close().catch(() => {});
    this.#opened = undefined;
  }
}
