/**
 * Kurento's MediaProfileSpecType values Pipewright records, what each one's container can hold,
 * and the check that refuses a codec a profile cannot carry — naming a profile that can, so a
 * user never gets a file players reject (H.264 in WebM, VP8 in MP4). Pipewright never
 * transcodes, so the codec that arrives is the codec written. Imported by the media worker and
 * by the control plane (for the same error text on both sides).
 */
import type { MediaKind } from "../protocol.ts";

export type ContainerName = "webm" | "mkv" | "mp4";

export const RECORDING_PROFILES = [
  "WEBM",
  "WEBM_VIDEO_ONLY",
  "WEBM_AUDIO_ONLY",
  "MKV",
  "MKV_VIDEO_ONLY",
  "MKV_AUDIO_ONLY",
  "MP4",
  "MP4_VIDEO_ONLY",
  "MP4_AUDIO_ONLY",
] as const;
export type RecordingProfile = (typeof RECORDING_PROFILES)[number];

/** Video codecs each container holds, by RTP codec name (lower case). Audio is Opus everywhere. */
const VIDEO_CODECS: Record<ContainerName, readonly string[]> = {
  webm: ["vp8", "vp9", "av1"],
  mkv: ["vp8", "vp9", "av1", "h264"],
  mp4: ["h264", "vp9", "av1"],
};
const AUDIO_CODECS: readonly string[] = ["opus"];

export interface ProfileSpec {
  profile: RecordingProfile;
  container: ContainerName;
  kinds: readonly MediaKind[];
  /** MIME type of the finished file, for downloads. */
  mimeType: string;
  extension: string;
}

const MIME: Record<ContainerName, { video: string; audio: string }> = {
  webm: { video: "video/webm", audio: "audio/webm" },
  mkv: { video: "video/x-matroska", audio: "audio/x-matroska" },
  mp4: { video: "video/mp4", audio: "audio/mp4" },
};

export function isRecordingProfile(value: string): value is RecordingProfile {
  return (RECORDING_PROFILES as readonly string[]).includes(value);
}

export function profileSpec(profile: RecordingProfile): ProfileSpec {
  const [name, only] = profile.split("_") as [string, string | undefined];
  const container = name.toLowerCase() as ContainerName;
  const kinds: MediaKind[] = only === "VIDEO" ? ["video"] : only === "AUDIO" ? ["audio"] : ["video", "audio"];
  const mimeType = kinds.includes("video") ? MIME[container].video : MIME[container].audio;
  return { profile, container, kinds, mimeType, extension: container === "mkv" ? ".mkv" : `.${container}` };
}

/** Whether the container of `profile` can hold a stream of this codec. */
function profileHolds(profile: RecordingProfile, kind: MediaKind, codec: string): boolean {
  const { container } = profileSpec(profile);
  return (kind === "video" ? VIDEO_CODECS[container] : AUDIO_CODECS).includes(codec);
}

/** Same kinds as `profile`, in a container that holds `codec`; undefined when none does. */
function workingProfile(profile: RecordingProfile, kind: MediaKind, codec: string): RecordingProfile | undefined {
  const suffix = profile.includes("_") ? profile.slice(profile.indexOf("_")) : "";
  for (const container of ["WEBM", "MKV", "MP4"]) {
    const candidate = `${container}${suffix}` as RecordingProfile;
    if (profileHolds(candidate, kind, codec)) return candidate;
  }
  return undefined;
}

/**
 * Why `profile` cannot record these codecs (kind → RTP codec name), or undefined when it can.
 * Kinds the profile leaves out (the _ONLY profiles) are not checked: they are not recorded.
 */
export function profileMismatch(profile: RecordingProfile, codecs: Partial<Record<MediaKind, string>>): string | undefined {
  const spec = profileSpec(profile);
  for (const kind of spec.kinds) {
    const codec = codecs[kind];
    if (codec === undefined || profileHolds(profile, kind, codec)) continue;
    const name = codec.toUpperCase();
    if (kind === "audio") {
      const videoOnly = spec.kinds.includes("video") ? `: use ${spec.container.toUpperCase()}_VIDEO_ONLY or connect only the video` : "";
      return `${profile} records Opus audio and the source sends ${name}; no recording profile holds ${name} and Pipewright does not transcode${videoOnly}`;
    }
    const alternative = workingProfile(profile, kind, codec);
    return alternative
      ? `${profile} cannot hold ${name} video; use ${alternative} (Pipewright does not transcode)`
      : `no recording profile holds ${name} video`;
  }
  return undefined;
}
