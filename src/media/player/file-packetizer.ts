/**
 * Turns a file track's packets back into RTP with werift's packetizers, one per codec a
 * WebRTC peer can take without transcoding: VP8 (RFC 7741), VP9 (RFC 9628), H.264 (RFC 6184,
 * packetization mode 1, SPS/PPS from the file's avcC put in front of every IDR so a viewer can
 * join at any keyframe), AV1 (AV1 RTP specification) and Opus (RFC 7587). A track of any other
 * codec (AAC, MP3…) is reported as skipped, with why.
 */
import type { EncodedPacket, InputTrack, InputVideoTrack } from "mediabunny";
import {
  Av1Packetizer,
  H264Packetizer,
  OpusPacketizer,
  type Packetizer,
  parseAvcDecoderConfigurationRecord,
  type RtpPacket,
  Vp8Packetizer,
  Vp9Packetizer,
} from "werift";
import { offeredCodec } from "../codecs.ts";
import type { CodecChoice, MediaKind } from "../protocol.ts";

export interface FilePacketizer {
  kind: MediaKind;
  codec: CodecChoice;
  packetize(packet: EncodedPacket, rtpTimestamp: number): RtpPacket[];
}

function randomSsrc(): number {
  return (Math.random() * 0xffffffff) >>> 0;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function keyframeAware(kind: MediaKind, codec: CodecChoice, packetizer: Vp9Packetizer | Av1Packetizer): FilePacketizer {
  return { kind, codec, packetize: (packet, timestamp) => packetizer.packetize(asBuffer(packet.data), timestamp, { isKeyframe: packet.type === "key" }) };
}

function plain(kind: MediaKind, codec: CodecChoice, packetizer: Packetizer): FilePacketizer {
  return { kind, codec, packetize: (packet, timestamp) => packetizer.packetize(asBuffer(packet.data), timestamp) };
}

async function h264(track: InputVideoTrack, ssrc: number): Promise<FilePacketizer> {
  const config = await track.getDecoderConfig();
  const profile = (await track.getCodecParameterString())?.split(".")[1] ?? "42e01f";
  const offered = offeredCodec("video", "h264");
  const codec: CodecChoice = { ...offered, parameters: offered.parameters!.replace(/profile-level-id=\w+/, `profile-level-id=${profile.toLowerCase()}`) };
  const description = config && "description" in config ? config.description : undefined;
  if (!description) return plain("video", codec, new H264Packetizer({ ssrc, inputFormat: "annexb" }));
  const record = parseAvcDecoderConfigurationRecord(description);
  const packetizer = new H264Packetizer({ ssrc, inputFormat: "length-prefixed", naluLengthSize: record.naluLengthSize, parameterSets: record.parameterSets });
  return plain("video", codec, packetizer);
}

/** The packetizer for a track, or why the track cannot be sent. */
export async function filePacketizer(track: InputTrack): Promise<FilePacketizer | string> {
  const ssrc = randomSsrc();
  if (track.isVideoTrack()) {
    const codec = await track.getCodec();
    switch (codec) {
      case "vp8":
        return plain("video", offeredCodec("video", "vp8"), new Vp8Packetizer({ ssrc }));
      case "vp9":
        return keyframeAware("video", offeredCodec("video", "vp9"), new Vp9Packetizer({ ssrc }));
      case "av1":
        return keyframeAware("video", offeredCodec("video", "av1"), new Av1Packetizer({ ssrc }));
      case "avc":
        return h264(track, ssrc);
      default:
        return `${String(codec ?? "unknown").toUpperCase()} video (WebRTC carries VP8, VP9, H.264 and AV1; Pipewright does not transcode)`;
    }
  }
  if (track.isAudioTrack()) {
    const codec = await track.getCodec();
    if (codec === "opus") return plain("audio", offeredCodec("audio", "opus"), new OpusPacketizer({ ssrc }));
    return `${String(codec ?? "unknown").toUpperCase()} audio (WebRTC carries Opus; Pipewright does not transcode)`;
  }
  return `a ${track.type} track`;
}
