/**
 * Which webhook targets an operator allows. By default any http(s) URL is allowed, loopback and
 * private networks included: only admins register webhooks, and the usual receiver is the
 * application server next to Pipewright. A deployment that hands admin tokens to people who
 * must not reach its internal network sets `webhooks.allowPrivateAddresses: false`; then
 * private, loopback and link-local addresses are refused — as literals when the webhook is
 * registered, and after DNS resolution on every connection (so a name that later resolves to
 * an internal address is refused too).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

/** True for loopback, private (RFC 1918, RFC 4193), CGNAT, link-local and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** True when the URL's host is a private address literal or a `localhost` name. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host);
}

/** A `lookup` for outgoing connections that fails when a name resolves to a private address. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
    if (blocked) {
      const refused = Object.assign(new Error(`${hostname} resolves to ${blocked.address}, a private address (webhooks.allowPrivateAddresses is false)`), { code: "EPRIVATEADDRESS" });
      return callback(refused, "", 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};
