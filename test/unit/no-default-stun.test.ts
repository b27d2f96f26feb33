/**
 * werift must not contact a public STUN server on its own (it falls back to
 * stun.l.google.com:19302 whenever none is configured). Every UDP send is intercepted here —
 * packets to anything but loopback are recorded and dropped, never sent — so the test cannot
 * leak traffic even if the patch stopped working. Host name lookups are recorded too. The
 * workers' own configuration path (peer-config.ts with a server-side TURN server and no STUN
 * server) is checked the same way.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import dns from "node:dns";
import { after, before, describe, it } from "node:test";
import "../../src/media/webrtc/no-default-stun.ts";
import { Connection, RTCPeerConnection } from "werift";
import { peerConfiguration } from "../../src/media/webrtc/peer-config.ts";
import { startLoopbackTurn } from "../helpers/loopback-turn.ts";

interface Destination {
  port: number;
  address: string;
}

const sends: Destination[] = [];
const responderPorts = new Set<number>();
const lookups: string[] = [];
const originalSend = dgram.Socket.prototype.send;
const originalLookup = dns.promises.lookup;

function interceptLookups(): void {
  dns.promises.lookup = ((host: string, ...rest: unknown[]) => {
    lookups.push(host);
    return (originalLookup as (...values: unknown[]) => unknown)(host, ...rest);
  }) as typeof dns.promises.lookup;
}

function interceptSends(): void {
  dgram.Socket.prototype.send = function interceptedSend(this: dgram.Socket, ...args: unknown[]) {
    const [, second, third, fourth] = args;
    // send(msg, port, address, cb) or send(msg, offset, length, port, address, cb)
    const destination: Destination =
      typeof fourth === "number" ? { port: fourth, address: String(args[4]) } : { port: Number(second), address: String(third) };
    // The loopback TURN responder of the last test runs in this process: its answers are not werift's.
    if (!responderPorts.has(this.address().port)) sends.push(destination);
    if (destination.address === "127.0.0.1") return (originalSend as (...values: unknown[]) => void).apply(this, args);
    const callback = args.find((value) => typeof value === "function") as (() => void) | undefined;
    callback?.();
  } as typeof dgram.Socket.prototype.send;
}

async function gather(config: ConstructorParameters<typeof RTCPeerConnection>[0]): Promise<void> {
  const pc = new RTCPeerConnection(config);
  pc.addTransceiver("video", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await pc.close();
}

describe("no public STUN fallback in werift", () => {
  before(() => {
    interceptSends();
    interceptLookups();
  });
  after(() => {
    dgram.Socket.prototype.send = originalSend;
    dns.promises.lookup = originalLookup;
  });

  it("leaves the ICE agent without a STUN server unless one is configured", () => {
    const unconfigured = new Connection(true, {});
    assert.equal((unconfigured as unknown as { stunServer: unknown }).stunServer, undefined);
    const configured = new Connection(true, { stunServer: ["stun.example.test", 3478] });
    assert.deepEqual((configured as unknown as { stunServer: unknown }).stunServer, ["stun.example.test", 3478]);
  });

  it("gathers on every interface with iceServers: [] and sends nothing anywhere", async () => {
    sends.length = 0;
    lookups.length = 0;
    await gather({ iceServers: [], iceUseIpv6: false });
    assert.deepEqual(sends, []);
    assert.deepEqual(lookups, [], "not even a DNS lookup of a STUN server");
  });

  it("does contact a STUN server that is configured (so the interception above would have seen one)", async () => {
    sends.length = 0;
    await gather({ iceServers: [{ urls: "stun:192.0.2.1:3478" }], iceUseIpv6: false, iceStunGatherTimeout: 1 });
    assert.ok(sends.some((destination) => destination.address === "192.0.2.1" && destination.port === 3478), JSON.stringify(sends));
  });

  it("with the workers' configuration and a server-side TURN server, contacts that TURN server and nothing else", async () => {
    const turn = await startLoopbackTurn({ password: (username) => (username === "relay" ? "secret" : undefined) });
    responderPorts.add(turn.port);
    try {
      sends.length = 0;
      lookups.length = 0;
      const config = peerConfiguration(
        {
          logLevel: "silent",
          listenAddress: "127.0.0.1",
          portRange: [20000, 29999],
          maxIncomingBitrate: 1_000_000,
          connectTimeoutMs: 5000,
          gopCacheMaxPackets: 0,
          pliMinIntervalMs: 500,
          recording: { jitterBufferMs: { video: 300, audio: 100 }, syncWaitMs: 4000, syncIntervalMs: 1000, mp4KeyframeIntervalMs: 2000 },
          player: { allowPrivateAddresses: false, httpTimeoutMs: 10_000 },
        },
        { servers: [{ urls: `turn:127.0.0.1:${turn.port}?transport=udp`, username: "relay", credential: "secret" }], announcedAddresses: [], announceOnly: true, networkInterfaces: [], iceTcp: true },
        { direction: "recvonly", codecs: { video: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 } } },
      );
      const pc = new RTCPeerConnection(config);
      pc.addTransceiver("video", { direction: "recvonly" });
      await pc.setLocalDescription(await pc.createOffer());
      assert.match(pc.localDescription!.sdp, / typ relay /, "the TURN server was used");
      await pc.close();
      assert.ok(sends.length > 0);
      assert.deepEqual(sends.filter((destination) => destination.address !== "127.0.0.1" || destination.port !== turn.port), [], "nothing but the TURN server");
      assert.deepEqual(lookups, [], "no host name looked up");
    } finally {
      await turn.close();
    }
  });
});
