/**
 * What ffmpeg's tools say about a media file: ffprobe's duration and codecs, and whether
 * `ffmpeg -v error -i file -f null -` decodes every frame without printing anything.
 */
import { spawnSync } from "node:child_process";

export interface Probe {
  duration: number;
  codecs: string[];
  videoFrames: number;
}

export function ffprobe(file: string): Probe {
  const result = spawnSync("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "format=duration:stream=codec_type,codec_name,nb_read_frames", "-of", "json", file], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ffprobe ${file} failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as { format: { duration: string }; streams: Array<{ codec_type: string; codec_name: string; nb_read_frames?: string }> };
  const video = parsed.streams.find((stream) => stream.codec_type === "video");
  return { duration: Number(parsed.format.duration), codecs: parsed.streams.map((stream) => stream.codec_name).sort(), videoFrames: Number(video?.nb_read_frames ?? 0) };
}

/** ffmpeg's complaints while decoding the whole file (empty when it decodes cleanly). */
export function decodeErrors(file: string): string {
  const result = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}${result.status === 0 ? "" : `exit ${result.status}`}`.trim();
}
