/**
 * werift must not contact a public STUN server on its own (it falls back to
 * stun.l.google.com:19302 whenever none is configured). Every UDP send is intercepted here —
 * packets to anything but loopback are recorded and dropped, never sent — so the test cannot
 * leak traffic even if the patch stopped working.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, describe, it } from "node:test";
import "../../src/media/webrtc/no-default-stun.ts";
import { Connection, RTCPeerConnection } from "werift";

interface Destination {
  port: number;
  address: string;
}

const sends: Destination[] = [];
const originalSend = dgram.Socket.prototype.send;

function interceptSends(): void {
  dgram.Socket.prototype.send = function interceptedSend(this: dgram.Socket, ...args: unknown[]) {
    const [, second, third, fourth] = args;
    // send(msg, port, address, cb) or send(msg, offset, length, port, address, cb)
    const destination: Destination =
      typeof fourth === "number" ? { port: fourth, address: String(args[4]) } : { port: Number(second), address: String(third) };
    sends.push(destination);
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
  before(interceptSends);
  after(() => {
    dgram.Socket.prototype.send = originalSend;
  });

  it("leaves the ICE agent without a STUN server unless one is configured", () => {
    const unconfigured = new Connection(true, {});
    assert.equal((unconfigured as unknown as { stunServer: unknown }).stunServer, undefined);
    const configured = new Connection(true, { stunServer: ["stun.example.test", 3478] });
    assert.deepEqual((configured as unknown as { stunServer: unknown }).stunServer, ["stun.example.test", 3478]);
  });

  it("gathers on every interface with iceServers: [] and sends nothing anywhere", async () => {
    sends.length = 0;
    await gather({ iceServers: [], iceUseIpv6: false });
    assert.deepEqual(sends, []);
  });

  it("does contact a STUN server that is configured (so the interception above would have seen one)", async () => {
    sends.length = 0;
    await gather({ iceServers: [{ urls: "stun:192.0.2.1:3478" }], iceUseIpv6: false, iceStunGatherTimeout: 1 });
    assert.ok(sends.some((destination) => destination.address === "192.0.2.1" && destination.port === 3478), JSON.stringify(sends));
  });
});
