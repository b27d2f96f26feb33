/**
 * Reads what a finished negotiation settled, from werift's transceivers (the codec and the
 * direction per kind, from our side), and the local candidates of our description, which
 * Kurento clients receive one by one as IceCandidateFound.
 */
import { parse } from "sdp-transform";
import type { RTCPeerConnection } from "werift";
import type { IceCandidateInit, MediaKind, NegotiatedMedia } from "../protocol.ts";

export function negotiatedMedia(pc: RTCPeerConnection): NegotiatedMedia {
  const result: NegotiatedMedia = { codecs: {}, directions: {} };
  for (const transceiver of pc.getTransceivers()) {
    const kind = transceiver.kind as MediaKind;
    const codec = transceiver.codecs[0];
    if ((kind !== "audio" && kind !== "video") || !codec || transceiver.stopped || result.codecs[kind]) continue;
    result.codecs[kind] = { mimeType: codec.mimeType, clockRate: codec.clockRate, channels: codec.channels, payloadType: codec.payloadType, parameters: codec.parameters };
    const direction = transceiver.currentDirection;
    result.directions[kind] = direction === "sendrecv" || direction === "sendonly" || direction === "recvonly" ? direction : "inactive";
  }
  return result;
}

/** Candidates of a local description: those of its first (bundle-tagged) m-line. */
export function localCandidates(sdp: string): Array<IceCandidateInit & { sdpMid: string; sdpMLineIndex: number }> {
  const media = parse(sdp).media[0];
  if (!media) return [];
  const sdpMid = String(media.mid ?? "0");
  return (media.candidates ?? []).map((candidate) => {
    let line = `candidate:${candidate.foundation} ${candidate.component} ${candidate.transport} ${candidate.priority} ${candidate.ip} ${candidate.port} typ ${candidate.type}`;
    if (candidate.raddr !== undefined) line += ` raddr ${candidate.raddr} rport ${candidate.rport}`;
    if (candidate.tcptype !== undefined) line += ` tcptype ${candidate.tcptype}`;
    return { candidate: line, sdpMid, sdpMLineIndex: 0 };
  });
}
