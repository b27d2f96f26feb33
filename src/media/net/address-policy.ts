/**
 * Which network addresses an outgoing request from Pipewright must not reach unless the operator
 * allows it (SSRF defence for player URLs and webhooks): loopback, private (RFC 1918, RFC 4193),
 * shared/CGNAT (RFC 6598), link-local (RFC 3927, RFC 4291 — where cloud metadata services
 * live: 169.254.169.254, fd00:ec2::254, 100.100.100.200), unspecified, IETF protocol
 * assignments, benchmarking, multicast and reserved space (IANA special-purpose registries,
 * RFC 6890). IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged
 * by that address. The check runs on literals and, through `guardedLookup` and
 * `guardedConnector`, on every address a name resolves to at connection time (so DNS rebinding
 * and redirects are caught too).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";

const V4: ReadonlyArray<[string, number, string]> = [
  ["0.0.0.0", 8, "an unspecified ('this network') address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a shared (carrier-grade NAT) address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address (where cloud metadata services answer)"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol-assignment address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address"],
];
const V6: ReadonlyArray<[string, number, string]> = [
  ["::", 128, "the unspecified address"],
  ["::1", 128, "a loopback address"],
  ["64:ff9b:1::", 48, "a local-use NAT64 address"],
  ["100::", 64, "a discard-only address"],
  ["fc00::", 7, "a unique local (private) address"],
  ["fe80::", 10, "a link-local address"],
  ["fec0::", 10, "a site-local address"],
  ["ff00::", 8, "a multicast address"],
];

const lists = (ranges: ReadonlyArray<[string, number, string]>, family: "ipv4" | "ipv6") =>
  ranges.map(([network, prefix, label]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, label };
  });
const V4_LISTS = lists(V4, "ipv4");
const V6_LISTS = lists(V6, "ipv6");

/** The 16 bytes of an IPv6 address (RFC 4291 §2.2 text forms, including a trailing dotted quad). */
function ipv6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let text = address.replace(/%.*$/, "");
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups = [...headGroups, ...new Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  groups.forEach((group, index) => {
    const value = Number.parseInt(group || "0", 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64 or 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0);
  const quad = (offset: number) => Array.from(bytes.subarray(offset, offset + 4)).join(".");
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return quad(12); // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
  if (zeros(0, 12) && !zeros(12, 14)) return quad(12); // ::a.b.c.d, deprecated (RFC 4291 §2.5.5.1)
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return quad(12); // 64:ff9b::/96 (RFC 6052)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return quad(2); // 2002::/16 6to4 (RFC 3056)
  return undefined;
}

/** Why `address` is off limits (e.g. "a loopback address"), or undefined for a public address or a non-address. */
export function restrictedAddress(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const family = isIP(bare);
  if (family === 4) return V4_LISTS.find(({ list }) => list.check(bare, "ipv4"))?.label;
  if (family !== 6) return undefined;
  const inner = embeddedIpv4(bare);
  if (inner !== undefined) return restrictedAddress(inner);
  return V6_LISTS.find(({ list }) => list.check(bare, "ipv6"))?.label;
}

/** A host name that always means this machine. */
function isLocalName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Why a URL's host is off limits before any lookup — a restricted address literal (brackets
 * allowed) or a name that always means this machine ("this machine") — or undefined.
 */
export function refusedHost(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return restrictedAddress(bare) ?? (isLocalName(bare) ? "this machine" : undefined);
}

/** Why a name that resolved to `addresses` is off limits (the first restricted one, in words), or undefined. */
export function refusedResolution(hostname: string, addresses: ReadonlyArray<{ address: string }>): string | undefined {
  for (const { address } of addresses) {
    const why = restrictedAddress(address);
    if (why) return `${hostname} resolves to ${address}, ${why}`;
  }
  return undefined;
}

/** A `lookup` that fails (code EPRIVATEADDRESS) when a name resolves to a restricted address. */
export function guardedLookup(setting: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const refused = refusedResolution(hostname, addresses);
      if (refused) return callback(Object.assign(new Error(`${refused} (${setting} is false)`), { code: "EPRIVATEADDRESS" }), "", 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * An undici connector that refuses restricted addresses, literal or resolved, on every
 * connection it makes — the first request and every redirect alike.
 */
export function guardedConnector(setting: string, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(setting) });
  return (options, callback) => {
    const why = refusedHost(options.hostname);
    if (why) {
      callback(Object.assign(new Error(`${options.hostname} is ${why} (${setting} is false)`), { code: "EPRIVATEADDRESS" }), null);
      return;
    }
    connect(options, callback);
  };
}
