/**
 * Recordings survive crashes. (1) The media worker is killed with SIGKILL 10 s into a WebM
 * (VP8+Opus) and an MP4 (H.264+Opus) recording: once a new worker runs, both files are repaired
 * — readable to the end, with duration and index, at least the first 8 s kept, marked
 * `repaired` and tagged so in the file. (2) The whole server process (control plane and worker)
 * is killed with SIGKILL 10 s into a record-on-publish recording: the next start repairs it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createFilePublisher, type FilePublisher } from "../helpers/file-publisher.ts";
import { inspectMedia, isStrictlyIncreasing, type MediaReport } from "../helpers/media-file.ts";
import { Rest } from "../helpers/rest.ts";
import { serverEnvironment } from "../helpers/server-process.ts";
import { post, startTestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/werift-peer.ts";

const RECORD_SECONDS = 10;
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

async function recordingOf(api: Rest, filter: string, timeoutMs: number, until: (row: Record<string, any>) => boolean): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await api.expect<{ items: Array<Record<string, any>> }>(200, "GET", `/v1/recordings?${filter}`);
    if (items[0] && until(items[0])) return items[0];
    if (Date.now() > deadline) throw new Error(`no recording matching in ${timeoutMs} ms: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function repairedFile(row: Record<string, any>): Promise<MediaReport> {
  assert.equal(row.state, "repaired", JSON.stringify(row));
  const response = await fetch(row.url);
  assert.equal(response.status, 200);
  const media = await inspectMedia(new Uint8Array(await response.arrayBuffer()));
  assert.ok(media.duration >= RECORD_SECONDS - 2, `at least the first ${RECORD_SECONDS - 2} s kept: ${media.duration} s`);
  assert.ok(media.duration <= RECORD_SECONDS + 1.5, `no more than was recorded: ${media.duration} s`);
  assert.ok(Math.abs(row.durationMs / 1000 - media.duration) < 0.05, "the listed duration is the file's");
  assert.match(media.comment ?? "", /Repaired by Pipewright/, "the file says it was repaired");
  assert.equal(media.video!.keys[0], true, "starts on a keyframe");
  assert.ok(isStrictlyIncreasing(media.video!.timestamps) && isStrictlyIncreasing(media.audio!.timestamps), "timestamps increase");
  assert.ok(media.audio!.timestamps.at(-1)! > media.duration - 1.5, "audio to the end of what was kept");
  return media;
}

describe("a media worker killed mid-recording", () => {
  it("leaves WebM and MP4 recordings that are repaired once a worker runs again", async (t) => {
    const server = await startTestServer();
    const publishers: FilePublisher[] = [];
    t.after(async () => {
      for (const publisher of publishers) {
        await publisher.stop();
        await publisher.publisher.pc.close();
      }
      await server.close();
    });
    const api = new Rest(server.url);
    const started: string[] = [];
    server.events.on("event", (event) => {
      if (event.type === "element.recording") started.push(event.objectId!);
    });
    const recorders: Array<{ codec: "vp8" | "h264"; pipeline: string; recorder: string }> = [];
    for (const [codec, profile, file] of [["vp8", "WEBM", "crash.webm"], ["h264", "MP4", "crash.mp4"]] as const) {
      const source = await createFilePublisher(codec);
      publishers.push(source);
      const { id: pipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
      const endpoint = (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", params: { recvonly: true } })).id;
      const recorder = (await api.expect(201, "POST", `/v1/pipelines/${pipeline}/elements`, { type: "RecorderEndpoint", params: { uri: file, mediaProfile: profile } })).id;
      await api.expect(201, "POST", `/v1/pipelines/${pipeline}/connections`, { source: endpoint, sink: recorder });
      const { answer } = await api.expect(200, "POST", `/v1/pipelines/${pipeline}/elements/${endpoint}/process-offer`, { offer: source.publisher.offer });
      await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
      await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "publisher connected");
      source.start();
      await api.expect(204, "POST", `/v1/pipelines/${pipeline}/elements/${recorder}/record`);
      recorders.push({ codec, pipeline, recorder });
    }
    await waitFor(() => recorders.every(({ recorder }) => started.includes(recorder)), 10_000, "both recordings started");
    await new Promise((resolve) => setTimeout(resolve, RECORD_SECONDS * 1000));
    const died = server.events.next("worker.died");
    process.kill(server.media.workerPids[0]!, "SIGKILL");
    await died;

    for (const { codec, pipeline } of recorders) {
      const row = await recordingOf(api, `pipelineId=${pipeline}`, 20_000, (candidate) => candidate.state !== "recording");
      const media = await repairedFile(row);
      t.diagnostic(`${codec}: ${row.file} repaired, ${media.duration.toFixed(2)} s, ${media.video!.timestamps.length} video frames, ${media.audio!.timestamps.length} audio packets`);
    }
  });
});

describe("the server killed mid-recording", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pipewright-crash-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function startProcess(): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [MAIN, "serve"], {
      detached: true, // its own process group, so the worker dies with it
      stdio: ["ignore", "pipe", "inherit"],
      env: serverEnvironment(dataDir, { PIPEWRIGHT_RECORDING_STREAMS: "crash-*" }),
    });
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      lines.on("line", (line) => {
        const entry = JSON.parse(line) as { url?: string; msg: string };
        if (entry.msg.includes("listening on")) resolve(entry.url!);
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    return { child, url };
  }

  it("repairs the recording at the next start", async (t) => {
    const first = await startProcess();
    const source = await createFilePublisher("vp8");
    t.after(async () => {
      await source.stop();
      await source.publisher.pc.close();
    });
    const whip = await post(`${first.url}/whip/crash-server`, source.publisher.offer);
    assert.equal(whip.status, 201, whip.body);
    await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
    await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "publisher connected");
    source.start();
    const api = new Rest(first.url);
    const recording = await recordingOf(api, "stream=crash-server", 10_000, (row) => row.startedAt !== null);
    assert.equal(recording.profile, "WEBM", "auto profile for VP8");
    assert.match(recording.file, /^crash-server\/crash-server-.*\.webm$/);
    await new Promise((resolve) => setTimeout(resolve, RECORD_SECONDS * 1000));
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    process.kill(-first.child.pid!, "SIGKILL");
    await exited;
    await source.stop();

    const second = await startProcess();
    t.after(async () => {
      const exit = new Promise((resolve) => second.child.once("exit", resolve));
      second.child.kill("SIGTERM");
      await exit;
    });
    const row = await recordingOf(new Rest(second.url), "stream=crash-server", 20_000, (candidate) => candidate.state !== "recording");
    assert.equal(row.id, recording.id);
    const media = await repairedFile(row);
    t.diagnostic(`server crash: ${row.file} repaired at start-up, ${media.duration.toFixed(2)} s`);
  });
});
