/**
 * A WebRtcEndpoint's RTP streams as its peer connection counts them: werift's W3C webrtc-stats
 * report (inbound-rtp, outbound-rtp and the remote-inbound-rtp the peer's receiver reports
 * feed) reduced to the counters Kurento's getStats and the REST stats expose.
 */
import type { RTCPeerConnection } from "werift";
import type { MediaKind, RtpStreamStats } from "../protocol.ts";

type Entry = Record<string, unknown> & { type: string; id: string };

const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

export async function rtpStreamStats(pc: RTCPeerConnection, rembSent: number | undefined, rembReceived: (kind: MediaKind) => number | undefined): Promise<RtpStreamStats[]> {
  const report = [...(await pc.getStats()).values()] as unknown as Entry[];
  const byId = new Map(report.map((entry) => [entry.id, entry]));
  const remoteInbound = new Map(report.filter((entry) => entry.type === "remote-inbound-rtp").map((entry) => [entry.localId, entry]));
  const streams: RtpStreamStats[] = [];
  for (const entry of report) {
    if (entry.type !== "inbound-rtp" && entry.type !== "outbound-rtp") continue;
    const inbound = entry.type === "inbound-rtp";
    const kind = entry.kind as MediaKind;
    const codec = byId.get(entry.codecId as string);
    const remote = inbound ? undefined : remoteInbound.get(entry.id);
    streams.push({
      direction: inbound ? "inbound" : "outbound",
      kind,
      ssrc: entry.ssrc as number,
      mimeType: codec?.mimeType as string | undefined,
      packets: num(inbound ? entry.packetsReceived : entry.packetsSent) ?? 0,
      bytes: num(inbound ? entry.bytesReceived : entry.bytesSent) ?? 0,
      packetsLost: num(inbound ? entry.packetsLost : remote?.packetsLost),
      jitter: num(inbound ? entry.jitter : remote?.jitter),
      fractionLost: num(remote?.fractionLost),
      roundTripTime: num(remote?.roundTripTime),
      nackCount: num(entry.nackCount) ?? 0,
      pliCount: num(entry.pliCount) ?? 0,
      firCount: num(entry.firCount) ?? 0,
      remb: inbound ? (kind === "video" ? rembSent : undefined) : rembReceived(kind),
    });
  }
  return streams;
}
