/**
 * Which addresses an endpoint's host candidates carry. werift can enumerate every interface by
 * itself, or announce a given list (`iceAdditionalHostAddresses`, one socket per address, bound
 * to the listen address or the wildcard). With `announceOnly` the list is the announced
 * addresses and the listen address — a 1:1 NAT's public address (Kurento's externalIPv4)
 * replaces the private one; with `networkInterfaces` it is the IPv4 addresses of those
 * interfaces (Kurento's networkInterfaces) plus the announced ones; otherwise werift enumerates
 * and the announced addresses are added.
 */
import { networkInterfaces } from "node:os";
import type { EndpointIce, WorkerSettings } from "../protocol.ts";

export interface HostAddresses {
  /** Let werift add every interface's IPv4 address. */
  enumerate: boolean;
  /** Addresses announced on top of (or instead of) the enumerated ones. */
  addresses: string[];
}

/** IPv4 addresses of the named interfaces present on this machine. */
function interfaceAddresses(names: readonly string[]): string[] {
  const found = networkInterfaces();
  return names.flatMap((name) => (found[name] ?? []).filter((info) => info.family === "IPv4").map((info) => info.address));
}

/** werift skips tunnels and virtual bridges when it enumerates (after Chromium's network.cc). */
const SKIPPED_INTERFACES = /^(ipsec|tun|utun|tap|vmnet|veth)/;

/** The addresses werift's own enumeration finds: IPv4, not loopback, not link-local. */
function enumeratedAddresses(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([name]) => !SKIPPED_INTERFACES.test(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([, infos]) => (infos ?? []).filter((info) => info.family === "IPv4" && !info.internal && !info.address.startsWith("169.254.")).map((info) => info.address));
}

/** Every address the host candidates of an endpoint carry. */
export function candidateAddresses(settings: Pick<WorkerSettings, "listenAddress">, ice: EndpointIce): string[] {
  const hosts = hostAddresses(settings, ice);
  let enumerated = hosts.enumerate ? enumeratedAddresses() : [];
  // werift keeps only the listen address of what it enumerates, when it is among them.
  if (enumerated.includes(settings.listenAddress ?? "")) enumerated = [settings.listenAddress!];
  return [...new Set([...hosts.addresses, ...enumerated])];
}

export function hostAddresses(settings: Pick<WorkerSettings, "listenAddress">, ice: EndpointIce): HostAddresses {
  if (ice.announceOnly) {
    const listen = settings.listenAddress ? [settings.listenAddress] : [];
    return { enumerate: false, addresses: [...new Set([...ice.announcedAddresses, ...listen])] };
  }
  if (ice.networkInterfaces.length > 0) {
    return { enumerate: false, addresses: [...new Set([...interfaceAddresses(ice.networkInterfaces), ...ice.announcedAddresses])] };
  }
  return { enumerate: true, addresses: [...ice.announcedAddresses] };
}
