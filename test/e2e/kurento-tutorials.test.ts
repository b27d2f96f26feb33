/**
 * The three routing tutorials of Kurento, unchanged in what they ask of the media server:
 * a tutorial application server (test/e2e/tutorials/app-server.ts — the Node tutorials' call
 * sequences with the real kurento-client) drives Pipewright over ws://127.0.0.1:8888/kurento,
 * and pages using kurento-utils' WebRtcPeer run in headless Chromium, all inside a private
 * network namespace. hello-world: the page decodes its own video looped back; one2many: two
 * viewer pages decode the presenter's video; one2one: two pages decode each other's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { startInNamespace, type NamespacedProcess } from "./helpers/namespaced-process.ts";
import { waitUntil } from "./helpers/pages.ts";

const APP_PORT = 8443;
const APP = `http://127.0.0.1:${APP_PORT}`;

interface Received {
  connectionState: string;
  framesDecoded: number;
  frameWidth: number;
  status: string;
}

declare const window: unknown;
declare const document: { getElementById(id: string): { textContent: string | null } | null };
type TutorialWindow = { webRtcPeer?: { peerConnection: { connectionState: string; getStats(): Promise<Map<string, Record<string, unknown>>> } } };

/** What the page's WebRtcPeer decodes (inbound-rtp video stats). */
function received(page: Page): Promise<Received> {
  return page.evaluate(async () => {
    const peer = (window as TutorialWindow).webRtcPeer;
    const result = { connectionState: "new", framesDecoded: 0, frameWidth: 0, status: document.getElementById("status")?.textContent ?? "" };
    if (!peer?.peerConnection) return result;
    result.connectionState = peer.peerConnection.connectionState;
    for (const entry of (await peer.peerConnection.getStats()).values()) {
      if (entry.type === "inbound-rtp" && entry.kind === "video") Object.assign(result, { framesDecoded: entry.framesDecoded ?? 0, frameWidth: entry.frameWidth ?? 0 });
    }
    return result;
  });
}

describe("Kurento tutorials against Pipewright (kurento-client app server, kurento-utils pages in Chromium)", () => {
  const env = useBrowserEnvironment();
  let app: NamespacedProcess | undefined;
  const pages: Page[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    app = await startInNamespace(env.namespace, ["test/e2e/tutorials/app-server.ts", "--ws_uri=ws://127.0.0.1:8888/kurento", `--port=${APP_PORT}`], {
      ready: /tutorial app server listening/,
      label: "the tutorial app server",
    });
  });
  after(async () => {
    for (const page of pages) await page.close().catch(() => {});
    await app?.stop();
  });

  async function open(label: string, query: string): Promise<Page> {
    const page = await env.browser.context.newPage();
    pages.push(page);
    page.on("pageerror", (error) => pageErrors.push(`${label}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`${label}: ${message.text()}`);
    });
    await page.goto(`${APP}/tutorial.html?${query}`);
    await page.waitForFunction(() => (window as { signallingReady?: boolean }).signallingReady === true);
    await page.click("#start");
    return page;
  }

  async function decodes(page: Page, label: string, frames = 30): Promise<Received> {
    try {
      return await waitUntil(() => received(page), (video) => video.framesDecoded >= frames && video.frameWidth > 0, 20_000, `${label} to decode ${frames} frames`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\npage errors: ${pageErrors.join("; ")}\napp server:\n${app?.logTail(20)}\nmedia server:\n${env.server.logTail(20)}`);
    }
  }

  it("hello-world: the page decodes its own video, looped back by an endpoint connected to itself", async () => {
    const page = await open("hello-world", "tutorial=hello-world");
    const video = await decodes(page, "the hello-world page");
    assert.equal(video.connectionState, "connected");
    assert.ok(video.frameWidth >= 320, `decoded at ${video.frameWidth} px wide`);
    await page.click("#stop");
  });

  it("one2many: two viewers decode the presenter's video", async () => {
    const presenter = await open("presenter", "tutorial=presenter");
    await waitUntil(() => received(presenter), (video) => video.connectionState === "connected", 15_000, "the presenter to connect");
    const viewers = [await open("viewer 1", "tutorial=viewer"), await open("viewer 2", "tutorial=viewer")];
    for (const [index, viewer] of viewers.entries()) await decodes(viewer, `viewer ${index + 1}`);
    await presenter.click("#stop");
  });

  it("one2one: two callers decode each other's video", async () => {
    const [caller, callee] = [await open("caller", "tutorial=call&room=r1"), await open("callee", "tutorial=call&room=r1")];
    await decodes(caller, "the caller");
    await decodes(callee, "the callee");
    assert.deepEqual(pageErrors, [], "no page errors");
  });
});
