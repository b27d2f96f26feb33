/**
 * ICE servers as `Link` header values (RFC 9725 §4.6, RFC 8288): one server URL per value, with
 * quoted `username` and `credential` and `credential-type="password"`. Each value must be sent
 * as its own header line — OBS reads only the first link of a comma-joined line and only
 * `<stun:`/`<turn:` URLs, and its libjuice backend only TURN over UDP (notes/whip-whep.md §2) —
 * so TURN over UDP comes first, then STUN, TURN over TCP, and `turns:`/`stuns:` last; the caller
 * writes the list on the raw Node response. Credentials cannot hold `"`, `,` or `;` (the config
 * schema refuses them; minted ones are base64 and digits), so no escaping is needed.
 */
import { parseIceUri } from "../config/ice-uri.ts";
import type { IssuedIceServer } from "../domain/ice-servers.ts";

/** Position in the header list: what OBS can use comes first, TURN/UDP before everything. */
function rank(url: string): number {
  const uri = parseIceUri(url);
  if (uri.scheme === "turn") return uri.transport === "tcp" ? 2 : 0;
  if (uri.scheme === "stun") return 1;
  return 3;
}

export function iceServerLinks(servers: readonly IssuedIceServer[]): string[] {
  const links: Array<{ rank: number; value: string }> = [];
  for (const server of servers) {
    for (const url of server.urls) {
      let value = `<${url}>; rel="ice-server"`;
      if (server.username !== undefined) value += `; username="${server.username}"`;
      if (server.credential !== undefined) value += `; credential="${server.credential}"; credential-type="password"`;
      links.push({ rank: rank(url), value });
    }
  }
  // Array.prototype.sort is stable: servers of one rank keep their configured order.
  return links.sort((a, b) => a.rank - b.rank).map((link) => link.value);
}
