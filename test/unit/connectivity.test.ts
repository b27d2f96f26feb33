/**
 * The start-up connectivity plan: what endpoints announce and how many the ports hold, and a
 * warning, saying what to change, for each configuration that cannot work. Computed from the
 * configuration and this machine's interfaces; nothing is sent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { connectivityPlan, describePlan } from "../../src/domain/connectivity.ts";

const TURN_FOR_CLIENTS = [{ urls: "turn:turn.example.test:3478", secret: "shared-secret" }];

function plan(webrtc: Record<string, unknown>) {
  return connectivityPlan(loadConfig({ env: {}, overrides: { webrtc: { iceServers: TURN_FOR_CLIENTS, ...webrtc } } }));
}

describe("connectivity plan", () => {
  it("announces the configured addresses and counts the endpoints the ports hold", () => {
    const result = plan({ announcedAddresses: ["203.0.113.7"], announceOnly: true, portRange: [40000, 40999] });
    assert.deepEqual(result.hostAddresses, ["203.0.113.7"]);
    assert.equal(result.endpointCapacity, 1000);
    assert.deepEqual(result.warnings, []);
    assert.equal(describePlan(result), "media: announcing 203.0.113.7 on UDP ports 40000–40999 (room for 1000 endpoints), ICE-TCP on; clients get turn:turn.example.test:3478");
    const relayed = plan({ announcedAddresses: ["203.0.113.7"], announceOnly: true, portRange: [40000, 40999], serverIceServers: [{ urls: "turn:turn.example.test", secret: "shared-secret" }] });
    assert.equal(relayed.endpointCapacity, 500, "a relay allocation takes a second port per endpoint");
  });

  it("warns when only private addresses are announced and nothing relays", () => {
    const [warning] = plan({ announcedAddresses: ["10.1.2.3"], announceOnly: true }).warnings;
    assert.match(warning, /only private addresses are announced \(10\.1\.2\.3\).*Set webrtc\.announcedAddresses to the public address of a 1:1 NAT, or webrtc\.serverIceServers to a TURN server/);
    assert.deepEqual(plan({ announcedAddresses: ["10.1.2.3"], announceOnly: true, serverIceServers: [{ urls: "turn:turn.example.test", secret: "shared-secret" }] }).warnings, []);
    assert.deepEqual(plan({ listenAddress: "127.0.0.1", announceOnly: true, iceServers: [] }).warnings, [], "a loopback-only server needs nothing");
  });

  it("warns about a port range smaller than the expected sessions", () => {
    const [warning] = plan({ announcedAddresses: ["203.0.113.7"], announceOnly: true, portRange: [40000, 40010], expectedSessions: 50 }).warnings;
    assert.equal(
      warning,
      "UDP ports 40000–40010 hold 11 WebRTC endpoints (publishers plus viewers) at once, fewer than webrtc.expectedSessions (50): widen webrtc.portRange (and what the firewall or Docker publishes)",
    );
  });

  it("warns about addresses and interfaces this machine does not have, and about what clients are given", () => {
    const warnings = plan({ listenAddress: "198.51.100.250", networkInterfaces: ["nosuchnic0"], iceServers: [{ urls: "turns:turn.example.test", secret: "shared-secret" }] }).warnings;
    assert.match(warnings[0], /^webrtc\.listenAddress 198\.51\.100\.250 is not an address of this machine/);
    assert.match(warnings[1], /^webrtc\.networkInterfaces: nosuchnic0 not found here \(this machine has .*lo/);
    assert.match(warnings[2], /^no address to announce/);
    assert.match(warnings[3], /only turns: URLs: OBS reads only turn: and stun: links/);
    assert.match(plan({ announcedAddresses: ["203.0.113.7"], announceOnly: true, iceServers: [] }).warnings[0], /^clients are given no TURN server/);
  });
});
