/**
 * Profile, level, tier, bit depth and maximum picture size of an AV1 stream, from the sequence
 * header OBU a keyframe's temporal unit carries (AV1 Bitstream & Decoding Process
 * Specification: obu_header §5.3.2, sequence_header_obu §5.5.1, color_config §5.5.2), and the
 * codec string `av01.P.LLT.DD` of the AV1 ISO-BMFF binding (§ "Codecs Parameter String").
 */
import { BitReader } from "./bit-reader.ts";
import type { PictureSize } from "./vp8-frame.ts";

const OBU_SEQUENCE_HEADER = 1;

export interface Av1SequenceInfo extends PictureSize {
  codec: string;
}

/** leb128() (§4.10.5): the value and the bytes it took. */
function leb128(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  for (let index = 0; index < 8 && offset + index < bytes.length; index++) {
    value += (bytes[offset + index] & 0x7f) * 2 ** (7 * index);
    if ((bytes[offset + index] & 0x80) === 0) return [value, index + 1];
  }
  throw new RangeError("leb128 truncated");
}

/** The payload of the first sequence header OBU in a temporal unit (OBUs with size fields). */
function sequenceHeaderPayload(unit: Uint8Array): Uint8Array | undefined {
  for (let offset = 0; offset < unit.length; ) {
    const header = unit[offset];
    const type = (header >> 3) & 0x0f;
    const hasExtension = (header & 0x04) !== 0;
    const hasSize = (header & 0x02) !== 0;
    let start = offset + 1 + (hasExtension ? 1 : 0);
    let size = unit.length - start;
    if (hasSize) {
      const [value, length] = leb128(unit, start);
      start += length;
      size = value;
    }
    if (type === OBU_SEQUENCE_HEADER) return unit.subarray(start, start + size);
    if (!hasSize) return undefined;
    offset = start + size;
  }
  return undefined;
}

function skipTimingAndDecoderModel(reader: BitReader): { decoderModel: boolean; bufferDelayLength: number } {
  if (reader.bit()) {
    reader.skip(64); // num_units_in_display_tick, time_scale
    if (reader.bit()) reader.uvlc(); // equal_picture_interval → num_ticks_per_picture_minus_1
  } else {
    return { decoderModel: false, bufferDelayLength: 0 };
  }
  if (!reader.bit()) return { decoderModel: false, bufferDelayLength: 0 };
  const bufferDelayLength = reader.bits(5) + 1;
  reader.skip(32 + 5 + 5); // num_units_in_decoding_tick, buffer_removal_time_length, frame_presentation_time_length
  return { decoderModel: true, bufferDelayLength };
}

/** Reads up to and including color_config's bit depth. */
function parseSequenceHeader(reader: BitReader): Av1SequenceInfo {
  const profile = reader.bits(3);
  reader.bit(); // still_picture
  const reduced = reader.bit();
  let level = 0;
  let tier = 0;
  if (reduced) {
    level = reader.bits(5);
  } else {
    const { decoderModel, bufferDelayLength } = skipTimingAndDecoderModel(reader);
    const initialDisplayDelay = reader.bit();
    const points = reader.bits(5) + 1;
    for (let point = 0; point < points; point++) {
      reader.skip(12); // operating_point_idc
      const pointLevel = reader.bits(5);
      const pointTier = pointLevel > 7 ? reader.bit() : 0;
      if (point === 0) [level, tier] = [pointLevel, pointTier];
      if (decoderModel && reader.bit()) reader.skip(2 * bufferDelayLength + 1);
      if (initialDisplayDelay && reader.bit()) reader.skip(4);
    }
  }
  const widthBits = reader.bits(4) + 1;
  const heightBits = reader.bits(4) + 1;
  const width = reader.bits(widthBits) + 1;
  const height = reader.bits(heightBits) + 1;
  if (!reduced && reader.bit()) reader.skip(4 + 3); // frame_id_numbers_present: delta and additional lengths
  reader.skip(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    reader.skip(4); // interintra_compound, masked_compound, warped_motion, dual_filter
    const orderHint = reader.bit();
    if (orderHint) reader.skip(2); // jnt_comp, ref_frame_mvs
    const forceScreenContent = reader.bit() ? 2 : reader.bit(); // seq_choose_screen_content_tools
    if (forceScreenContent > 0 && !reader.bit()) reader.bit(); // seq_choose_integer_mv → seq_force_integer_mv
    if (orderHint) reader.skip(3); // order_hint_bits_minus_1
  }
  reader.skip(3); // enable_superres, enable_cdef, enable_restoration
  const highBitDepth = reader.bit();
  const bitDepth = profile === 2 && highBitDepth ? (reader.bit() ? 12 : 10) : highBitDepth ? 10 : 8;
  const codec = `av01.${profile}.${String(level).padStart(2, "0")}${tier ? "H" : "M"}.${String(bitDepth).padStart(2, "0")}`;
  return { codec, width, height };
}

export function av1SequenceInfo(temporalUnit: Uint8Array): Av1SequenceInfo | undefined {
  try {
    const payload = sequenceHeaderPayload(temporalUnit);
    return payload ? parseSequenceHeader(new BitReader(payload)) : undefined;
  } catch {
    return undefined;
  }
}
