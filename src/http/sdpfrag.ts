/**
 * Reads the body of a WHIP/WHEP trickle PATCH: an SDP fragment (RFC 8840 §9,
 * `application/trickle-ice-sdpfrag`) of ICE attributes and candidates, in the bundle's first
 * m-section only (RFC 9725 §4.3.1). A body that is not such a fragment is a 400.
 */
import { PipewrightError } from "../domain/errors.ts";
import type { IceCandidateInit } from "../media/protocol.ts";

export interface SdpFragment {
  iceUfrag?: string;
  icePwd?: string;
  candidates: IceCandidateInit[];
  endOfCandidates: boolean;
}

const MAX_CANDIDATES = 100;

export function parseSdpFragment(body: string): SdpFragment {
  const fragment: SdpFragment = { candidates: [], endOfCandidates: false };
  let mid: string | undefined;
  let mLineIndex = -1;
  for (const [number, raw] of body.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (!/^[a-z]=/.test(line)) throw new PipewrightError("INVALID_REQUEST", `fragment line ${number + 1} is not of the form <type>=<value>`);
    if (line.startsWith("m=")) mLineIndex++;
    else if (line.startsWith("a=mid:")) mid = line.slice(6);
    else if (line.startsWith("a=ice-ufrag:")) fragment.iceUfrag = line.slice(12);
    else if (line.startsWith("a=ice-pwd:")) fragment.icePwd = line.slice(10);
    else if (line === "a=end-of-candidates") fragment.endOfCandidates = true;
    else if (line.startsWith("a=candidate:")) {
      if (fragment.candidates.length >= MAX_CANDIDATES) throw new PipewrightError("INVALID_REQUEST", `more than ${MAX_CANDIDATES} candidates in one fragment`);
      fragment.candidates.push({ candidate: line.slice(2), sdpMid: mid, sdpMLineIndex: Math.max(0, mLineIndex) });
    }
  }
  if (fragment.candidates.length === 0 && !fragment.endOfCandidates && !fragment.iceUfrag) {
    throw new PipewrightError("INVALID_REQUEST", "the fragment holds no candidate, ICE credentials or end-of-candidates");
  }
  return fragment;
}
