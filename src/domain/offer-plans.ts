/**
 * What an endpoint accepts from an offer, decided from the offer alone before anything is
 * created: at most one audio and one video track, the right direction, and a codec we can
 * forward — for a WHIP publisher its first forwardable codec, for a WHEP viewer the stream's
 * own codec, for a Kurento WebRtcEndpoint the codec of whatever is connected into it when the
 * offer has it (we forward, never transcode). Each refusal is a PipewrightError a user can act
 * on: 400 for SDP that is not SDP, 422 for media we cannot take (RFC 9725 §4.2: refuse the
 * whole offer, never answer part of it).
 */
import { chooseViewerCodec, choosePublisherCodec, describeCodec, FORWARDED_CODECS } from "../media/codecs.ts";
import type { CodecChoice, MediaKind, NegotiationPlan } from "../media/protocol.ts";
import { isActiveMedia, parseOffer, SdpError, type OfferedMedia, type ParsedOffer } from "../media/sdp/offer.ts";
import { PipewrightError } from "./errors.ts";

function parse(offer: string): ParsedOffer {
  try {
    return parseOffer(offer);
  } catch (error) {
    if (error instanceof SdpError) throw new PipewrightError("SDP_PARSE_ERROR", error.message);
    throw error;
  }
}

function activeTracks(parsed: ParsedOffer, action: string): OfferedMedia[] {
  const active = parsed.media.filter(isActiveMedia);
  for (const kind of ["audio", "video"] as const) {
    const count = active.filter((media) => media.kind === kind).length;
    if (count > 1) throw new PipewrightError("UNSUPPORTED_MEDIA", `the offer has ${count} ${kind} tracks; ${action} takes at most one audio and one video track`);
  }
  if (active.length === 0) throw new PipewrightError("UNSUPPORTED_MEDIA", `the offer has no audio or video track to ${action}`);
  return active;
}

function offered(media: OfferedMedia): string {
  const names = [...new Set(media.codecs.map((codec) => codec.mimeType.split("/")[1]))];
  return names.length > 0 ? names.join(", ") : "nothing";
}

/** The plan for a WHIP publisher's offer. */
export function planPublisher(offer: string): NegotiationPlan {
  const tracks = activeTracks(parse(offer), "publishing");
  const plan: NegotiationPlan = { direction: "recvonly", codecs: {} };
  for (const media of tracks) {
    if (media.direction !== "sendonly" && media.direction !== "sendrecv") {
      throw new PipewrightError("UNSUPPORTED_MEDIA", `m=${media.kind} is ${media.direction}; a WHIP offer must be sendonly or sendrecv (RFC 9725 §4.2)`);
    }
    const kind = media.kind as MediaKind;
    const codec = choosePublisherCodec(media);
    if (!codec) {
      throw new PipewrightError(
        "UNSUPPORTED_MEDIA",
        `no common ${kind} codec: the offer has ${offered(media)}; Pipewright forwards ${FORWARDED_CODECS[kind].join(", ")}`,
      );
    }
    plan.codecs[kind] = codec;
  }
  return plan;
}

/**
 * The plan for a Kurento WebRtcEndpoint's offer: `direction` from its constructor (recvonly /
 * sendonly / both), per kind the codec of its connected source when offered, else the offer's
 * first forwardable codec.
 */
export function planEndpoint(offer: string, direction: NegotiationPlan["direction"], sources: Partial<Record<MediaKind, { codec: CodecChoice; profile?: string }>>): NegotiationPlan {
  const tracks = activeTracks(parse(offer), "a WebRtcEndpoint");
  const plan: NegotiationPlan = { direction, codecs: {} };
  for (const media of tracks) {
    const kind = media.kind as MediaKind;
    const source = sources[kind];
    const codec = (source && chooseViewerCodec(media, source.codec, source.profile)) ?? choosePublisherCodec(media);
    if (!codec) {
      throw new PipewrightError("UNSUPPORTED_MEDIA", `no common ${kind} codec: the offer has ${offered(media)}; Pipewright forwards ${FORWARDED_CODECS[kind].join(", ")}`);
    }
    plan.codecs[kind] = codec;
  }
  return plan;
}

/** The plan for a WHEP viewer's offer, given what the stream's publisher sends. */
export function planViewer(offer: string, published: Partial<Record<MediaKind, CodecChoice>>, videoProfile?: string): NegotiationPlan {
  const tracks = activeTracks(parse(offer), "playing");
  const plan: NegotiationPlan = { direction: "sendonly", codecs: {} };
  for (const media of tracks) {
    if (media.direction !== "recvonly" && media.direction !== "sendrecv") {
      throw new PipewrightError("UNSUPPORTED_MEDIA", `m=${media.kind} is ${media.direction}; a WHEP offer must be recvonly or sendrecv`);
    }
    const kind = media.kind as MediaKind;
    const source = published[kind];
    if (!source) continue; // the stream has no such track: the m-line is refused in the answer
    const codec = chooseViewerCodec(media, source, kind === "video" ? videoProfile : undefined);
    if (!codec) {
      throw new PipewrightError("UNSUPPORTED_MEDIA", `the stream sends ${describeCodec(source)}, but the offer's ${kind} has only ${offered(media)}`, {
        codec: source.mimeType,
      });
    }
    plan.codecs[kind] = codec;
  }
  if (!plan.codecs.audio && !plan.codecs.video) {
    throw new PipewrightError("UNSUPPORTED_MEDIA", "the offer asks for no track the stream has");
  }
  return plan;
}
