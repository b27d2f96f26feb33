/**
 * Duration of an Opus packet from its TOC byte (RFC 6716 §3.1): the configuration number gives
 * the frame size (2.5 to 60 ms), the code `c` how many frames the packet holds (§3.2: 1, 2, 2,
 * or the count in the next byte). Used to give every recorded Opus packet its real duration.
 */
const SILK_MS = [10, 20, 40, 60];
const HYBRID_MS = [10, 20];
const CELT_MS = [2.5, 5, 10, 20];

function frameMs(config: number): number {
  if (config < 12) return SILK_MS[config & 3];
  if (config < 16) return HYBRID_MS[config & 1];
  return CELT_MS[config & 3];
}

/** Seconds of audio in the packet; 0.02 (the WebRTC default) when the packet is malformed. */
export function opusPacketDuration(packet: Uint8Array): number {
  if (packet.length === 0) return 0.02;
  const toc = packet[0];
  const code = toc & 0x03;
  const frames = code === 0 ? 1 : code < 3 ? 2 : packet.length > 1 ? packet[1] & 0x3f : 1;
  return (frameMs(toc >> 3) * Math.max(1, frames)) / 1000;
}
