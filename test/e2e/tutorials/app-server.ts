/**
 * A Kurento tutorial application server, re-enacted: the Node tutorials' signalling and their
 * exact kurento-client call sequences (notes/kurento-protocol.md §1.9, §3) for hello-world
 * (one endpoint connected to itself), one2many-call (a presenter and viewers in the presenter's
 * pipeline) and one2one-call (two endpoints connected both ways), in kurento-client's callback
 * style as the tutorials write it. It serves the page (tutorial.html + tutorial.js), a browser
 * bundle of kurento-utils made with esbuild at start-up (npm ships none), and the page's
 * signalling WebSocket at /signal. Run it as `node app-server.ts --ws_uri=ws://… --port=N`.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { WebSocketServer, type WebSocket } from "ws";
import { kurento, type KurentoClient } from "../../helpers/kurento-client.ts";

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({ options: { ws_uri: { type: "string" }, port: { type: "string", default: "8443" } } });
const wsUri = args.ws_uri ?? "ws://127.0.0.1:8888/kurento";

type Callback<T = unknown> = (error: Error | null, value?: T) => void;
type Message = { id: string; sdpOffer?: string; candidate?: Record<string, unknown>; room?: string };

const bundle = await build({
  entryPoints: [require.resolve("kurento-utils/lib/browser.js")],
  bundle: true,
  format: "iife",
  globalName: "kurentoUtils",
  platform: "browser",
  write: false,
  logLevel: "silent",
});
const files: Record<string, [string, string | Uint8Array]> = {
  "/tutorial.html": ["text/html", readFileSync(new URL("static/tutorial.html", import.meta.url))],
  "/tutorial.js": ["text/javascript", readFileSync(new URL("static/tutorial.js", import.meta.url))],
  "/kurento-utils.js": ["text/javascript", bundle.outputFiles[0].contents],
};

let kurentoClient: KurentoClient | undefined;
function getKurentoClient(callback: Callback<KurentoClient>): void {
  if (kurentoClient) return callback(null, kurentoClient);
  kurento(wsUri, { failAfter: 5 }, (error: Error | null, client: KurentoClient) => {
    if (error) return callback(new Error(`Could not find media server at address ${wsUri}: ${error.message}`));
    kurentoClient = client;
    callback(null, client);
  });
}

/** One browser: its endpoint once created, and the candidates it sent before that. */
class Browser {
  endpoint: KurentoClient | undefined;
  pipeline: KurentoClient | undefined;
  /** What to release when the page goes: its pipeline, or a viewer's own endpoint. */
  owned: KurentoClient | undefined;
  readonly queue: unknown[] = [];
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  send(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** What every tutorial does once the endpoint exists: drain queued candidates, trickle ours. */
  adopt(endpoint: KurentoClient): void {
    this.endpoint = endpoint;
    while (this.queue.length) endpoint.addIceCandidate(this.queue.shift());
    endpoint.on("IceCandidateFound", (event: { candidate: unknown }) => {
      this.send({ id: "iceCandidate", candidate: kurento.getComplexType("IceCandidate")(event.candidate as Record<string, unknown>) });
    });
  }

  onIceCandidate(candidate: Record<string, unknown>): void {
    const iceCandidate = kurento.getComplexType("IceCandidate")(candidate);
    if (this.endpoint) this.endpoint.addIceCandidate(iceCandidate);
    else this.queue.push(iceCandidate);
  }

  fail(id: string, error: Error): void {
    console.error(`${id}: ${error.message}`);
    this.send({ id, response: "rejected", message: error.message });
  }
}

/** The start both hello-world and the one2many presenter make: a pipeline of the browser's own, an endpoint in it. */
function createOwnEndpoint(browser: Browser, fail: (error: Error) => void, then: (endpoint: KurentoClient) => void): void {
  getKurentoClient((error, client) => {
    if (error) return fail(error);
    client!.create("MediaPipeline", (error: Error | null, pipeline: KurentoClient) => {
      if (error) return fail(error);
      browser.pipeline = browser.owned = pipeline;
      pipeline.create("WebRtcEndpoint", (error: Error | null, endpoint: KurentoClient) => {
        if (error) return fail(error);
        browser.adopt(endpoint);
        then(endpoint);
      });
    });
  });
}

/** processOffer, answer the browser, gatherCandidates. */
function answer(browser: Browser, endpoint: KurentoClient, sdpOffer: string, response: string, fail: (error: Error) => void): void {
  endpoint.processOffer(sdpOffer, (error: Error | null, sdpAnswer: string) => {
    if (error) return fail(error);
    browser.send({ id: response, response: "accepted", sdpAnswer });
  });
  endpoint.gatherCandidates((error: Error | null) => error && fail(error));
}

/** hello-world: create Pipeline, WebRtcEndpoint, connect(self), processOffer, gatherCandidates. */
function startHelloWorld(browser: Browser, sdpOffer: string): void {
  const fail = (error: Error) => browser.fail("startResponse", error);
  createOwnEndpoint(browser, fail, (endpoint) => {
    endpoint.connect(endpoint, (error: Error | null) => (error ? fail(error) : answer(browser, endpoint, sdpOffer, "startResponse", fail)));
  });
}

let presenter: Browser | undefined;

/** one2many presenter: its own pipeline and endpoint. */
function startPresenter(browser: Browser, sdpOffer: string): void {
  const fail = (error: Error) => browser.fail("presenterResponse", error);
  presenter = browser;
  createOwnEndpoint(browser, fail, (endpoint) => answer(browser, endpoint, sdpOffer, "presenterResponse", fail));
}

/** one2many viewer: an endpoint in the presenter's pipeline, fed by the presenter. */
function startViewer(browser: Browser, sdpOffer: string): void {
  const fail = (error: Error) => browser.fail("viewerResponse", error);
  if (!presenter?.pipeline || !presenter.endpoint) return fail(new Error("No active presenter. Try again later..."));
  const source = presenter.endpoint;
  presenter.pipeline.create("WebRtcEndpoint", (error: Error | null, endpoint: KurentoClient) => {
    if (error) return fail(error);
    browser.owned = endpoint;
    browser.adopt(endpoint);
    endpoint.processOffer(sdpOffer, (error: Error | null, sdpAnswer: string) => {
      if (error) return fail(error);
      source.connect(endpoint, (error: Error | null) => {
        if (error) return fail(error);
        browser.send({ id: "viewerResponse", response: "accepted", sdpAnswer });
        endpoint.gatherCandidates((error: Error | null) => error && fail(error));
      });
    });
  });
}

const rooms = new Map<string, { browser: Browser; sdpOffer: string }>();

/** one2one: once both sides are in, two endpoints connected both ways, an offer processed each. */
function joinCall(browser: Browser, room: string, sdpOffer: string): void {
  const waiting = rooms.get(room);
  if (!waiting) {
    rooms.set(room, { browser, sdpOffer });
    return;
  }
  rooms.delete(room);
  const sides = [waiting, { browser, sdpOffer }];
  const fail = (error: Error) => sides.forEach((side) => side.browser.fail("callResponse", error));
  getKurentoClient((error, client) => {
    if (error) return fail(error);
    client!.create("MediaPipeline", (error: Error | null, pipeline: KurentoClient) => {
      if (error) return fail(error);
      pipeline.create("WebRtcEndpoint", (error: Error | null, caller: KurentoClient) => {
        if (error) return fail(error);
        pipeline.create("WebRtcEndpoint", (error: Error | null, callee: KurentoClient) => {
          if (error) return fail(error);
          const endpoints = [caller, callee];
          sides.forEach((side, index) => {
            side.browser.pipeline = side.browser.owned = pipeline;
            side.browser.adopt(endpoints[index]);
          });
          caller.connect(callee, (error: Error | null) => {
            if (error) return fail(error);
            callee.connect(caller, (error: Error | null) => {
              if (error) return fail(error);
              sides.forEach((side, index) => {
                endpoints[index].processOffer(side.sdpOffer, (error: Error | null, sdpAnswer: string) => {
                  if (error) return fail(error);
                  side.browser.send({ id: "callResponse", response: "accepted", sdpAnswer });
                });
                endpoints[index].gatherCandidates((error: Error | null) => error && fail(error));
              });
            });
          });
        });
      });
    });
  });
}

function stop(browser: Browser): void {
  if (browser === presenter) presenter = undefined;
  browser.owned?.release();
  browser.owned = undefined;
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (path === "/favicon.ico") {
    response.writeHead(204).end();
    return;
  }
  const file = files[path];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
});
const signalling = new WebSocketServer({ server, path: "/signal" });
signalling.on("connection", (ws) => {
  const browser = new Browser(ws);
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as Message;
    switch (message.id) {
      case "start":
        return startHelloWorld(browser, message.sdpOffer!);
      case "presenter":
        return startPresenter(browser, message.sdpOffer!);
      case "viewer":
        return startViewer(browser, message.sdpOffer!);
      case "call":
        return joinCall(browser, message.room ?? "default", message.sdpOffer!);
      case "onIceCandidate":
        return browser.onIceCandidate(message.candidate!);
      case "stop":
        return stop(browser);
    }
  });
  ws.on("close", () => stop(browser));
});
server.listen(Number(args.port), "127.0.0.1", () => console.log(`tutorial app server listening on http://127.0.0.1:${args.port}, media server ${wsUri}`));
