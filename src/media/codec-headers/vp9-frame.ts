/**
 * Profile, bit depth and picture size of a VP9 keyframe, from its uncompressed header (VP9
 * Bitstream Specification v0.6 §6.2: frame_marker, profile, frame_type, frame_sync_code,
 * color_config §6.2.2, frame_size §6.2.3), and the codec string `vp09.PP.LL.DD` of the VP9
 * ISO-BMFF binding (webmproject.org/vp9/mp4, "Codecs Parameter String"), the level chosen
 * from the picture size by the VP9 level table (Annex A).
 */
import { BitReader } from "./bit-reader.ts";
import type { PictureSize } from "./vp8-frame.ts";

const SYNC_CODE = 0x498342;
const CS_RGB = 7;
/** Max luma picture size per level (VP9 Annex A), smallest first. */
const LEVELS: ReadonlyArray<[number, string]> = [
  [36864, "10"],
  [73728, "11"],
  [122880, "20"],
  [245760, "21"],
  [552960, "30"],
  [983040, "31"],
  [2228224, "40"],
  [8912896, "50"],
  [35651584, "60"],
];

export interface Vp9FrameInfo extends PictureSize {
  codec: string;
}

export function vp9KeyframeInfo(frame: Uint8Array): Vp9FrameInfo | undefined {
  try {
    const reader = new BitReader(frame);
    if (reader.bits(2) !== 2) return undefined; // frame_marker
    const low = reader.bit();
    const profile = (reader.bit() << 1) | low;
    if (profile === 3) reader.bit(); // reserved_zero
    if (reader.bit()) return undefined; // show_existing_frame
    if (reader.bit() !== 0) return undefined; // frame_type: 0 = KEY_FRAME
    reader.bit(); // show_frame
    reader.bit(); // error_resilient_mode
    if (reader.bits(24) !== SYNC_CODE) return undefined;
    let bitDepth = 8;
    if (profile >= 2) bitDepth = reader.bit() ? 12 : 10;
    const colorSpace = reader.bits(3);
    if (colorSpace !== CS_RGB) {
      reader.bit(); // color_range
      if (profile === 1 || profile === 3) reader.skip(3); // subsampling_x, subsampling_y, reserved_zero
    } else if (profile === 1 || profile === 3) {
      reader.bit(); // reserved_zero
    }
    const width = reader.bits(16) + 1;
    const height = reader.bits(16) + 1;
    const level = LEVELS.find(([samples]) => width * height <= samples)?.[1] ?? "62";
    return { width, height, codec: `vp09.0${profile}.${level}.${String(bitDepth).padStart(2, "0")}` };
  } catch {
    return undefined;
  }
}
