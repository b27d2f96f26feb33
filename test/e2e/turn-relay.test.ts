/**
 * Media through a real TURN server (issue 6). In a private network namespace, coturn listens on
 * 10.250.0.2 with `use-auth-secret`; Pipewright (on 10.250.0.1) hands out credentials minted from
 * the same secret. A Chromium publisher and a Chromium viewer, both forced to
 * `iceTransportPolicy: "relay"` by the built-in pages' `?relay=1`, exchange media: both selected
 * candidate pairs are relayed and the viewer decodes frames, with the credentials Pipewright
 * minted (and coturn's log shows their allocations). A second Pipewright configured with a wrong
 * secret: the browser's allocation is refused with 401, the session never connects, and the
 * failure arrives as events.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { type Coturn, startCoturn, TURN_ADDRESS } from "./helpers/coturn.ts";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { connectionFacts, playerVideo, waitUntil } from "./helpers/pages.ts";
import { startServerInNamespace } from "./helpers/server-process.ts";

const SECRET = "e2e-static-auth-secret";
const TURN_URL = `turn:${TURN_ADDRESS}:3478?transport=udp`;

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The server's event log, read from inside a page of that server (same origin, loopback). */
function eventLog(page: Page, types: string): Promise<LoggedEvent[]> {
  return page.evaluate(async (query) => {
    const response = await fetch(`/v1/events/log?limit=1000&type=${query}`);
    return ((await response.json()) as { events: LoggedEvent[] }).events;
  }, types);
}

describe("TURN relay through coturn (Chromium in a private network namespace)", () => {
  let coturn: Coturn;
  const env = useBrowserEnvironment(async (ns, cleanups) => {
    coturn = await startCoturn(ns, { port: 3478, relayPorts: [49160, 49260], auth: { secret: SECRET } });
    cleanups.push(() => coturn.stop());
    return { env: { PIPEWRIGHT_WEBRTC_ICE_SERVERS: JSON.stringify([{ urls: TURN_URL, secret: SECRET }]) } };
  });

  async function open(path: string, base = env.server.url): Promise<Page> {
    const page = await env.browser.context.newPage();
    await page.goto(`${base}${path}`);
    return page;
  }

  it("a relay-only publisher and a relay-only viewer exchange media through coturn with credentials Pipewright minted", async (t) => {
    const pages: Page[] = [];
    try {
      const startedAt = Date.now();
      const publisher = await open("/publish/relayed?codec=VP8&autostart=1&relay=1");
      pages.push(publisher);
      const published = await waitUntil(() => connectionFacts(publisher, "pipewrightPublisher"), (facts) => facts.connectionState === "connected" && facts.local !== undefined, 20_000, "the relay-only publisher to connect");
      const viewer = await open("/play/relayed?relay=1");
      pages.push(viewer);
      const decoded = await waitUntil(() => playerVideo(viewer), (video) => video.framesDecoded >= 60, 20_000, "the relay-only viewer to decode 60 frames");
      const watched = await connectionFacts(viewer, "pipewrightPlayer");

      for (const [label, facts] of [["publisher", published], ["viewer", watched]] as const) {
        assert.equal(facts.iceTransportPolicy, "relay", `${label}: relay only`);
        assert.equal(facts.local?.candidateType, "relay", `${label}: the selected pair is relayed (${JSON.stringify(facts.local)})`);
        assert.equal(facts.local?.address, TURN_ADDRESS, `${label}: relayed by coturn`);
        assert.deepEqual(facts.iceErrors, [], `${label}: no ICE server errors`);
        const [server] = facts.iceServers;
        assert.deepEqual(server.urls, [TURN_URL]);
        const [expiry, caller] = server.username!.split(":");
        assert.equal(caller, "local", `${label}: credentials minted for the caller`);
        assert.ok(Math.abs(Number(expiry) - (Math.floor(startedAt / 1000) + 86_400)) < 120, `${label}: valid for the default day (${expiry})`);
        assert.match(coturn.log(), new RegExp(`user <${server.username}>: incoming packet ALLOCATE processed, success`), `${label}: coturn allocated for that username`);
      }
      t.diagnostic(`viewer decoded ${decoded.framesDecoded} frames at ${decoded.frameWidth}x${decoded.frameHeight} over relay ${watched.local?.address}; publisher relay ${published.local?.address}`);
    } finally {
      for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
    }
  });

  it("with a wrong secret, coturn refuses the browser's allocation and the failed session arrives as events", async () => {
    const misconfigured = await startServerInNamespace(env.ns, {
      port: 8890,
      portRange: "40200-40300",
      env: { PIPEWRIGHT_WEBRTC_ICE_SERVERS: JSON.stringify([{ urls: TURN_URL, secret: "not-the-coturn-secret" }]), PIPEWRIGHT_WEBRTC_CONNECT_TIMEOUT_MS: "5000" },
    });
    let publisher: Page | undefined;
    try {
      publisher = await open("/publish/refused?codec=VP8&autostart=1&relay=1", misconfigured.url);
      const refused = await waitUntil(() => connectionFacts(publisher!, "pipewrightPublisher"), (facts) => facts.iceErrors.length > 0, 15_000, "the browser to report the TURN error");
      assert.match(refused.iceErrors[0], new RegExp(`ICE server ${TURN_URL.replace(/[.?]/g, "\\$&")} failed: 401 `));
      const username = refused.iceServers[0].username!;
      assert.match(coturn.log(), new RegExp(`user <${username}>: incoming packet message processed, error 401: Unauthorized`), "coturn refused that username");

      const events = await waitUntil(
        () => eventLog(publisher!, "element.error,session.state"),
        (list) => list.some((event) => event.type === "element.error"),
        20_000,
        "the connection failure event",
      );
      const failure = events.find((event) => event.type === "element.error")!;
      assert.equal(failure.data.errorType, "CONNECTION_FAILED");
      assert.match(String(failure.data.description), /not connected within 5000 ms/);
      const closed = events.find((event) => event.type === "session.state" && event.data.stream === "refused" && event.data.state === "closed");
      assert.match(String(closed?.data.reason), /not connected within 5000 ms/, JSON.stringify(events));
      assert.notEqual((await connectionFacts(publisher, "pipewrightPublisher")).connectionState, "connected");
    } finally {
      await publisher?.close({ runBeforeUnload: false }).catch(() => {});
      await misconfigured.stop();
    }
  });
});
