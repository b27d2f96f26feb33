/**
 * Keyframe detection on RTP payloads, read straight from the bytes (no parse objects: this
 * runs for every forwarded video packet). "Keyframe start" means the packet begins a frame a
 * decoder can start from: the GOP cache starts there and a viewer waiting for a picture may
 * begin there. Also reads the H.264 profile-level-id from an in-band SPS, because OBS
 * advertises 42e01f whatever its encoder really sends (notes/whip-whep.md §2).
 */

export type VideoCodecName = "vp8" | "vp9" | "h264" | "av1";

const H264_IDR = 5;
const H264_SPS = 7;
const H264_STAP_A = 24;
const H264_FU_A = 28;

/** VP8 payload descriptor (RFC 7741 §4.2) then the P bit of the payload header (§4.3). */
function vp8KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const first = payload[0];
  const start = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (!start) return false;
  let offset = 1;
  if (first & 0x80) {
    if (payload.length < 2) return false;
    const extension = payload[1];
    offset = 2;
    if (extension & 0x80) offset += payload[offset] & 0x80 ? 2 : 1;
    if (extension & 0x40) offset += 1;
    if (extension & 0x30) offset += 1;
  }
  return offset < payload.length && (payload[offset] & 0x01) === 0;
}

/** VP9 payload descriptor (RFC 9628 §4.2): B (start of frame) set, P (inter-picture) clear. */
function vp9KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const first = payload[0];
  return (first & 0x08) !== 0 && (first & 0x40) === 0;
}

/** AV1 aggregation header (AV1 RTP spec §4.4): N marks the first packet of a coded video sequence. */
function av1KeyframeStart(payload: Uint8Array): boolean {
  return payload.length > 0 && (payload[0] & 0x08) !== 0 && (payload[0] & 0x80) === 0;
}

/** H.264 (RFC 6184 §5.6–5.8): an IDR slice or SPS as a single NAL, inside STAP-A, or an FU-A start. */
function h264KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const type = payload[0] & 0x1f;
  if (type === H264_IDR || type === H264_SPS) return true;
  if (type === H264_FU_A) return payload.length > 1 && (payload[1] & 0x80) !== 0 && (payload[1] & 0x1f) === H264_IDR;
  if (type === H264_STAP_A) {
    for (let offset = 1; offset + 2 < payload.length; ) {
      const size = (payload[offset] << 8) | payload[offset + 1];
      const nalType = payload[offset + 2] & 0x1f;
      if (nalType === H264_IDR || nalType === H264_SPS) return true;
      offset += 2 + size;
    }
  }
  return false;
}

export function isKeyframeStart(codec: VideoCodecName, payload: Uint8Array): boolean {
  switch (codec) {
    case "vp8":
      return vp8KeyframeStart(payload);
    case "vp9":
      return vp9KeyframeStart(payload);
    case "h264":
      return h264KeyframeStart(payload);
    case "av1":
      return av1KeyframeStart(payload);
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

function spsProfile(nal: Uint8Array, offset: number): string | undefined {
  if (offset + 3 >= nal.length) return undefined;
  return hex(nal[offset + 1]) + hex(nal[offset + 2]) + hex(nal[offset + 3]);
}

/**
 * The profile-level-id (profile_idc, constraint flags, level_idc — H.264 §7.3.2.1.1) of an SPS
 * carried in this packet, or undefined when the packet holds none.
 */
export function h264ProfileFromPacket(payload: Uint8Array): string | undefined {
  if (payload.length < 1) return undefined;
  const type = payload[0] & 0x1f;
  if (type === H264_SPS) return spsProfile(payload, 0);
  if (type === H264_STAP_A) {
    for (let offset = 1; offset + 2 < payload.length; ) {
      const size = (payload[offset] << 8) | payload[offset + 1];
      if ((payload[offset + 2] & 0x1f) === H264_SPS) return spsProfile(payload.subarray(0, offset + 2 + size), offset + 2);
      offset += 2 + size;
    }
  }
  if (type === H264_FU_A && payload.length > 1 && (payload[1] & 0x80) !== 0 && (payload[1] & 0x1f) === H264_SPS) {
    // FU-A payload starts at byte 2, one byte after where the NAL header would be.
    return spsProfile(payload, 1);
  }
  return undefined;
}

export function videoCodecName(mimeType: string): VideoCodecName | undefined {
  const name = mimeType.slice(mimeType.indexOf("/") + 1).toLowerCase();
  return name === "vp8" || name === "vp9" || name === "h264" || name === "av1" ? name : undefined;
}
