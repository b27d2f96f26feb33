/**
 * Media through a real TURN server (issue 6). In a private network namespace, coturn listens on
 * 10.250.0.2 with `use-auth-secret`; Pipewright (on 10.250.0.1) hands out credentials minted from
 * the same secret. A Chromium publisher and a Chromium viewer, both forced to
 * `iceTransportPolicy: "relay"` by the built-in pages' `?relay=1`, exchange media: both selected
 * candidate pairs are relayed and the viewer decodes frames, with the credentials Pipewright
 * minted (and coturn's log shows their allocations). An OBS-style node-datachannel publisher
 * reads its TURN server from the WHIP 201's Link header with OBS's parser rules and publishes
 * relay-only through coturn. A Pipewright whose media address clients cannot reach gathers relay
 * candidates through coturn (webrtc.serverIceServers) and a viewer plays through them. An endpoint
 * given a Kurento turnURL over REST gathers relay candidates through that (static-user) coturn. A
 * Pipewright configured with a wrong secret: the browser's allocation is refused with 401, the
 * session never connects, and the failure arrives as events.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { type Coturn, startCoturn, TURN_ADDRESS } from "./helpers/coturn.ts";
import { launchChromiumInNamespace } from "./helpers/browser.ts";
import { useBrowserEnvironment } from "./helpers/environment.ts";
import { createClientNamespace, type Namespace } from "./helpers/netns.ts";
import { connectionFacts, playerVideo, waitUntil } from "./helpers/pages.ts";
import { REPO_ROOT } from "./helpers/namespaced-process.ts";
import { startServerInNamespace } from "./helpers/server-process.ts";

const SECRET = "e2e-static-auth-secret";
// Functions given to page.evaluate run in the browser; tsconfig has no DOM types.
declare const RTCPeerConnection: new () => any;
const OBS_VIA_TURN = fileURLToPath(new URL("./helpers/obs-via-turn.ts", import.meta.url));
const TURN_URL = `turn:${TURN_ADDRESS}:3478?transport=udp`;

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
}

/** A self-signed ECDSA certificate for the OBS stand-in (both of its peer connections use it). */
function certificateFiles(): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-obs-cert-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=obs", "-days", "1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  return { dir, cert, key };
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
  /** A second coturn with one static long-term user: what Kurento's turnURL format can express. */
  let staticCoturn: Coturn;
  let firewalled: Namespace;
  const env = useBrowserEnvironment(async (ns, cleanups) => {
    firewalled = createClientNamespace(ns);
    cleanups.push(async () => firewalled.remove());
    coturn = await startCoturn(ns, { port: 3478, relayPorts: [49160, 49260], auth: { secret: SECRET }, alsoListenOn: ["10.251.0.2"] });
    cleanups.push(() => coturn.stop());
    staticCoturn = await startCoturn(ns, { port: 3578, relayPorts: [49300, 49400], auth: { user: "kms", password: "kms-turn-password" } });
    cleanups.push(() => staticCoturn.stop());
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

  it("an OBS-style publisher behind a firewall takes its TURN server from the WHIP Link header and publishes through coturn", async () => {
    const files = certificateFiles();
    const server = await startServerInNamespace(env.namespace, {
      port: 8891,
      portRange: "40400-40500",
      adminToken: true,
      env: { PIPEWRIGHT_HOST: "0.0.0.0", PIPEWRIGHT_WEBRTC_ICE_SERVERS: JSON.stringify([{ urls: "turn:10.251.0.2:3478?transport=udp", secret: SECRET }]) },
    });
    try {
      const [command, ...prefix] = firewalled.exec;
      const output = await new Promise<string>((resolve) => {
        // The exit code is not judged: node-datachannel may crash in its native cleanup (notes/testing-peers.md).
        execFile(command, [...prefix, process.execPath, OBS_VIA_TURN, "http://10.251.0.2:8891", "obs-relayed", files.cert, files.key, server.token!], { timeout: 60_000 }, (_, stdout) => resolve(stdout));
      });
      const result = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as Record<string, any>;
      assert.equal(result.status, 201, output);
      assert.match(result.links[0], /^<turn:10\.251\.0\.2:3478\?transport=udp>; rel="ice-server"; username="\d+:[0-9a-f-]{36}"; credential="[A-Za-z0-9+/]+=*"; credential-type="password"$/);
      assert.equal(result.sameOffer, true, "the second peer connection offers what was posted (ufrag, pwd, fingerprint)");
      assert.ok(result.relayCandidates > 0, "gathered through the Link header's TURN server");
      assert.equal(result.state, "connected", output);
      assert.deepEqual({ type: result.selected.localType, address: result.selected.local }, { type: "relay", address: TURN_ADDRESS }, output);
      assert.ok(result.received.video >= 60 && result.received.audio >= 100, `the server's publisher endpoint received the media: ${JSON.stringify(result.received)}`);
      assert.match(coturn.log(), new RegExp(`user <${result.username}>: incoming packet ALLOCATE processed, success`));
    } finally {
      await server.stop();
      rmSync(files.dir, { recursive: true, force: true });
    }
  });

  it("a server whose own address clients cannot reach gathers relay candidates through coturn, and a viewer plays through them", async (t) => {
    const server = await startServerInNamespace(env.namespace, {
      port: 8892,
      portRange: "40600-40700",
      adminToken: true,
      env: { PIPEWRIGHT_HOST: "0.0.0.0", PIPEWRIGHT_WEBRTC_SERVER_ICE_SERVERS: JSON.stringify([{ urls: TURN_URL, secret: SECRET }]) },
    });
    const viewerBrowser = await launchChromiumInNamespace(firewalled);
    const pages: Page[] = [];
    try {
      const publisher = await open(`/publish/behind-nat?codec=VP8&autostart=1&token=${server.token}`, server.url);
      pages.push(publisher);
      await waitUntil(() => connectionFacts(publisher, "pipewrightPublisher"), (facts) => facts.connectionState === "connected", 20_000, "the publisher to connect");
      // The viewer's network reaches coturn (10.250.0.2) but not the server's media address (10.250.0.1).
      const viewer = await viewerBrowser.context.newPage();
      pages.push(viewer);
      await viewer.goto(`http://10.251.0.2:8892/play/behind-nat?token=${server.token}`);
      const decoded = await waitUntil(() => playerVideo(viewer), (video) => video.framesDecoded >= 30, 25_000, "the viewer to decode 30 frames").catch((error: Error) => {
        throw new Error(`${error.message}\nserver log:\n${server.logTail(60)}\ncoturn:\n${coturn.log().slice(-4000)}`);
      });
      const watched = await connectionFacts(viewer, "pipewrightPlayer");
      assert.deepEqual(watched.iceServers, [], "the viewer has no TURN server of its own");
      assert.deepEqual({ type: watched.remote?.candidateType, address: watched.remote?.address }, { type: "relay", address: TURN_ADDRESS }, "it reached the server through the server's relay candidate");
      assert.equal(watched.local?.address, "10.251.0.1");
      assert.match(coturn.log(), /user <\d+:pipewright>: incoming packet ALLOCATE processed, success/, "the server allocated with credentials minted for itself");
      t.diagnostic(`viewer behind the firewall decoded ${decoded.framesDecoded} frames through the server's relay ${watched.remote?.address}`);
    } finally {
      for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
      await viewerBrowser.close();
      await server.stop();
    }
  });

  it("an endpoint given a Kurento turnURL over REST (invoke setTurnUrl) gathers relay candidates through that TURN server", async () => {
    const page = await open("/");
    try {
      const turnUrl = `kms:kms-turn-password@${TURN_ADDRESS}:3578?transport=udp`;
      const result = await page.evaluate(async (url) => {
        const api = async (method: string, path: string, body?: unknown) => {
          const response = await fetch(`/v1${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
          return response.status === 202 ? {} : response.json();
        };
        const pipeline = (await api("POST", "/pipelines", { name: "kurento-style" })) as { id: string };
        const element = (await api("POST", `/pipelines/${pipeline.id}/elements`, { type: "WebRtcEndpoint" })) as { id: string };
        const at = `/pipelines/${pipeline.id}/elements/${element.id}`;
        await api("POST", `${at}/invoke/setTurnUrl`, { params: { turnUrl: url } });
        const pc = new RTCPeerConnection();
        pc.addTransceiver("video", { direction: "recvonly" });
        await pc.setLocalDescription(await pc.createOffer());
        const { answer } = (await api("POST", `${at}/process-offer`, { offer: pc.localDescription.sdp })) as { answer: string };
        await api("POST", `${at}/gather-candidates`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const log = (await api("GET", `/events/log?limit=1000&type=element.iceCandidateFound&pipeline=${pipeline.id}`)) as { events: Array<{ data: { candidate: string } }> };
        const stored = (await api("POST", `${at}/invoke/getTurnUrl`, {})) as { value: string };
        pc.close();
        return { answer, found: log.events.map((event) => event.data.candidate), stored: stored.value };
      }, turnUrl);
      assert.equal(result.stored, turnUrl);
      assert.ok(/^a=candidate:\S+ 1 udp \d+ 10\.250\.0\.2 \d+ typ relay/m.test(result.answer), result.answer);
      assert.ok(result.found.some((candidate) => / 10\.250\.0\.2 \d+ typ relay/.test(candidate)), `IceCandidateFound events: ${result.found.join(" | ")}`);
      assert.match(staticCoturn.log(), /user <kms>: incoming packet ALLOCATE processed, success/);
      assert.doesNotMatch(coturn.log(), /user <kms>/, "the endpoint's own TURN server, not the server-wide one");
    } finally {
      await page.close({ runBeforeUnload: false }).catch(() => {});
    }
  });

  it("a kurento-client app calling setTurnUrl on an endpoint gets relay candidates through that TURN server", async () => {
    const turnUrl = `kms:kms-turn-password@${TURN_ADDRESS}:3578?transport=udp`;
    const allocations = () => staticCoturn.log().split("user <kms>: incoming packet ALLOCATE processed, success").length - 1;
    const before = allocations();
    const output = execFileSync(env.namespace.exec[0], [...env.namespace.exec.slice(1), process.execPath, "test/e2e/helpers/kurento-turn-probe.ts", env.server.url, turnUrl], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split("\n").pop()!) as { stored: string; found: string[]; answer: string };
    assert.equal(result.stored, turnUrl);
    assert.ok(result.found.some((candidate) => / 10\.250\.0\.2 \d+ typ relay/.test(candidate)), `IceCandidateFound events: ${result.found.join(" | ")}`);
    assert.match(result.answer, /typ relay/);
    await waitUntil(async () => allocations(), (count) => count > before, 5000, "coturn to log the endpoint's allocation under the turnUrl's user");
  });

  it("with a wrong secret, coturn refuses the browser's allocation and the failed session arrives as events", async () => {
    const misconfigured = await startServerInNamespace(env.namespace, {
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
