/**
 * PlayerEndpoint into Chromium, in a private network namespace: the VP8+Opus and H.264+Opus
 * test clips (30 fps) are played into a pipeline whose WebRtcEndpoint a Chromium page
 * negotiates over REST; Chromium decodes video at the file's frame rate in the file's codec and
 * its audio arrives; a seek near the end is followed by EndOfStream (an `element.endOfStream`
 * event in the log). Needs root and Chromium; without them it fails, it never skips.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { FIXTURES } from "../helpers/file-publisher.ts";
import { apiExpect } from "./helpers/api.ts";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { waitUntil } from "./helpers/pages.ts";

interface Received {
  connectionState: string;
  framesDecoded: number;
  frameWidth: number;
  mimeType: string;
  audioPackets: number;
}

/** Builds player → WebRtcEndpoint over REST from inside the page and negotiates a recvonly peer. */
function watchPlayer(page: Page, uri: string): Promise<{ pipeline: string; player: string }> {
  return page.evaluate(async (source) => {
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const response = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? {} : response.json();
    };
    const { id: pipeline } = await api("POST", "/v1/pipelines", {});
    const { id: player } = await api("POST", `/v1/pipelines/${pipeline}/elements`, { type: "PlayerEndpoint", params: { uri: source } });
    const { id: endpoint } = await api("POST", `/v1/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", params: { sendonly: true } });
    await api("POST", `/v1/pipelines/${pipeline}/connections`, { source: player, sink: endpoint });
    const g = globalThis as any;
    const pc = new g.RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const video = g.document.createElement("video");
    video.muted = true;
    video.autoplay = true;
    const media = new g.MediaStream();
    pc.addEventListener("track", (event: any) => media.addTrack(event.track));
    video.srcObject = media;
    g.document.body.append(video);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 3000);
    });
    const { answer } = await api("POST", `/v1/pipelines/${pipeline}/elements/${endpoint}/process-offer`, { offer: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    g.e2ePlayer = { pc };
    return { pipeline, player };
  }, uri);
}

function received(page: Page): Promise<Received> {
  return page.evaluate(async () => {
    const pc = (globalThis as any).e2ePlayer.pc;
    const result: Received = { connectionState: pc.connectionState, framesDecoded: 0, frameWidth: 0, mimeType: "", audioPackets: 0 };
    const report = await pc.getStats();
    for (const entry of report.values()) {
      if (entry.type !== "inbound-rtp") continue;
      if (entry.kind === "audio") result.audioPackets = entry.packetsReceived ?? 0;
      if (entry.kind !== "video") continue;
      Object.assign(result, { framesDecoded: entry.framesDecoded ?? 0, frameWidth: entry.frameWidth ?? 0 });
      result.mimeType = String(report.get(entry.codecId)?.mimeType ?? "");
    }
    return result;
  });
}

describe("PlayerEndpoint into Chromium (private network namespace)", () => {
  const env = useBrowserEnvironment(async () => ({ env: { PIPEWRIGHT_PLAYER_MEDIA_ROOTS: dirname(FIXTURES.vp8) } }));

  for (const [name, mimeType] of [["vp8", "video/VP8"], ["h264", "video/H264"]] as const) {
    it(`${name.toUpperCase()} file: Chromium decodes it at the file's 30 fps, and a seek near the end brings EndOfStream`, async (t) => {
      const page = await env.browser.context.newPage();
      try {
        await page.goto(`${env.server.url}/`);
        const { pipeline, player } = await watchPlayer(page, `file://${FIXTURES[name]}`);
        await waitUntil(() => received(page), (state) => state.connectionState === "connected", 10_000, "the viewer to connect");
        await apiExpect(page, 204, "POST", `/v1/pipelines/${pipeline}/elements/${player}/play`);
        await waitUntil(() => received(page), (state) => state.framesDecoded > 10, 10_000, "decoded frames");
        const first = await received(page);
        const from = performance.now();
        await sleep(3000);
        const second = await received(page);
        const fps = (second.framesDecoded - first.framesDecoded) / ((performance.now() - from) / 1000);
        t.diagnostic(`${name}: Chromium decoded ${fps.toFixed(1)} frames/s of ${second.mimeType} at width ${second.frameWidth}, ${second.audioPackets} audio packets`);
        assert.equal(second.mimeType, mimeType, "the file's codec");
        assert.equal(second.frameWidth, 320);
        assert.ok(Math.abs(fps - 30) <= 3, `decoded at the file's 30 fps: ${fps.toFixed(1)}`);
        assert.ok(second.audioPackets > 100, `audio arrived: ${second.audioPackets} packets`);

        const { lastId } = await apiExpect<{ lastId: number }>(page, 200, "GET", "/v1/events/log?limit=1");
        await apiExpect(page, 204, "PUT", `/v1/pipelines/${pipeline}/elements/${player}/position`, { position: 5000 });
        const ended = await waitUntil(
          async () => (await apiExpect<{ events: Array<{ objectId: string }> }>(page, 200, "GET", `/v1/events/log?after=${lastId}&type=element.endOfStream`)).events,
          (events) => events.some((event) => event.objectId === player),
          5000,
          "EndOfStream after seeking 1 s before the end",
        );
        assert.ok(ended.length > 0);
        await apiExpect(page, 204, "DELETE", `/v1/pipelines/${pipeline}`);
      } finally {
        await page.close({ runBeforeUnload: false }).catch(() => {});
      }
    });
  }
});
