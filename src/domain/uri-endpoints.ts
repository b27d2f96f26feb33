/**
 * What creating a RecorderEndpoint or PlayerEndpoint needs besides the row: its `uri` checked
 * and resolved (media-uris.ts) and its media profile checked, stored on the element as its
 * `mediaSetup` — what the worker gets when the element is created, and again when its pipeline
 * is re-created after a worker restart. A created player reports what its file holds (codecs,
 * duration), kept on the element: a WebRtcEndpoint it feeds is offered those codecs — or why
 * it could not be read (`openError`; the worker tries again at play, as Kurento opens there).
 */
import type { PlayerInfo } from "../media/protocol.ts";
import { isRecordingProfile, RECORDING_PROFILES } from "../media/recording/profiles.ts";
import type { ElementRow } from "../store/pipelines.ts";
import { PipewrightError } from "./errors.ts";
import { playerSource, recorderPath, type UriPolicy } from "./media-uris.ts";
import type { PipelineMedia } from "./pipeline-media.ts";

/** What a player's element keeps of its worker's report: codecs, Kurento's VideoInfo, problems. */
export function playerProperties(info: PlayerInfo): Record<string, unknown> {
  return {
    codecs: info.codecs,
    videoInfo: { __module__: "kurento", __type__: "VideoInfo", ...info.videoInfo },
    skippedTracks: info.skipped,
    openError: info.error ?? null,
  };
}

/** Extra steps of element creation for types that need them. */
export interface ElementPreparation {
  /** Properties to store on the new element; throws to refuse the creation. */
  beforeCreate(type: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Properties learnt from the worker once the element exists. */
  afterCreate(media: PipelineMedia, element: ElementRow): Promise<Record<string, unknown>>;
}

export class UriEndpointSetup implements ElementPreparation {
  readonly #policy: UriPolicy;

  constructor(policy: UriPolicy) {
    this.#policy = policy;
  }

  async beforeCreate(type: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (type === "RecorderEndpoint") {
      const profile = String(params.mediaProfile ?? "WEBM");
      if (!isRecordingProfile(profile)) {
        throw new PipewrightError("NOT_IMPLEMENTED", `media profile ${profile} is not supported; Pipewright records ${RECORDING_PROFILES.join(", ")}`);
      }
      const path = await recorderPath(String(params.uri), this.#policy);
      const recorder = { root: this.#policy.recordingsRoot, path, profile, stopOnEndOfStream: params.stopOnEndOfStream === true };
      return { mediaSetup: { recorder }, state: "STOP" };
    }
    if (type === "PlayerEndpoint") return { mediaSetup: { player: await playerSource(String(params.uri), this.#policy) }, state: "STOP" };
    return {};
  }

  async afterCreate(media: PipelineMedia, element: ElementRow): Promise<Record<string, unknown>> {
    if (element.type !== "PlayerEndpoint") return {};
    return playerProperties(await media.request(element.pipelineId, "player.info", { elementId: element.id }));
  }
}
