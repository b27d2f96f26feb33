/**
 * Header extensions as a publisher really sends them, for tests of what the server strips: a
 * werift sender made to add one more extension (an id the session never negotiated) to every
 * packet, and a record of the extension ids each RTP packet carried as it went to the wire
 * (SRTP leaves the header, extensions included, in clear, so that is what the server receives).
 */
import type { RTCRtpSender, RtpHeader, RtpPacket } from "werift";

export interface ExtensionOnTheWire {
  ids: number[];
  payloads: string[];
}

/** Makes `sender` add extension `id` with `payload` to every packet it sends. */
export function addExtensionToEverySend(sender: RTCRtpSender, id: number, payload: Buffer): void {
  const send = sender.sendRtp.bind(sender);
  sender.sendRtp = (rtp: RtpPacket | Buffer) => {
    const packet = rtp as RtpPacket;
    packet.header.extensions = [...packet.header.extensions, { id, payload }];
    packet.header.extension = true;
    return send(packet);
  };
}

/** Records the extensions of every RTP packet `sender`'s transport encrypts and sends. */
export function recordWireExtensions(sender: RTCRtpSender): ExtensionOnTheWire[] {
  const sent: ExtensionOnTheWire[] = [];
  const transport = sender.dtlsTransport as unknown as { sendRtp(payload: Buffer, header: RtpHeader): Promise<number> };
  const send = transport.sendRtp.bind(transport);
  transport.sendRtp = (payload, header) => {
    sent.push({ ids: header.extensions.map((ext) => ext.id), payloads: header.extensions.map((ext) => ext.payload.toString("latin1")) });
    return send(payload, header);
  };
  return sent;
}
