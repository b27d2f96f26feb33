/**
 * Kurento's getStats (MediaElement.getStats(mediaType?) → Stats<>): a map from stats id to a
 * Stats register — one ElementStats or EndpointStats for the element itself and, for a
 * WebRtcEndpoint, an RTCInboundRTPStreamStats per stream it receives and an
 * RTCOutboundRTPStreamStats per stream it sends (core.kmd.json complex types; field names and
 * units as there: jitter and roundTripTime in seconds, remb in bps, ssrc as a string).
 */
import type { ElementStats, MediaKind } from "../media/protocol.ts";
import type { MediaTypeName } from "./events.ts";

type StatsMap = Record<string, Record<string, unknown>>;

const ENDPOINT_TYPES = new Set(["WebRtcEndpoint", "RecorderEndpoint", "PlayerEndpoint", "RtpEndpoint"]);

export function kurentoStats(elementType: string, stats: ElementStats, mediaType?: MediaTypeName, now = Date.now()): StatsMap {
  const wanted = (kind: MediaKind) => mediaType === undefined || mediaType === kind.toUpperCase();
  const timestampMillis = now;
  const result: StatsMap = {};
  const selfId = `${stats.elementId}_element`;
  result[selfId] = ENDPOINT_TYPES.has(elementType)
    ? { __module__: "kurento", __type__: "EndpointStats", id: selfId, type: "endpoint", timestampMillis, inputLatency: [], E2ELatency: [] }
    : { __module__: "kurento", __type__: "ElementStats", id: selfId, type: "element", timestampMillis, inputLatency: [] };
  for (const stream of stats.rtp ?? []) {
    if (!wanted(stream.kind)) continue;
    const inbound = stream.direction === "inbound";
    const id = `${inbound ? "inbound" : "outbound"}-${stream.kind}-${stream.ssrc}`;
    const common = {
      __module__: "kurento",
      __type__: inbound ? "RTCInboundRTPStreamStats" : "RTCOutboundRTPStreamStats",
      id,
      type: inbound ? "inboundrtp" : "outboundrtp",
      timestampMillis,
      ssrc: String(stream.ssrc),
      isRemote: false,
      mediaTrackId: stream.kind,
      codecId: stream.mimeType ?? "",
      firCount: stream.firCount,
      pliCount: stream.pliCount,
      nackCount: stream.nackCount,
      sliCount: 0,
      remb: stream.remb ?? 0,
      packetsLost: stream.packetsLost ?? 0,
      fractionLost: stream.fractionLost ?? 0,
    };
    result[id] = inbound
      ? { ...common, packetsReceived: stream.packets, bytesReceived: stream.bytes, jitter: stream.jitter ?? 0 }
      : { ...common, packetsSent: stream.packets, bytesSent: stream.bytes, targetBitrate: stream.remb ?? 0, roundTripTime: stream.roundTripTime ?? 0 };
  }
  return result;
}
