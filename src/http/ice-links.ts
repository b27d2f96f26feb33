/**
 * ICE servers as `Link` header values (RFC 9725 §4.6, RFC 8288): one server URL per value,
 * with quoted `username` and `credential` and `credential-type="password"`. Each value must be
 * sent as its own header line — OBS reads only the first link of a comma-joined line and only
 * `<stun:`/`<turn:` URLs (notes/whip-whep.md §2) — so TURN over UDP comes first and `turns:`
 * last, and the caller writes the list on the raw Node response.
 */
import type { IceServer } from "../config/schema.ts";

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

function rank(url: string): number {
  if (/^turn:/i.test(url)) return /transport=tcp/i.test(url) ? 2 : 0;
  if (/^stun:/i.test(url)) return 1;
  return 3; // turns:, stuns:
}

export function iceServerLinks(servers: readonly IceServer[]): string[] {
  const links: Array<{ url: string; value: string }> = [];
  for (const server of servers) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    for (const url of urls) {
      let value = `<${url}>; rel="ice-server"`;
      if (server.username !== undefined) value += `; username=${quoted(server.username)}`;
      if (server.credential !== undefined) value += `; credential=${quoted(server.credential)}; credential-type="password"`;
      links.push({ url, value });
    }
  }
  return links.sort((a, b) => rank(a.url) - rank(b.url)).map((link) => link.value);
}
