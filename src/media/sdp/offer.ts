/**
 * Reads an SDP offer from outside (WHIP/WHEP body, REST, Kurento `processOffer`) into a small
 * typed summary, refusing what is malformed before anything is created. Bounds come first
 * (size, line count, m-line count — Janus caps lines at 10 000 after an OSS-Fuzz timeout),
 * then the grammar of each line (RFC 8866 §5: `<type>=<value>`), then what WebRTC requires
 * (RFC 8829: ICE credentials, a DTLS fingerprint, the UDP/TLS/RTP/SAVPF profile). Session-level
 * ICE and DTLS attributes (older OBS, notes/whip-whep.md §2) count as if on every m-line, and
 * a bundled m-line without them uses those of its BUNDLE group's offerer-tagged m-line.
 */
import { parse, type MediaDescription, type SessionDescription } from "sdp-transform";

export const SDP_LIMITS = { maxLines: 10_000, maxMedia: 32, maxLineLength: 4096 };

export class SdpError extends Error {
  override name = "SdpError";
}

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface OfferedCodec {
  payloadType: number;
  /** `video/H264`, `audio/opus` — the name as the offer spells it. */
  mimeType: string;
  clockRate: number;
  channels?: number;
  /** fmtp parameters verbatim, if any. */
  parameters?: string;
  rtcpFeedback: string[];
}

export interface OfferedMedia {
  index: number;
  kind: string;
  mid?: string;
  port: number;
  direction: Direction;
  bundleOnly: boolean;
  /** Codecs in the offerer's order of preference. */
  codecs: OfferedCodec[];
  /** SSRCs and msids announced for this m-line (a=ssrc, a=msid). */
  ssrcs: number[];
  msid?: string;
  rids: string[];
}

export interface ParsedOffer {
  sdp: SessionDescription;
  media: OfferedMedia[];
  bundleMids: string[];
}

function checkLines(text: string): void {
  if (text.includes("\0")) throw new SdpError("SDP contains a NUL byte");
  const lines = text.split(/\r?\n/);
  if (lines.length > SDP_LIMITS.maxLines) throw new SdpError(`SDP has more than ${SDP_LIMITS.maxLines} lines`);
  if (lines[0]?.trim() !== "v=0") throw new SdpError("SDP must start with v=0");
  let media = 0;
  for (const [number, line] of lines.entries()) {
    if (line === "") continue;
    if (line.length > SDP_LIMITS.maxLineLength) throw new SdpError(`SDP line ${number + 1} is longer than ${SDP_LIMITS.maxLineLength} characters`);
    if (!/^[a-z]=/.test(line)) throw new SdpError(`SDP line ${number + 1} is not of the form <type>=<value>`);
    if (line.startsWith("m=")) {
      media++;
      if (!/^m=[a-z]+ \d+(\/\d+)? [A-Za-z0-9/]+( [A-Za-z0-9-]+)*$/.test(line.trimEnd())) throw new SdpError(`SDP line ${number + 1}: malformed m-line`);
    }
  }
  if (!lines.some((line) => line.startsWith("o="))) throw new SdpError("SDP has no o= line");
  if (media === 0) throw new SdpError("SDP has no m= line");
  if (media > SDP_LIMITS.maxMedia) throw new SdpError(`SDP has more than ${SDP_LIMITS.maxMedia} m-lines`);
}

function codecsOf(media: MediaDescription): OfferedCodec[] {
  const payloads = String(media.payloads ?? "")
    .split(" ")
    .filter((value) => value !== "")
    .map(Number);
  return payloads.flatMap((payloadType) => {
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) throw new SdpError(`m=${media.type}: payload type ${payloadType} is out of range`);
    const rtp = media.rtp.find((entry) => entry.payload === payloadType);
    if (!rtp) return [];
    const fmtp = media.fmtp.find((entry) => entry.payload === payloadType);
    const rtcpFeedback = (media.rtcpFb ?? [])
      .filter((entry) => String(entry.payload) === String(payloadType) || entry.payload === "*")
      .map((entry) => (entry.subtype ? `${entry.type} ${entry.subtype}` : entry.type));
    return [
      {
        payloadType,
        mimeType: `${media.type}/${rtp.codec}`,
        clockRate: rtp.rate ?? 0,
        channels: rtp.encoding === undefined ? undefined : Number(rtp.encoding),
        parameters: fmtp?.config,
        rtcpFeedback,
      },
    ];
  });
}

function directionOf(media: MediaDescription, session: SessionDescription): Direction {
  return media.direction ?? session.direction ?? "sendrecv";
}

/**
 * The offerer-tagged m-line (first mid of the BUNDLE group) of a bundled m-line other than
 * itself. A bundle-only m-line need not carry ICE/DTLS attributes of its own (RFC 8843 and
 * JSEP leave them out; webrtcbin repeats them): it uses the tagged m-line's.
 */
function offererTagged(session: SessionDescription, media: MediaDescription): MediaDescription | undefined {
  if (media.mid === undefined) return undefined;
  const mid = String(media.mid);
  const group = (session.groups ?? []).find((entry) => entry.type === "BUNDLE" && String(entry.mids).split(" ").includes(mid));
  const tag = group ? String(group.mids).split(" ")[0] : undefined;
  return tag === undefined || tag === mid ? undefined : session.media.find((entry) => entry.mid !== undefined && String(entry.mid) === tag);
}

function requireTransport(media: MediaDescription, session: SessionDescription, label: string): void {
  const tagged = offererTagged(session, media);
  const ufrag = media.iceUfrag ?? tagged?.iceUfrag ?? session.iceUfrag;
  const pwd = media.icePwd ?? tagged?.icePwd ?? session.icePwd;
  if (!ufrag || !pwd) throw new SdpError(`${label}: no ICE credentials (a=ice-ufrag/a=ice-pwd)`);
  if (!(media.fingerprint ?? tagged?.fingerprint ?? session.fingerprint)) throw new SdpError(`${label}: no DTLS fingerprint (a=fingerprint)`);
}

/** Parses and validates an offer; throws SdpError with a message fit for a 400 answer. */
export function parseOffer(text: string): ParsedOffer {
  checkLines(text);
  let sdp: SessionDescription;
  try {
    sdp = parse(text);
  } catch (error) {
    throw new SdpError(`SDP could not be parsed: ${(error as Error).message}`);
  }
  const bundleMids = (sdp.groups ?? []).filter((group) => group.type === "BUNDLE").flatMap((group) => String(group.mids).split(" "));
  const media = sdp.media.map((entry, index): OfferedMedia => {
    const label = `m-line ${index} (${entry.type})`;
    const rejected = entry.port === 0 && entry.bundleOnly !== "bundle-only";
    if ((entry.type === "audio" || entry.type === "video") && !rejected) {
      if (!/^UDP\/TLS\/RTP\/SAVPF$/i.test(entry.protocol)) throw new SdpError(`${label}: profile ${entry.protocol} is not UDP/TLS/RTP/SAVPF`);
      requireTransport(entry, sdp, label);
    }
    return {
      index,
      kind: entry.type,
      mid: entry.mid === undefined ? undefined : String(entry.mid),
      port: entry.port,
      direction: directionOf(entry, sdp),
      bundleOnly: entry.bundleOnly === "bundle-only",
      codecs: entry.type === "audio" || entry.type === "video" ? codecsOf(entry) : [],
      ssrcs: [...new Set((entry.ssrcs ?? []).map((ssrc) => Number(ssrc.id)))],
      msid: entry.msid?.[0]?.id,
      rids: (entry.rids ?? []).map((rid) => String(rid.id)),
    };
  });
  const mids = media.map((entry) => entry.mid).filter((mid) => mid !== undefined);
  if (new Set(mids).size !== mids.length) throw new SdpError("SDP repeats a mid");
  return { sdp, media, bundleMids };
}

/** An m-line that carries media: audio/video, not rejected (port 0 without bundle-only). */
export function isActiveMedia(media: OfferedMedia): boolean {
  return (media.kind === "audio" || media.kind === "video") && (media.port !== 0 || media.bundleOnly) && media.direction !== "inactive";
}
