/**
 * Reads a media file back the way a user's player would, with mediabunny: its tracks and
 * codecs, every packet's timestamp and key flag, and the duration — what the recording tests
 * assert on.
 */
import { ALL_FORMATS, BufferSource, EncodedPacketSink, FilePathSource, Input } from "mediabunny";

export interface TrackReport {
  kind: "video" | "audio";
  codec: string;
  codecString: string;
  width?: number;
  height?: number;
  timestamps: number[];
  keys: boolean[];
  durations: number[];
}

export interface MediaReport {
  format: string;
  duration: number;
  tracks: TrackReport[];
  video?: TrackReport;
  audio?: TrackReport;
  comment?: string;
}

export async function inspectMedia(source: string | Uint8Array): Promise<MediaReport> {
  const input = new Input({ formats: ALL_FORMATS, source: typeof source === "string" ? new FilePathSource(source) : new BufferSource(source) });
  try {
    const tracks: TrackReport[] = [];
    for (const track of await input.getTracks()) {
      if (!track.isVideoTrack() && !track.isAudioTrack()) continue;
      const report: TrackReport = {
        kind: track.isVideoTrack() ? "video" : "audio",
        codec: String(await track.getCodec()),
        codecString: (await track.getCodecParameterString()) ?? "",
        timestamps: [],
        keys: [],
        durations: [],
      };
      if (track.isVideoTrack()) {
        report.width = await track.getCodedWidth();
        report.height = await track.getCodedHeight();
      }
      for await (const packet of new EncodedPacketSink(track).packets()) {
        report.timestamps.push(packet.timestamp);
        report.keys.push(packet.type === "key");
        report.durations.push(packet.duration);
      }
      tracks.push(report);
    }
    const tags = await input.getMetadataTags();
    return {
      format: (await input.getFormat()).name,
      duration: await input.computeDuration(),
      tracks,
      video: tracks.find((track) => track.kind === "video"),
      audio: tracks.find((track) => track.kind === "audio"),
      comment: tags.comment,
    };
  } finally {
    input.dispose();
  }
}

/** The largest gap between consecutive timestamps (seconds). */
export function largestGap(timestamps: number[]): number {
  let gap = 0;
  for (let index = 1; index < timestamps.length; index++) gap = Math.max(gap, timestamps[index] - timestamps[index - 1]);
  return gap;
}

export function isStrictlyIncreasing(timestamps: number[]): boolean {
  return timestamps.every((value, index) => index === 0 || value > timestamps[index - 1]);
}
