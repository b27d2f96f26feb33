/**
 * The WebCodecs-style decoder configuration mediabunny writes into a file's track header (codec
 * string, picture size), read from the first keyframe of what is recorded — the RTP stream
 * carries no container metadata, so the bitstream is the only truth. H.264 is written as it
 * arrives (Annex B, no `description`): mediabunny builds the avcC record from the in-band SPS
 * and PPS.
 */
import type { AudioCodec, VideoCodec } from "mediabunny";
import { av1SequenceInfo } from "../codec-headers/av1-sequence.ts";
import { h264SpsOf } from "../codec-headers/h264-sps.ts";
import { vp8KeyframeSize } from "../codec-headers/vp8-frame.ts";
import { vp9KeyframeInfo } from "../codec-headers/vp9-frame.ts";

/** mediabunny's codec names, by RTP codec name. */
export const CONTAINER_CODECS: Record<string, VideoCodec | AudioCodec> = {
  vp8: "vp8",
  vp9: "vp9",
  h264: "avc",
  av1: "av1",
  opus: "opus",
};

export interface VideoConfig {
  codec: string;
  codedWidth: number;
  codedHeight: number;
}

/** The decoder configuration of a video keyframe; undefined when its header cannot be read. */
export function videoDecoderConfig(codec: string, keyframe: Uint8Array): VideoConfig | undefined {
  try {
    return readVideoConfig(codec, keyframe);
  } catch {
    return undefined; // a truncated or corrupt header
  }
}

function readVideoConfig(codec: string, keyframe: Uint8Array): VideoConfig | undefined {
  switch (codec) {
    case "vp8": {
      const size = vp8KeyframeSize(keyframe);
      return size && { codec: "vp8", codedWidth: size.width, codedHeight: size.height };
    }
    case "vp9": {
      const info = vp9KeyframeInfo(keyframe);
      return info && { codec: info.codec, codedWidth: info.width, codedHeight: info.height };
    }
    case "h264": {
      const sps = h264SpsOf(keyframe);
      return sps && { codec: sps.codec, codedWidth: sps.width, codedHeight: sps.height };
    }
    case "av1": {
      const info = av1SequenceInfo(keyframe);
      return info && { codec: info.codec, codedWidth: info.width, codedHeight: info.height };
    }
  }
  return undefined;
}

/**
 * The Opus identification header (RFC 7845 §5.1) WebM and MP4 want as codec private data:
 * version 1, two channels, no pre-skip, 48 kHz, no gain, mapping family 0 (mono or stereo).
 */
function opusHead(): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"), 0);
  const view = new DataView(head.buffer);
  view.setUint8(8, 1);
  view.setUint8(9, 2);
  view.setUint16(10, 0, true);
  view.setUint32(12, 48000, true);
  view.setInt16(16, 0, true);
  view.setUint8(18, 0);
  return head;
}

/** Opus as WebRTC sends it (RFC 7587 §7: always 48 kHz, two channels in the SDP). */
export const OPUS_CONFIG = { codec: "opus", numberOfChannels: 2, sampleRate: 48000, description: opusHead() };
