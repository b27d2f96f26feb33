/**
 * Lets ICE-TCP (RFC 6544) work behind a 1:1 NAT. werift opens the listening socket of a passive
 * TCP candidate on the candidate's own address; for an announced address (Kurento's
 * externalIPv4, a cloud VM's public IP) that is not an address of this machine, so the listen
 * fails and the endpoint has no TCP candidate at all. Here a passive candidate whose address is
 * not local listens on every interface instead, like the UDP sockets of announced candidates,
 * and keeps announcing the public address; the NAT forwards the port range to it. Importing the
 * module applies the patch once per process; test/unit/ice-tcp-bind.test.ts fails if a werift
 * update changes what it relies on. (The server's own active TCP candidates stay bound to their
 * address; browsers offer no passive TCP candidates for them to reach.)
 */
import { networkInterfaces } from "node:os";
import { TcpPassiveProtocol } from "werift";

type ConnectionMade = (this: unknown, localIp: string, portRange?: [number, number]) => Promise<void>;

const prototype = TcpPassiveProtocol.prototype as unknown as Record<string, unknown>;
const original = prototype.connectionMade as ConnectionMade | undefined;

if (typeof original !== "function") {
  throw new Error("werift TcpPassiveProtocol.connectionMade is gone: re-check ICE-TCP behind NAT");
}

function isLocalAddress(address: string): boolean {
  return Object.values(networkInterfaces()).some((infos) => infos?.some((info) => info.address === address));
}

if (!prototype.__pipewrightAnnouncedTcp) {
  prototype.connectionMade = function listenOnAnnouncedAddress(this: unknown, localIp: string, portRange?: [number, number]) {
    return original.call(this, isLocalAddress(localIp) ? localIp : "0.0.0.0", portRange);
  };
  prototype.__pipewrightAnnouncedTcp = true;
}

