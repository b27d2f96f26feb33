/**
 * RecordingSession on simulated time (frames of the VP8+Opus fixture, arrival times chosen by
 * the test): a pause cuts its time out of the file — the resumed keyframe follows the last frame
 * before the pause with no hole, audio aligned with it; a track that goes silent for 10 s while
 * the other flows is ended, so the rest is still written, and the drop is reported.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from "mediabunny";
import { openForWriting } from "../../src/media/files/confined-path.ts";
import type { MediaKind } from "../../src/media/protocol.ts";
import { profileSpec } from "../../src/media/recording/profiles.ts";
import { RecordingSession } from "../../src/media/recording/recording-session.ts";
import { FIXTURES } from "../helpers/file-publisher.ts";
import { inspectMedia, largestGap } from "../helpers/media-file.ts";

interface ClipFrame {
  kind: MediaKind;
  time: number;
  data: Uint8Array;
  keyframe: boolean;
}

async function clipFrames(): Promise<{ frames: ClipFrame[]; duration: number }> {
  const input = new Input({ formats: ALL_FORMATS, source: new FilePathSource(FIXTURES.vp8) });
  const frames: ClipFrame[] = [];
  for (const track of [await input.getPrimaryVideoTrack(), await input.getPrimaryAudioTrack()]) {
    for await (const packet of new EncodedPacketSink(track!).packets()) {
      frames.push({ kind: track!.isVideoTrack() ? "video" : "audio", time: packet.timestamp, data: packet.data, keyframe: packet.type === "key" });
    }
  }
  const duration = await input.computeDuration();
  input.dispose();
  return { frames: frames.sort((a, b) => a.time - b.time), duration: Math.round(duration * 2) / 2 };
}

describe("RecordingSession", () => {
  let root: string;
  let clip: { frames: ClipFrame[]; duration: number };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), "pipewright-session-"));
    clip = await clipFrames();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function session(name: string, dropped: string[]) {
    const path = join(root, name);
    const handle = await openForWriting(root, path);
    const tracks = (["video", "audio"] as const).map((kind) => ({ kind, codec: kind === "video" ? "vp8" : "opus", clockRate: kind === "video" ? 90000 : 48000, senderReport: () => undefined }));
    const recording = new RecordingSession(handle, tracks, { root, path, spec: profileSpec("WEBM"), syncWaitMs: 200, syncIntervalMs: 1000 }, { started: () => {}, trackDropped: (kind, reason) => dropped.push(`${kind}: ${reason}`) });
    /** Feeds the clip's frames between `from` and `to` seconds of media, looping it, arriving at `base + time`. */
    const feed = (from: number, to: number, kinds: MediaKind[] = ["video", "audio"]) => {
      for (let loop = Math.floor(from / clip.duration); loop * clip.duration < to; loop++) {
        for (const frame of clip.frames) {
          const time = loop * clip.duration + frame.time;
          if (time < from || time >= to || !kinds.includes(frame.kind)) continue;
          const rate = frame.kind === "video" ? 90000 : 48000;
          recording.frame(frame.kind, { data: frame.data, rtpTimestamp: Math.round(time * rate), keyframe: frame.keyframe, ssrc: 1 }, 1000 + time);
          recording.tick(1000 + time);
        }
      }
    };
    return { recording, feed, path };
  }

  it("pauses without leaving a gap in the file", async () => {
    const dropped: string[] = [];
    const { recording, feed, path } = await session("paused.webm", dropped);
    feed(0, 2);
    recording.pause();
    feed(4, 6); // resumes at a keyframe (the clip has one every 0.5 s)
    await recording.finish();
    const media = await inspectMedia(path);
    assert.deepEqual(dropped, []);
    assert.ok(Math.abs(media.duration - 4) < 0.1, `2 s + 2 s: ${media.duration} s`);
    // The clip itself skips a frame now and then (libvpx's rate control): holes up to 65 ms are its own.
    assert.ok(largestGap(media.video!.timestamps) < 0.07, `no hole in the video: ${largestGap(media.video!.timestamps)} s`);
    const video = media.video!.timestamps;
    const resumed = video.findIndex((time, index) => index > 0 && media.video!.keys[index] && time > 1.9);
    assert.ok(video[resumed] - video[resumed - 1] < 0.04, `the resumed keyframe follows the last frame before the pause: ${video[resumed - 1]} → ${video[resumed]} s`);
    assert.ok(Math.abs(video[resumed] - 2) < 0.04, `at 2 s: ${video[resumed]}`);
    const audio = media.audio!.timestamps;
    const audioAfter = audio.findIndex((time) => time >= video[resumed]);
    assert.ok(audio[audioAfter] - video[resumed] < 0.03, "audio resumes with the video");
    assert.ok(audio[audioAfter] - audio[audioAfter - 1] < 0.045, `no hole in the audio at the resume: ${audio[audioAfter - 1]} → ${audio[audioAfter]} s`);
  });

  it("ends a track that stays silent while the other flows, and keeps writing the other", async () => {
    const dropped: string[] = [];
    const { recording, feed, path } = await session("stalled.webm", dropped);
    feed(0, 1);
    feed(1, 13, ["video"]);
    await recording.finish();
    assert.deepEqual(dropped, ["audio: no audio arrived for 10 s; the file goes on without it"]);
    const media = await inspectMedia(path);
    assert.ok(media.video!.timestamps.at(-1)! > 12.8, `video to the end: ${media.video!.timestamps.at(-1)} s`);
    assert.ok(media.audio!.timestamps.at(-1)! < 1.05, "audio until it stopped");
  });
});
