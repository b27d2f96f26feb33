/**
 * ICE-TCP (RFC 6544) with a real browser: a Chromium publisher whose UDP is blocked — only TCP
 * candidates are kept, in its offer and in the answer it applies, as a network that drops UDP
 * leaves it — publishes to Pipewright over TCP (the selected pair is TCP), and a second page
 * decodes the stream. Runs in a private network namespace, like every browser test.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { playerVideo, waitUntil } from "./helpers/pages.ts";

// Functions given to page.evaluate run in the browser; tsconfig has no DOM types.
declare const window: Record<string, any>;
declare const navigator: { mediaDevices: { getUserMedia(constraints: unknown): Promise<any> } };
declare const RTCPeerConnection: new (configuration: unknown) => any;

interface TcpPublish {
  offerCandidates: string[];
  answerCandidates: string[];
  connectionState: string;
  local?: { candidateType: string; protocol: string; address: string };
  remote?: { candidateType: string; protocol: string; address: string };
}

/** Publishes the fake camera to /whip/<stream> with every non-TCP candidate removed on both sides. */
function publishOverTcpOnly(page: Page, stream: string): Promise<TcpPublish> {
  return page.evaluate(async (name) => {
    const tcpOnly = (sdp: string) =>
      sdp
        .split("\r\n")
        .filter((line) => !line.startsWith("a=candidate:") || line.split(" ")[2].toLowerCase() === "tcp")
        .join("\r\n");
    const candidates = (sdp: string) => sdp.split("\r\n").filter((line) => line.startsWith("a=candidate:"));
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    window.tcpPublisher = pc;
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [media] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      const check = () => (pc.iceGatheringState === "complete" ? resolve() : setTimeout(check, 50));
      check();
    });
    const offer = tcpOnly(pc.localDescription.sdp);
    const response = await fetch(`/whip/${name}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offer });
    const answer = await response.text();
    if (response.status !== 201) throw new Error(`WHIP POST answered ${response.status}: ${answer}`);
    await pc.setRemoteDescription({ type: "answer", sdp: tcpOnly(answer) });
    const deadline = Date.now() + 15_000;
    while (pc.connectionState !== "connected" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const result: TcpPublish = { offerCandidates: candidates(offer), answerCandidates: candidates(answer), connectionState: pc.connectionState };
    const report = await pc.getStats();
    const describe = (id: string) => {
      const entry = report.get(id);
      return entry ? { candidateType: entry.candidateType, protocol: entry.protocol, address: entry.address } : undefined;
    };
    report.forEach((entry: any) => {
      if (entry.type !== "transport" || !entry.selectedCandidatePairId) return;
      const pair = report.get(entry.selectedCandidatePairId);
      result.local = describe(pair.localCandidateId);
      result.remote = describe(pair.remoteCandidateId);
    });
    return result;
  }, stream);
}

describe("ICE-TCP: a browser whose UDP is blocked (Chromium in a private network namespace)", () => {
  const env = useBrowserEnvironment();

  it("publishes over TCP, and a viewer decodes the stream", async (t) => {
    const pages: Page[] = [];
    try {
      const publisher = await env.browser.context.newPage();
      pages.push(publisher);
      await publisher.goto(`${env.server.url}/`);
      const published = await publishOverTcpOnly(publisher, "tcp-only");
      assert.ok(published.offerCandidates.every((line) => / tcp /i.test(line)), "the offer carries TCP candidates only");
      assert.ok(published.answerCandidates.some((line) => / udp /i.test(line)), "the server offered UDP too, removed as a UDP-blocking network would");
      assert.ok(published.answerCandidates.some((line) => / tcp \d+ 10\.250\.0\.1 \d+ typ host tcptype passive/i.test(line)), published.answerCandidates.join("\n"));
      assert.equal(published.connectionState, "connected");
      assert.equal(published.local?.protocol, "tcp", `selected pair: ${JSON.stringify(published)}`);
      assert.equal(published.remote?.protocol, "tcp");

      const viewer = await env.browser.context.newPage();
      pages.push(viewer);
      await viewer.goto(`${env.server.url}/play/tcp-only`);
      const decoded = await waitUntil(() => playerVideo(viewer), (video) => video.framesDecoded >= 60, 20_000, "the viewer to decode 60 frames");
      assert.deepEqual({ width: decoded.frameWidth, height: decoded.frameHeight }, { width: 640, height: 480 });
      t.diagnostic(`published over ${published.local?.protocol} (${published.local?.candidateType} → ${published.remote?.candidateType}); viewer decoded ${decoded.framesDecoded} frames`);
    } finally {
      for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
    }
  });
});
