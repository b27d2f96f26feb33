/**
 * Issue 5, hermetic: a werift publisher sends real VP8+Opus and H.264+Opus (test/fixtures) to a
 * WebRtcEndpoint, and RecorderEndpoints in every profile that can hold the codec record it at
 * once over REST. Each file is read back with mediabunny: the codecs and track count of its
 * profile, a duration within 0.5 s of the time between its Recording event and its stop,
 * strictly increasing timestamps, a keyframe first, and audio from start to end. A profile
 * that cannot hold the codec is refused with 422 naming one that can, and leaves no file.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createFilePublisher } from "../helpers/file-publisher.ts";
import { inspectMedia, isStrictlyIncreasing, largestGap } from "../helpers/media-file.ts";
import { Rest } from "../helpers/rest.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/werift-peer.ts";

const SECONDS = 4;

interface Case {
  profile: string;
  kinds: Array<"video" | "audio">;
}

const CASES: Record<"vp8" | "h264", { codec: string; ok: Case[]; refused: Array<{ profile: string; suggests: RegExp }> }> = {
  vp8: {
    codec: "vp8",
    ok: [
      { profile: "WEBM", kinds: ["video", "audio"] },
      { profile: "WEBM_VIDEO_ONLY", kinds: ["video"] },
      { profile: "WEBM_AUDIO_ONLY", kinds: ["audio"] },
      { profile: "MKV", kinds: ["video", "audio"] },
      { profile: "MKV_VIDEO_ONLY", kinds: ["video"] },
      { profile: "MKV_AUDIO_ONLY", kinds: ["audio"] },
      { profile: "MP4_AUDIO_ONLY", kinds: ["audio"] },
    ],
    refused: [
      { profile: "MP4", suggests: /MP4 cannot hold VP8 video; use WEBM/ },
      { profile: "MP4_VIDEO_ONLY", suggests: /use WEBM_VIDEO_ONLY/ },
    ],
  },
  h264: {
    codec: "avc",
    ok: [
      { profile: "MP4", kinds: ["video", "audio"] },
      { profile: "MP4_VIDEO_ONLY", kinds: ["video"] },
      { profile: "MP4_AUDIO_ONLY", kinds: ["audio"] },
      { profile: "MKV", kinds: ["video", "audio"] },
      { profile: "MKV_VIDEO_ONLY", kinds: ["video"] },
      { profile: "WEBM_AUDIO_ONLY", kinds: ["audio"] },
    ],
    refused: [
      { profile: "WEBM", suggests: /WEBM cannot hold H264 video; use MKV/ },
      { profile: "WEBM_VIDEO_ONLY", suggests: /use MKV_VIDEO_ONLY/ },
    ],
  },
};

const EXTENSIONS: Record<string, string> = { WEBM: "webm", MKV: "mkv", MP4: "mp4" };

describe("RecorderEndpoint: every profile, read back with mediabunny", () => {
  let server: TestServer;
  let api: Rest;

  before(async () => {
    server = await startTestServer();
    api = new Rest(server.url);
  });
  after(async () => {
    await server.close();
  });

  for (const [name, spec] of Object.entries(CASES) as Array<[keyof typeof CASES, (typeof CASES)[keyof typeof CASES]]>) {
    it(`${name.toUpperCase()}+Opus: ${spec.ok.map((c) => c.profile).join(", ")}; refuses ${spec.refused.map((c) => c.profile).join(", ")}`, async (t) => {
      const source = await createFilePublisher(name);
      t.after(async () => {
        await source.stop();
        await source.publisher.pc.close();
      });
      const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
      const element = (type: string, params: Record<string, unknown>) => api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type, params });
      const endpoint = (await element("WebRtcEndpoint", { recvonly: true })).id as string;
      const { answer } = await api.expect(200, "POST", `/v1/pipelines/${pipeline}/elements/${endpoint}/process-offer`, { offer: source.publisher.offer });
      await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
      await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "publisher connected");
      source.start();

      const recorders = new Map<string, { id: string; startedAt?: number; stoppedAt?: number }>();
      for (const { profile } of [...spec.ok, ...spec.refused]) {
        const uri = `${name}/${profile.toLowerCase()}.${EXTENSIONS[profile.split("_")[0]]}`;
        const recorder = await element("RecorderEndpoint", { uri, mediaProfile: profile });
        await api.expect(201, "POST", `/v1/pipelines/${pipeline}/connections`, { source: endpoint, sink: recorder.id });
        recorders.set(profile, { id: recorder.id });
      }
      server.events.on("event", (event) => {
        if (event.type !== "element.recording") return;
        for (const recorder of recorders.values()) if (recorder.id === event.objectId) recorder.startedAt = event.at;
      });
      await waitFor(() => server.pipelines.getElement(endpoint).mediaFlow.out.VIDEO === "FLOWING", 5000, "video flowing from the publisher");

      for (const { profile, suggests } of spec.refused) {
        const refused = await api.call<{ code: string; detail: string }>("POST", `/v1/pipelines/${pipeline}/elements/${recorders.get(profile)!.id}/record`);
        assert.equal(refused.status, 422, `${profile}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.code, "UNSUPPORTED_MEDIA");
        assert.match(refused.body.detail, suggests);
        assert.equal(existsSync(`${server.recordings.root}/${name}/${profile.toLowerCase()}.${EXTENSIONS[profile.split("_")[0]]}`), false, `${profile} left no file`);
      }
      for (const { profile } of spec.ok) await api.expect(204, "POST", `/v1/pipelines/${pipeline}/elements/${recorders.get(profile)!.id}/record`);
      await waitFor(() => spec.ok.every(({ profile }) => recorders.get(profile)!.startedAt !== undefined), 10_000, "every recorder's Recording event");
      await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
      await Promise.all(
        spec.ok.map(async ({ profile }) => {
          const recorder = recorders.get(profile)!;
          recorder.stoppedAt = Date.now();
          await api.expect(204, "POST", `/v1/pipelines/${pipeline}/elements/${recorder.id}/stop?wait=true`);
        }),
      );
      await source.stop();

      const { items } = await api.expect<{ items: Array<Record<string, any>> }>(200, "GET", `/v1/recordings?pipelineId=${pipeline}`);
      assert.equal(items.length, spec.ok.length, "one recording per recorder that recorded");
      for (const { profile, kinds } of spec.ok) {
        const recorder = recorders.get(profile)!;
        const row = items.find((item) => item.elementId === recorder.id)!;
        assert.equal(row.state, "finished", `${profile}: ${row.error}`);
        const download = await fetch(row.url);
        assert.equal(download.status, 200);
        const bytes = new Uint8Array(await download.arrayBuffer());
        assert.equal(bytes.length, row.size, `${profile}: the download is the whole file`);
        const media = await inspectMedia(bytes);
        const expected = (recorder.stoppedAt! - recorder.startedAt!) / 1000;
        t.diagnostic(
          `${profile}: ${media.format}, ${media.tracks.map((track) => `${track.kind} ${track.codecString} ×${track.timestamps.length} ${track.timestamps[0].toFixed(3)}–${track.timestamps.at(-1)!.toFixed(3)} s`).join(", ")}, ` +
            `duration ${media.duration.toFixed(3)} s (Recording→stop ${expected.toFixed(3)} s), ${bytes.length} bytes`,
        );
        assert.deepEqual(media.tracks.map((track) => track.kind).sort(), [...kinds].sort(), `${profile}: track count and kinds`);
        assert.ok(Math.abs(media.duration - expected) <= 0.5, `${profile}: duration ${media.duration} s vs ${expected} s recorded`);
        assert.ok(Math.abs(row.durationMs / 1000 - media.duration) < 0.05, `${profile}: the listed duration is the file's`);
        if (media.video) {
          assert.equal(media.video.codec, spec.codec, `${profile}: video codec`);
          assert.deepEqual([media.video.width, media.video.height], [320, 240], `${profile}: picture size`);
          assert.equal(media.video.keys[0], true, `${profile}: the first video packet is a keyframe`);
          assert.ok(isStrictlyIncreasing(media.video.timestamps), `${profile}: video timestamps increase`);
          assert.ok(largestGap(media.video.timestamps) < 0.1, `${profile}: no hole in the video (largest gap ${largestGap(media.video.timestamps)} s)`);
          assert.ok(media.video.timestamps.length >= expected * 30 - 20, `${profile}: ${media.video.timestamps.length} video frames for ${expected} s at 30 fps`);
        }
        if (media.audio) {
          assert.equal(media.audio.codec, "opus", `${profile}: audio codec`);
          assert.ok(isStrictlyIncreasing(media.audio.timestamps), `${profile}: audio timestamps increase`);
          const first = media.audio.timestamps[0];
          const last = media.audio.timestamps.at(-1)!;
          assert.ok(first < 0.1, `${profile}: audio starts with the file (${first} s)`);
          assert.ok(last > media.duration - 0.15, `${profile}: audio lasts to the end (${last} of ${media.duration} s)`);
          assert.ok(largestGap(media.audio.timestamps) < 0.1, `${profile}: no hole in the audio (largest gap ${largestGap(media.audio.timestamps)} s)`);
        }
      }
      await api.expect(204, "DELETE", `/v1/pipelines/${pipeline}`);
    });
  }
});
