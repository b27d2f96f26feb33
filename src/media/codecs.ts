/**
 * Which codecs Pipewright forwards and how one is chosen on each side of a stream. The SFU
 * never transcodes, so a publisher's codec is taken as offered (first supported codec in the
 * offerer's order, any H.264 profile — OBS advertises 42e01f whatever it sends), and a viewer
 * gets that same codec: among the viewer's H.264 entries the one with the stream's real
 * profile (read from the SPS when known) and packetization mode wins (RFC 6184 §8.1).
 */
import type { CodecChoice, MediaKind } from "./protocol.ts";
import type { OfferedCodec, OfferedMedia } from "./sdp/offer.ts";

/** Codec names we forward, per kind, lower-case. */
export const FORWARDED_CODECS: Record<MediaKind, readonly string[]> = {
  video: ["vp8", "vp9", "h264", "av1"],
  audio: ["opus", "pcmu", "pcma", "g722"],
};

/** RTCP feedback we take part in. transport-cc is left out on purpose (notes/werift.md §4). */
export const ACCEPTED_FEEDBACK: Record<MediaKind, readonly string[]> = {
  video: ["nack", "nack pli", "ccm fir", "goog-remb"],
  audio: [],
};

/** What we offer when we make the offer (Kurento's generateOffer), in order of preference. */
export const OFFERED_CODECS: Record<MediaKind, readonly CodecChoice[]> = {
  video: [
    { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    { mimeType: "video/H264", clockRate: 90000, payloadType: 97, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" },
    { mimeType: "video/H264", clockRate: 90000, payloadType: 98, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032" },
    { mimeType: "video/VP9", clockRate: 90000, payloadType: 99, parameters: "profile-id=0" },
    { mimeType: "video/AV1", clockRate: 90000, payloadType: 45 },
  ],
  audio: [
    { mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: 111, parameters: "minptime=10;useinbandfec=1" },
    { mimeType: "audio/PCMU", clockRate: 8000, payloadType: 0 },
    { mimeType: "audio/PCMA", clockRate: 8000, payloadType: 8 },
  ],
};

export function codecName(mimeType: string): string {
  return mimeType.slice(mimeType.indexOf("/") + 1).toLowerCase();
}

/** Our offered entry for a codec we forward (the first one: H.264 with profile 42e01f). */
export function offeredCodec(kind: MediaKind, name: string): CodecChoice {
  return OFFERED_CODECS[kind].find((codec) => codecName(codec.mimeType) === name)!;
}

/** fmtp `a=1;b=2` → map with lower-case keys. */
export function fmtpParameters(parameters: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of (parameters ?? "").split(";")) {
    const separator = item.indexOf("=");
    if (separator <= 0) continue;
    map.set(item.slice(0, separator).trim().toLowerCase(), item.slice(separator + 1).trim());
  }
  return map;
}

function packetizationMode(codec: { parameters?: string }): string {
  return fmtpParameters(codec.parameters).get("packetization-mode") ?? "0";
}

/** profile_idc of a 6-hex-digit profile-level-id (RFC 6184 §8.1), or undefined. */
export function profileIdc(profileLevelId: string | undefined): number | undefined {
  if (!profileLevelId || !/^[0-9a-f]{6}$/i.test(profileLevelId)) return undefined;
  return Number.parseInt(profileLevelId.slice(0, 2), 16);
}

export function toChoice(codec: OfferedCodec): CodecChoice {
  return {
    mimeType: codec.mimeType,
    clockRate: codec.clockRate,
    channels: codec.channels,
    payloadType: codec.payloadType,
    parameters: codec.parameters,
  };
}

function isForwarded(kind: MediaKind, codec: OfferedCodec): boolean {
  return FORWARDED_CODECS[kind].includes(codecName(codec.mimeType));
}

/** The publisher's codec for one m-line: the first forwarded codec in the offer's order. */
export function choosePublisherCodec(media: OfferedMedia): CodecChoice | undefined {
  const kind = media.kind as MediaKind;
  const codec = media.codecs.find((candidate) => isForwarded(kind, candidate));
  return codec ? toChoice(codec) : undefined;
}

/**
 * The viewer's entry for a published codec, or undefined when the viewer cannot take it.
 * `actualProfile` is the profile-level-id read from the stream's SPS, when known.
 */
export function chooseViewerCodec(media: OfferedMedia, published: CodecChoice, actualProfile?: string): CodecChoice | undefined {
  const name = codecName(published.mimeType);
  const sameCodec = media.codecs.filter((codec) => codecName(codec.mimeType) === name && codec.clockRate === published.clockRate);
  if (name !== "h264") return sameCodec[0] ? toChoice(sameCodec[0]) : undefined;
  const mode = packetizationMode(published);
  const candidates = sameCodec.filter((codec) => packetizationMode(codec) === mode);
  const wanted = (actualProfile ?? fmtpParameters(published.parameters).get("profile-level-id") ?? "").toLowerCase();
  const profileOf = (codec: OfferedCodec) => (fmtpParameters(codec.parameters).get("profile-level-id") ?? "42001f").toLowerCase();
  const exact = candidates.find((codec) => profileOf(codec) === wanted);
  const sameProfile = candidates.find((codec) => profileIdc(profileOf(codec)) === profileIdc(wanted));
  const chosen = exact ?? sameProfile ?? candidates[0];
  return chosen ? toChoice(chosen) : undefined;
}

/** Human name for messages: `H264 (profile-level-id=42e01f)`. */
export function describeCodec(codec: CodecChoice): string {
  const profile = fmtpParameters(codec.parameters).get("profile-level-id");
  return `${codec.mimeType}${profile ? ` (profile-level-id=${profile})` : ""}`;
}
