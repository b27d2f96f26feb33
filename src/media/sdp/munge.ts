/**
 * Rewrites SDP on its way into and out of werift so that what werift negotiates is exactly
 * the plan the control plane decided. werift answers with the *remote* codec entry that
 * matches a local codec by name, including the remote's rtcp-fb lines, so the offer is cut
 * down to the chosen payload type and the feedback we take part in (no transport-cc toward
 * publishers, notes/werift.md §4). Client quirks are normalised here too: session-level ICE
 * and DTLS attributes (OBS ≤ 30.1), `m=video 0` + `a=bundle-only` (GStreamer), and `.local`
 * candidates, which must be dropped (RFC 9725 §4.3.1) rather than resolved by multicast DNS.
 */
import { parse, write, type MediaDescription } from "sdp-transform";
import { ACCEPTED_FEEDBACK } from "../codecs.ts";
import type { MediaKind, NegotiationPlan } from "../protocol.ts";

const MID_EXTENSION = "urn:ietf:params:rtp-hdrext:sdes:mid";

/** A candidate we can use: UDP or TCP, with a literal IP address (not an mDNS name). */
export function isUsableCandidate(transport: string, address: string): boolean {
  return /^(udp|tcp)$/i.test(transport) && !address.endsWith(".local") && /^[0-9a-f.:]+$/i.test(address);
}

function keepOnly(media: MediaDescription, kind: MediaKind, payloadType: number): void {
  media.payloads = String(payloadType);
  media.rtp = media.rtp.filter((entry) => entry.payload === payloadType);
  media.fmtp = media.fmtp.filter((entry) => entry.payload === payloadType);
  const feedback = (media.rtcpFb ?? []).filter((entry) => {
    const applies = String(entry.payload) === String(payloadType) || entry.payload === "*";
    const name = entry.subtype ? `${entry.type} ${entry.subtype}` : entry.type;
    return applies && ACCEPTED_FEEDBACK[kind].includes(name);
  });
  media.rtcpFb = feedback.map((entry) => ({ ...entry, payload: payloadType }));
  media.ext = (media.ext ?? []).filter((entry) => entry.uri === MID_EXTENSION);
  // RTX, FEC and RED were not chosen: their SSRC groups would point at nothing.
  media.ssrcGroups = undefined;
}

function reject(media: MediaDescription): void {
  media.port = 0;
  delete media.bundleOnly;
}

/** The offer as werift should see it, given the plan for each kind. */
export function prepareOffer(offer: string, plan: NegotiationPlan): string {
  const sdp = parse(offer);
  const planned = new Set<MediaKind>();
  for (const media of sdp.media) {
    media.iceUfrag ??= sdp.iceUfrag;
    media.icePwd ??= sdp.icePwd;
    media.fingerprint ??= sdp.fingerprint;
    media.setup ??= sdp.setup;
    media.candidates = media.candidates?.filter((candidate) => isUsableCandidate(candidate.transport, candidate.ip));
    const kind = media.type as MediaKind;
    const codec = plan.codecs[kind];
    const active = media.port !== 0 || media.bundleOnly === "bundle-only";
    if ((kind !== "audio" && kind !== "video") || !codec || planned.has(kind) || !active) {
      reject(media);
      continue;
    }
    planned.add(kind);
    keepOnly(media, kind, codec.payloadType);
    if (media.port === 0) media.port = 9;
    delete media.bundleOnly;
  }
  delete sdp.iceUfrag;
  delete sdp.icePwd;
  delete sdp.fingerprint;
  delete sdp.setup;
  return write(sdp);
}

/**
 * The answer as clients should see it: `a=rtcp-mux-only` on every bundled m-line and
 * `a=end-of-candidates`, since a WHIP/WHEP server cannot trickle (RFC 9725 §4.3.1).
 */
export function finishAnswer(answer: string): string {
  const sdp = parse(answer);
  for (const media of sdp.media) {
    if (media.port === 0) continue;
    media.rtcpMux = "rtcp-mux";
    const invalid = (media.invalid ?? []).filter((entry) => entry.value !== "rtcp-mux-only");
    media.invalid = [...invalid, { value: "rtcp-mux-only" }];
    media.endOfCandidates = "end-of-candidates";
  }
  return write(sdp);
}
