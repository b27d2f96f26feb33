/**
 * An RTCP sender report's time mapping (RFC 3550 §6.4.1): which NTP wall-clock time on the
 * sender's clock one RTP timestamp of the stream corresponds to. Kept on the MediaOutput the
 * stream flows out of, so a recorder downstream can put audio and video on one clock.
 */
import type { RtcpSrPacket } from "werift";

export interface SenderReport {
  /** NTP time in seconds (RFC 3550 §4: seconds since 1900 plus a 32-bit fraction). */
  ntpSeconds: number;
  rtpTimestamp: number;
}

export function senderReportOf(packet: RtcpSrPacket): SenderReport {
  const ntp = packet.senderInfo.ntpTimestamp;
  return { ntpSeconds: Number(ntp >> 32n) + Number(ntp & 0xffffffffn) / 2 ** 32, rtpTimestamp: packet.senderInfo.rtpTimestamp };
}
