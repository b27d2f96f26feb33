/**
 * Issue 5, as a user sees it, in a private network namespace: Chromium publishes its camera
 * from /publish/{stream} (VP8, then H.264), the stream is recorded on publish for 20 s (WEBM,
 * MP4), ffprobe reports the right duration and codecs and `ffmpeg -v error -i file -f null -`
 * prints nothing; the recording plays in Chromium from its download URL on /play/{stream} and
 * seeking to the middle works. Then the media worker is killed 10 s into a recording: the file
 * is repaired and decodes without an error with at least the first 8 s. Needs root, Chromium
 * and ffmpeg; without them it fails, it never skips.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { apiExpect } from "./helpers/api.ts";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { decodeErrors, ffprobe } from "./helpers/ffmpeg.ts";
import { publisherVideo, waitUntil } from "./helpers/pages.ts";

const RECORD_SECONDS = 20;

const CASES = [
  { codec: "VP8", profile: "WEBM", codecs: ["opus", "vp8"] },
  { codec: "H264", profile: "MP4", codecs: ["h264", "opus"] },
];

type Recording = Record<string, any>;

async function latestRecording(page: Page, stream: string, done: (row: Recording) => boolean, timeoutMs: number, what: string): Promise<Recording> {
  return waitUntil(async () => (await apiExpect<{ items: Recording[] }>(page, 200, "GET", `/v1/recordings?stream=${stream}`)).items[0] ?? {}, done, timeoutMs, what);
}

/** The recording <video> on the play page, as the page sees it. */
function recordingVideo(page: Page) {
  return page.evaluate(() => {
    const video = (globalThis as unknown as { document: { getElementById(id: string): any } }).document.getElementById("recording");
    return {
      readyState: video.readyState as number,
      paused: video.paused as boolean,
      currentTime: video.currentTime as number,
      duration: video.duration as number,
      width: video.videoWidth as number,
      height: video.videoHeight as number,
      frames: (video.getVideoPlaybackQuality().totalVideoFrames as number) ?? 0,
      error: video.error ? String(video.error.message || video.error.code) : null,
    };
  });
}

describe("recording in the browser (Chromium in a private network namespace)", () => {
  const env = useBrowserEnvironment();

  for (const { codec, profile, codecs } of CASES) {
    it(`${codec}: records 20 s to ${profile} that ffmpeg decodes cleanly, and plays and seeks it in Chromium from its URL`, async (t) => {
      const stream = `e2e-rec-${codec.toLowerCase()}`;
      const pages: Page[] = [];
      const open = async (path: string) => {
        const page = await env.browser.context.newPage();
        pages.push(page);
        await page.goto(`${env.server.url}${path}`);
        return page;
      };
      try {
        const control = await open("/");
        await apiExpect(control, 200, "PUT", `/v1/streams/${stream}/recording-rule`, {});
        const publisher = await open(`/publish/${stream}?codec=${codec}&autostart=1`);
        const sending = await waitUntil(() => publisherVideo(publisher), (video) => video.connectionState === "connected" && video.framesSent > 0, 15_000, "the publisher to send");
        const started = await latestRecording(control, stream, (row) => row.startedAt != null, 15_000, "the recording to start");
        const sentAtStart = (await publisherVideo(publisher)).framesSent;
        assert.equal(started.profile, profile);
        await sleep(Math.max(0, Date.parse(started.startedAt) + RECORD_SECONDS * 1000 - Date.now()));
        const stoppedAt = Date.now();
        const sentInWindow = (await publisherVideo(publisher)).framesSent - sentAtStart;
        await apiExpect(control, 204, "DELETE", `/v1/streams/${stream}/recording-rule`);
        const row = await latestRecording(control, stream, (candidate) => candidate.state !== "recording", 30_000, "the recording to finish");
        assert.equal(row.state, "finished", row.error);

        const file = join(env.server.dataDir, "recordings", row.file);
        const probe = ffprobe(file);
        const expected = (stoppedAt - Date.parse(started.startedAt)) / 1000;
        t.diagnostic(
          `${codec}: ${row.file}: ffprobe ${probe.duration.toFixed(3)} s (recorded ${expected.toFixed(3)} s), ${probe.codecs.join("+")}, ` +
            `${probe.videoFrames} video frames (the camera sent ${sentInWindow} meanwhile), ${row.size} bytes`,
        );
        assert.deepEqual(probe.codecs, codecs);
        assert.ok(Math.abs(probe.duration - expected) <= 0.5, `ffprobe duration ${probe.duration} s, recorded ${expected} s`);
        assert.ok(probe.videoFrames >= sentInWindow * 0.95, `${probe.videoFrames} frames in the file, ${sentInWindow} sent while recording`);
        assert.equal(decodeErrors(file), "", "ffmpeg decodes the whole file without a complaint");

        const player = await open(`/play/${stream}`);
        await player.locator(`tr[data-recording="${row.id}"] button.play-recording`).click();
        const playing = await waitUntil(() => recordingVideo(player), (video) => video.error !== null || (video.readyState >= 2 && !video.paused && video.currentTime > 1), 15_000, "the recording to play");
        assert.equal(playing.error, null);
        assert.deepEqual([playing.width, playing.height], [sending.width, sending.height], "the camera's picture size");
        assert.ok(Math.abs(playing.duration - probe.duration) < 0.6, `the browser's duration ${playing.duration} s`);
        const middle = playing.duration / 2;
        await player.evaluate((time) => {
          (globalThis as unknown as { document: { getElementById(id: string): { currentTime: number } } }).document.getElementById("recording").currentTime = time;
        }, middle);
        const framesAtSeek = playing.frames;
        const seeked = await waitUntil(() => recordingVideo(player), (video) => video.currentTime > middle + 1 && video.frames > framesAtSeek + 20, 10_000, "playback to go on from the middle");
        assert.ok(seeked.currentTime < middle + 5, `playing from the middle: ${seeked.currentTime} s of ${playing.duration} s`);
      } finally {
        for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
      }
    });
  }

  it("repairs a recording whose media worker is killed 10 s in: ffmpeg decodes it and it holds at least 8 s", async (t) => {
    const stream = "e2e-rec-crash";
    const pages: Page[] = [];
    try {
      const control = await env.browser.context.newPage();
      pages.push(control);
      await control.goto(`${env.server.url}/`);
      await apiExpect(control, 200, "PUT", `/v1/streams/${stream}/recording-rule`, { profile: "WEBM" });
      const publisher = await env.browser.context.newPage();
      pages.push(publisher);
      await publisher.goto(`${env.server.url}/publish/${stream}?codec=VP8&autostart=1`);
      const started = await latestRecording(control, stream, (row) => row.startedAt != null, 15_000, "the recording to start");
      await sleep(Math.max(0, Date.parse(started.startedAt) + 10_000 - Date.now()));
      const { workers } = await apiExpect<{ workers: number[] }>(control, 200, "GET", "/healthz");
      process.kill(workers[0], "SIGKILL");
      const row = await latestRecording(control, stream, (candidate) => candidate.id === started.id && candidate.state !== "recording", 30_000, "the repair");
      assert.equal(row.state, "repaired", row.error);
      const file = join(env.server.dataDir, "recordings", row.file);
      const probe = ffprobe(file);
      t.diagnostic(`crash: ${row.file} repaired, ffprobe ${probe.duration.toFixed(3)} s, ${probe.videoFrames} video frames`);
      assert.ok(probe.duration >= 8, `at least the first 8 s: ${probe.duration} s`);
      assert.deepEqual(probe.codecs, ["opus", "vp8"]);
      assert.equal(decodeErrors(file), "", "ffmpeg decodes the repaired file without a complaint");
      await apiExpect(control, 204, "DELETE", `/v1/streams/${stream}/recording-rule`);
    } finally {
      for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
    }
  });
});
