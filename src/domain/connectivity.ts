/**
 * What the configuration means for clients trying to reach this server — the addresses host
 * candidates will carry, the UDP ports and how many endpoints they hold, ICE-TCP, the relay the
 * server gathers through and the servers clients are given — and the configurations that cannot
 * work, each as a warning that says what to change: no address to announce, a listen address or
 * interface this machine does not have, only private addresses and no STUN/TURN, no TURN for
 * clients, a port range too small for the expected sessions, only `turns:` for OBS. Computed
 * from the configuration and this machine's interfaces, without sending anything; printed at
 * start-up and part of `GET /v1/diagnostics/ice`.
 */
import { BlockList, isIPv4 } from "node:net";
import { networkInterfaces } from "node:os";
import type { Config } from "../config/schema.ts";
import { candidateAddresses } from "../media/webrtc/host-addresses.ts";
import { isTurnUrl, serverUrls } from "../config/ice-uri.ts";
import { endpointIce } from "./endpoint-ice.ts";

export interface ConnectivityPlan {
  /** Addresses the host candidates carry (UDP, and TCP when ICE-TCP is on). */
  hostAddresses: string[];
  udpPorts: [number, number];
  /** WebRTC endpoints the port range holds at once (each takes one UDP port per host address, one more with a relay). */
  endpointCapacity: number;
  iceTcp: boolean;
  /** The workers' own STUN/TURN servers. */
  serverIceServers: string[];
  /** What clients are given. */
  clientIceServers: string[];
  warnings: string[];
}

/** RFC 1918, shared address space (RFC 6598), loopback, link-local. */
const NON_PUBLIC = new BlockList();
NON_PUBLIC.addSubnet("10.0.0.0", 8);
NON_PUBLIC.addSubnet("172.16.0.0", 12);
NON_PUBLIC.addSubnet("192.168.0.0", 16);
NON_PUBLIC.addSubnet("100.64.0.0", 10);
NON_PUBLIC.addSubnet("127.0.0.0", 8);
NON_PUBLIC.addSubnet("169.254.0.0", 16);

function isPublic(address: string): boolean {
  return isIPv4(address) && !NON_PUBLIC.check(address, "ipv4");
}

function urlsOf(servers: Config["webrtc"]["iceServers"]): string[] {
  return servers.flatMap(serverUrls);
}

function addressWarnings(webrtc: Config["webrtc"], hostAddresses: string[], loopbackOnly: boolean): string[] {
  const warnings: string[] = [];
  const interfaces = networkInterfaces();
  const local = new Set(Object.values(interfaces).flatMap((infos) => (infos ?? []).map((info) => info.address)));
  const present = new Set(Object.keys(interfaces));
  if (webrtc.listenAddress && !local.has(webrtc.listenAddress)) {
    warnings.push(`webrtc.listenAddress ${webrtc.listenAddress} is not an address of this machine: media sockets cannot bind to it`);
  }
  const missing = webrtc.networkInterfaces.filter((name) => !present.has(name));
  if (missing.length > 0) warnings.push(`webrtc.networkInterfaces: ${missing.join(", ")} not found here (this machine has ${[...present].join(", ")})`);
  if (hostAddresses.length === 0) warnings.push("no address to announce: endpoints offer no host candidate; set webrtc.announcedAddresses or check webrtc.networkInterfaces");
  const serverUrls = urlsOf(webrtc.serverIceServers);
  if (hostAddresses.length > 0 && !loopbackOnly && !hostAddresses.some(isPublic) && serverUrls.length === 0) {
    warnings.push(
      `only private addresses are announced (${hostAddresses.join(", ")}) and the server gathers through no STUN/TURN server: clients outside this network cannot reach it ` +
        "unless a TURN server relays for them. Set webrtc.announcedAddresses to the public address of a 1:1 NAT, or webrtc.serverIceServers to a TURN server",
    );
  }
  return warnings;
}

function clientWarnings(webrtc: Config["webrtc"]): string[] {
  const urls = urlsOf(webrtc.iceServers);
  if (!urls.some(isTurnUrl)) {
    return ["clients are given no TURN server (webrtc.iceServers): those behind symmetric NATs or firewalls that allow no UDP to this server cannot connect"];
  }
  if (!urls.some((url) => /^turn:/i.test(url))) return ["webrtc.iceServers has only turns: URLs: OBS reads only turn: and stun: links, so OBS gets no relay"];
  return [];
}

export function connectivityPlan(config: Config): ConnectivityPlan {
  const { webrtc } = config;
  const ice = endpointIce(webrtc, {});
  const hostAddresses = candidateAddresses({ listenAddress: webrtc.listenAddress }, ice);
  const socketsPerEndpoint = Math.max(1, hostAddresses.length) + (ice.servers.some((server) => isTurnUrl(server.urls)) ? 1 : 0);
  const [min, max] = webrtc.portRange;
  const endpointCapacity = Math.floor((max - min + 1) / socketsPerEndpoint);
  const loopbackOnly = hostAddresses.length > 0 && hostAddresses.every((address) => address.startsWith("127."));
  const warnings = addressWarnings(webrtc, hostAddresses, loopbackOnly);
  if (!loopbackOnly) warnings.push(...clientWarnings(webrtc));
  if (endpointCapacity < webrtc.expectedSessions) {
    warnings.push(
      `UDP ports ${min}–${max} hold ${endpointCapacity} WebRTC endpoints (publishers plus viewers) at once, fewer than webrtc.expectedSessions (${webrtc.expectedSessions}): ` +
        "widen webrtc.portRange (and what the firewall or Docker publishes)",
    );
  }
  return {
    hostAddresses,
    udpPorts: [min, max],
    endpointCapacity,
    iceTcp: webrtc.iceTcp,
    serverIceServers: urlsOf(webrtc.serverIceServers),
    clientIceServers: urlsOf(webrtc.iceServers),
    warnings,
  };
}

/** One line for the start-up log. */
export function describePlan(plan: ConnectivityPlan): string {
  const announced = plan.hostAddresses.length > 0 ? plan.hostAddresses.join(", ") : "no address";
  const relay = plan.serverIceServers.length > 0 ? `; gathering through ${plan.serverIceServers.join(", ")}` : "";
  const clients = plan.clientIceServers.length > 0 ? `; clients get ${plan.clientIceServers.join(", ")}` : "; clients get no STUN/TURN server";
  return (
    `media: announcing ${announced} on UDP ports ${plan.udpPorts[0]}–${plan.udpPorts[1]} (room for ${plan.endpointCapacity} endpoints)` +
    `${plan.iceTcp ? ", ICE-TCP on" : ", ICE-TCP off"}${relay}${clients}`
  );
}
