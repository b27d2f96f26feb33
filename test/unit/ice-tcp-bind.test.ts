/**
 * ICE-TCP behind a 1:1 NAT: a passive TCP candidate for an announced address that is not on this
 * machine (192.0.2.7, TEST-NET-1) still exists, announcing that address, and its port really
 * accepts connections here. Nothing is sent to 192.0.2.7: no STUN/TURN server is configured and
 * the only connection made goes to 127.0.0.1.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import "../../src/media/webrtc/ice-tcp-bind.ts";
import "../../src/media/webrtc/no-default-stun.ts";
import { RTCPeerConnection } from "werift";

describe("ICE-TCP on an announced address", () => {
  it("offers a passive TCP candidate with the announced address and listens for it locally", async () => {
    const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["192.0.2.7"], iceUseTcp: true });
    try {
      pc.addTransceiver("video", { direction: "recvonly" });
      await pc.setLocalDescription(await pc.createOffer());
      const passive = /^a=candidate:\S+ 1 tcp \d+ 192\.0\.2\.7 (\d+) typ host tcptype passive/m.exec(pc.localDescription!.sdp);
      assert.ok(passive, pc.localDescription!.sdp);
      const port = Number(passive[1]);
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port }, () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", reject);
      });
    } finally {
      await pc.close();
    }
  });
});
