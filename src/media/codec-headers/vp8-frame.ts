/**
 * The picture size of a VP8 keyframe, from its uncompressed data chunk (RFC 6386 §9.1): a
 * 3-byte frame tag whose lowest bit is 0 for a keyframe, the start code 9d 01 2a, then 14-bit
 * width and height (the top 2 bits of each are a scaling hint, not part of the size).
 */
export interface PictureSize {
  width: number;
  height: number;
}

export function vp8KeyframeSize(frame: Uint8Array): PictureSize | undefined {
  if (frame.length < 10 || (frame[0] & 0x01) !== 0) return undefined;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  const width = (frame[6] | (frame[7] << 8)) & 0x3fff;
  const height = (frame[8] | (frame[9] << 8)) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : undefined;
}
