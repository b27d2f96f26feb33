/**
 * What a recorder needs from an H.264 access unit (Annex B byte stream, H.264 §B.1): its SPS,
 * and from the SPS the RFC 6381 codec string (`avc1.PPCCLL`) and the cropped picture size
 * (seq_parameter_set_data, H.264 §7.3.2.1.1; cropping per §7.4.2.1.1).
 */
import { BitReader } from "./bit-reader.ts";
import type { PictureSize } from "./vp8-frame.ts";

const NAL_SPS = 7;
/** profile_idc values whose SPS carries chroma_format_idc and the scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface H264SpsInfo extends PictureSize {
  /** `avc1.42e01f`. */
  codec: string;
  profileLevelId: string;
}

/** The NAL units of an Annex B access unit (start code 00 00 01, or 00 00 00 01). */
export function* annexBNalUnits(data: Uint8Array): Generator<Uint8Array> {
  let start = -1;
  for (let index = 0; index + 2 < data.length; index++) {
    if (data[index] !== 0 || data[index + 1] !== 0 || data[index + 2] !== 1) continue;
    if (start >= 0) yield data.subarray(start, data[index - 1] === 0 ? index - 1 : index);
    start = index + 3;
    index += 2;
  }
  if (start >= 0 && start < data.length) yield data.subarray(start);
}

/** Drops emulation-prevention bytes (00 00 03 → 00 00, H.264 §7.4.1). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let length = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[length++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, length);
}

function skipScalingList(reader: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let index = 0; index < size; index++) {
    if (next !== 0) next = (last + reader.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

/** Parses an SPS NAL unit (with its one-byte NAL header). */
export function parseH264Sps(nal: Uint8Array): H264SpsInfo {
  const reader = new BitReader(rbsp(nal.subarray(1)));
  const profileIdc = reader.bits(8);
  const constraints = reader.bits(8);
  const levelIdc = reader.bits(8);
  reader.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlanes = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormat = reader.ue();
    if (chromaFormat === 3) separateColourPlanes = reader.bit();
    reader.ue(); // bit_depth_luma_minus8
    reader.ue(); // bit_depth_chroma_minus8
    reader.bit(); // qpprime_y_zero_transform_bypass_flag
    if (reader.bit()) {
      for (let list = 0; list < (chromaFormat === 3 ? 12 : 8); list++) {
        if (reader.bit()) skipScalingList(reader, list < 6 ? 16 : 64);
      }
    }
  }
  reader.ue(); // log2_max_frame_num_minus4
  const pocType = reader.ue();
  if (pocType === 0) {
    reader.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    reader.bit(); // delta_pic_order_always_zero_flag
    reader.se(); // offset_for_non_ref_pic
    reader.se(); // offset_for_top_to_bottom_field
    const cycle = reader.ue();
    for (let index = 0; index < cycle; index++) reader.se();
  }
  reader.ue(); // max_num_ref_frames
  reader.bit(); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = reader.ue() + 1;
  const heightInMapUnits = reader.ue() + 1;
  const frameMbsOnly = reader.bit();
  if (!frameMbsOnly) reader.bit(); // mb_adaptive_frame_field_flag
  reader.bit(); // direct_8x8_inference_flag
  let [left, right, top, bottom] = [0, 0, 0, 0];
  if (reader.bit()) [left, right, top, bottom] = [reader.ue(), reader.ue(), reader.ue(), reader.ue()];
  // Crop units (§7.4.2.1.1, Table 6-1): chroma subsampling, doubled for field coding.
  const chroma = separateColourPlanes ? 0 : chromaFormat;
  const cropX = chroma === 0 || chroma === 3 ? 1 : 2;
  const cropY = (chroma === 0 || chroma === 2 || chroma === 3 ? 1 : 2) * (2 - frameMbsOnly);
  const profileLevelId = hex(profileIdc) + hex(constraints) + hex(levelIdc);
  return {
    codec: `avc1.${profileLevelId}`,
    profileLevelId,
    width: widthInMbs * 16 - (left + right) * cropX,
    height: (2 - frameMbsOnly) * heightInMapUnits * 16 - (top + bottom) * cropY,
  };
}

/** The SPS of an Annex B access unit, parsed; undefined when it carries none. */
export function h264SpsOf(accessUnit: Uint8Array): H264SpsInfo | undefined {
  for (const nal of annexBNalUnits(accessUnit)) {
    if ((nal[0] & 0x1f) === NAL_SPS) return parseH264Sps(nal);
  }
  return undefined;
}
