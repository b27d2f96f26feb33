/**
 * How a WebRtcEndpoint gathers, seen in the SDP answer it gives and in the requests a STUN/TURN
 * responder on 127.0.0.1 receives: ICE-TCP candidates by default and none after setIceTcp(false);
 * Kurento's per-endpoint properties set over REST (PATCH or invoke) — externalIPv4,
 * stunServerAddress/Port, turnUrl — taking effect at negotiation; malformed values refused with
 * their name. Then a client whose UDP is blocked (only TCP candidates on either side) publishes
 * over ICE-TCP and a viewer receives the stream. Last, the server's own TURN server with a
 * shared secret: relay candidates with minted credentials, and with the wrong secret an event and
 * no further waiting for that server.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startLoopbackTurn, type LoopbackTurn } from "../helpers/loopback-turn.ts";
import { Rest } from "../helpers/rest.ts";
import { post, startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher, createViewer, loopbackConfig, OPUS, sendSyntheticMedia, VP8, waitFor } from "../helpers/werift-peer.ts";
import { RTCPeerConnection } from "werift";

function candidates(sdp: string): string[] {
  return sdp.split("\r\n").filter((line) => line.startsWith("a=candidate:"));
}

/** Keeps only TCP candidates: what a client whose network drops UDP can use. */
function tcpOnly(sdp: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") || line.split(" ")[2].toLowerCase() === "tcp")
    .join("\r\n");
}

describe("per-endpoint ICE settings", () => {
  let server: TestServer;
  let rest: Rest;
  let turn: LoopbackTurn;
  let pipeline: string;
  before(async () => {
    server = await startTestServer();
    rest = new Rest(`${server.url}/v1`);
    turn = await startLoopbackTurn({ password: (username) => (username === "kms" ? "pw" : undefined), mappedAddress: ["198.51.100.99", 41234], relayedAddress: ["198.51.100.50", 50000] });
    pipeline = (await rest.expect(201, "POST", "/pipelines", { name: "ice" })).id;
  });
  after(async () => {
    await turn.close();
    await server.close();
  });

  /** A WebRtcEndpoint with `properties` set at creation, and its answer to a werift offer. */
  async function answerWith(properties: Record<string, unknown>, configure?: (elementPath: string) => Promise<void>): Promise<string> {
    const element = await rest.expect(201, "POST", `/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", properties });
    const path = `/pipelines/${pipeline}/elements/${element.id}`;
    await configure?.(path);
    const viewer = await createViewer();
    try {
      return (await rest.expect(200, "POST", `${path}/process-offer`, { offer: viewer.offer })).answer;
    } finally {
      await viewer.pc.close();
    }
  }

  it("offers ICE-TCP candidates unless setIceTcp(false)", async () => {
    const withTcp = candidates(await answerWith({}));
    assert.ok(withTcp.some((line) => / tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/.test(line)), withTcp.join("\n"));
    const withoutTcp = candidates(await answerWith({}, (path) => rest.expect(200, "POST", `${path}/invoke/setIceTcp`, { params: { iceTcp: false } })));
    assert.ok(withoutTcp.length > 0);
    assert.deepEqual(withoutTcp.filter((line) => / tcp /i.test(line)), []);
  });

  it("announces the externalIPv4 set with PATCH", async () => {
    const answer = await answerWith({}, (path) => rest.expect(200, "PATCH", path, { properties: { externalIPv4: "198.51.100.7" } }));
    assert.ok(candidates(answer).some((line) => / udp \d+ 198\.51\.100\.7 \d+ typ host/.test(line)), answer);
    assert.ok(candidates(answer).some((line) => / tcp \d+ 198\.51\.100\.7 \d+ typ host tcptype passive/.test(line)), answer);
  });

  it("gathers through the STUN server set with setStunServerAddress/Port", async () => {
    const before = turn.seen.length;
    const answer = await answerWith({ stunServerAddress: "127.0.0.1", stunServerPort: turn.port });
    assert.ok(candidates(answer).some((line) => / 198\.51\.100\.99 41234 typ srflx/.test(line)), answer);
    assert.deepEqual(turn.seen.slice(before).map((request) => request.method), ["BINDING"]);
  });

  it("gathers a relay candidate through the TURN server set with setTurnUrl, with its credentials", async () => {
    const before = turn.seen.length;
    const answer = await answerWith({}, (path) => rest.expect(200, "POST", `${path}/invoke/setTurnUrl`, { params: { turnUrl: `kms:pw@127.0.0.1:${turn.port}?transport=udp` } }));
    assert.ok(candidates(answer).some((line) => / udp \d+ 198\.51\.100\.50 50000 typ relay/.test(line)), answer);
    const allocations = turn.seen.slice(before).filter((request) => request.method === "ALLOCATE");
    assert.deepEqual(allocations.at(-1), { method: "ALLOCATE", username: "kms", authenticated: true });
  });

  it("reads the server's settings back where the endpoint sets none, and its own where it does", async () => {
    const element = await rest.expect(201, "POST", `/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", properties: { stunServerPort: 3479 } });
    const get = async (operation: string) => (await rest.expect(200, "POST", `/pipelines/${pipeline}/elements/${element.id}/invoke/${operation}`, {})).value;
    assert.equal(await get("getIceTcp"), true);
    assert.equal(await get("getTurnUrl"), "");
    assert.equal(await get("getStunServerPort"), 3479);
  });

  it("refuses malformed ICE properties, naming them", async () => {
    const element = await rest.expect(201, "POST", `/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint" });
    const invoke = (operation: string, params: Record<string, unknown>) => rest.call<{ detail: string }>("POST", `/pipelines/${pipeline}/elements/${element.id}/invoke/${operation}`, { params });
    const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
      ["setTurnUrl", { turnUrl: "turn.example.test:3478" }, /^turnUrl: .*not user:password@address:port/],
      ["setTurnUrl", { turnUrl: "u:secret@turn.example.test:3478?transport=sctp" }, /^turnUrl: "u:\*\*\*@turn\.example\.test:3478\?transport=sctp": the query must be/],
      ["setExternalIPv4", { externalIPv4: "300.1.2.3" }, /^externalIPv4: 300\.1\.2\.3 is not an IPv4 address/],
      ["setStunServerPort", { stunServerPort: 70000 }, /^stunServerPort: must be a port/],
      ["setNetworkInterfaces", { networkInterfaces: "eth0;rm -rf" }, /^networkInterfaces: must be interface names/],
    ];
    for (const [operation, params, reason] of refusals) {
      const response = await invoke(operation, params);
      assert.equal(response.status, 400, `${operation}: ${JSON.stringify(response.body)}`);
      assert.match(response.body.detail, reason);
    }
    const created = await rest.call("POST", `/pipelines/${pipeline}/elements`, { type: "WebRtcEndpoint", properties: { turnUrl: "nonsense" } });
    assert.equal(created.status, 400, "checked at creation too");
  });
});

describe("ICE-TCP: a publisher whose UDP is blocked", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("connects over TCP with only TCP candidates on both sides, and a viewer receives its video", async () => {
    const publisher = new RTCPeerConnection(loopbackConfig({ codecs: { video: [VP8], audio: [OPUS] }, iceUseTcp: true }));
    const viewer = await createViewer();
    try {
      const audio = publisher.addTransceiver("audio", { direction: "sendonly" });
      const video = publisher.addTransceiver("video", { direction: "sendonly" });
      await publisher.setLocalDescription(await publisher.createOffer());
      const offer = tcpOnly(publisher.localDescription!.sdp);
      assert.ok(candidates(offer).length > 0 && candidates(offer).every((line) => / tcp /.test(line)), offer);
      const created = await post(`${server.url}/whip/tcp-only`, offer);
      assert.equal(created.status, 201, created.body);
      await publisher.setRemoteDescription({ type: "answer", sdp: tcpOnly(created.body) });
      await waitFor(() => publisher.connectionState === "connected", 15_000, "the TCP-only publisher to connect");

      const stats = await publisher.getStats();
      const pair = [...stats.values()].find((entry) => entry.type === "candidate-pair" && (entry as { nominated?: boolean }).nominated) as { localCandidateId: string } | undefined;
      assert.ok(pair, "a nominated candidate pair");
      assert.equal((stats.get(pair.localCandidateId) as unknown as { protocol: string }).protocol, "tcp");

      const watching = await post(`${server.url}/whep/tcp-only`, viewer.offer);
      assert.equal(watching.status, 201, watching.body);
      await viewer.pc.setRemoteDescription({ type: "answer", sdp: watching.body });
      await sendSyntheticMedia({ pc: publisher, audio, video, offer }, 3);
      await waitFor(() => viewer.received.video.length >= 30, 5000, "the viewer to receive 30 video packets");
      assert.ok(viewer.received.video.every((packet) => packet.payload.length === 600), "the publisher's own frames");
    } finally {
      await viewer.pc.close();
      await publisher.close();
    }
  });
});

describe("the server's own TURN server (webrtc.serverIceServers with a shared secret)", () => {
  const SECRET = "shared-with-the-turn-server";
  let turn: LoopbackTurn;
  before(async () => {
    turn = await startLoopbackTurn({
      password: (username) => (/^\d+:pipewright$/.test(username) ? createHmac("sha1", SECRET).update(username).digest("base64") : undefined),
      relayedAddress: ["198.51.100.60", 50001],
    });
  });
  after(async () => {
    await turn.close();
  });

  async function publish(server: TestServer, stream: string): Promise<{ answer: string; ms: number }> {
    const publisher = await createPublisher();
    const started = performance.now();
    try {
      const response = await post(`${server.url}/whip/${stream}`, publisher.offer);
      assert.equal(response.status, 201, response.body);
      return { answer: response.body, ms: performance.now() - started };
    } finally {
      await publisher.pc.close();
    }
  }

  it("gives every endpoint a relay candidate, with credentials minted from the secret", async () => {
    const server = await startTestServer({ webrtc: { serverIceServers: [{ urls: `turn:127.0.0.1:${turn.port}?transport=udp`, secret: SECRET }] } });
    try {
      const askedAt = Date.now();
      const { answer } = await publish(server, "relayed");
      assert.ok(candidates(answer).some((line) => / udp \d+ 198\.51\.100\.60 50001 typ relay/.test(line)), answer);
      const allocation = turn.seen.filter((request) => request.method === "ALLOCATE" && request.authenticated).at(-1);
      assert.ok(allocation, JSON.stringify(turn.seen));
      const expiry = Number(allocation.username!.split(":")[0]);
      assert.ok(Math.abs(expiry - (Math.floor(askedAt / 1000) + 86_400)) <= 2, `expiry ${expiry}: the default ttl of a day`);
    } finally {
      await server.close();
    }
  });

  it("with a wrong secret: reports the failed allocation as an event, still answers, and stops waiting for that server", async () => {
    const server = await startTestServer({ webrtc: { serverIceServers: [{ urls: `turn:127.0.0.1:${turn.port}?transport=udp`, secret: "not-the-shared-secret" }] } });
    try {
      const firstError = server.events.next("element.error");
      const first = await publish(server, "refused-1");
      assert.deepEqual(candidates(first.answer).filter((line) => / typ relay/.test(line)), []);
      assert.ok(candidates(first.answer).some((line) => / typ host/.test(line)), "host candidates still answer");
      const reported = await firstError;
      assert.equal(reported.data.errorType, "ICE_GATHER_CANDIDATES_ERROR");
      assert.match(reported.data.description, new RegExp(`no relay candidate from TURN server turn:127\\.0\\.0\\.1:${turn.port}\\?transport=udp: the allocation failed`));
      assert.ok(turn.seen.some((request) => request.method === "ALLOCATE" && request.username?.endsWith(":pipewright") && !request.authenticated));

      const secondError = server.events.next("element.error");
      const second = await publish(server, "refused-2");
      assert.ok(second.ms < 3000, `the next negotiation does not wait for the failed server (${Math.round(second.ms)} ms; the first took ${Math.round(first.ms)} ms)`);
      assert.match((await secondError).data.description, /TURN server turn:127\.0\.0\.1:\d+\?transport=udp failed \d+ s ago; gathering without it/);
    } finally {
      await server.close();
    }
  });
});
