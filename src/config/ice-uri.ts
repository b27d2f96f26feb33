/**
 * STUN and TURN server URIs: `stun:`/`stuns:` (RFC 7064 §3.1) and `turn:`/`turns:` with an
 * optional `?transport=udp|tcp` (RFC 7065 §3.1), parsed into host, port and transport, with an
 * error that says what is wrong. Both RFCs forbid userinfo in these URIs — credentials travel
 * beside the URL (WHIP `Link` parameters, RTCIceServer fields) — so `turn:user:pass@host`, a
 * frequent copy-paste from Kurento's turnURL, is refused with a hint. `turns:` over UDP would be
 * TURN over DTLS (RFC 7350), which neither browsers nor werift speak, so it is refused too.
 */

export type IceScheme = "stun" | "stuns" | "turn" | "turns";

export interface IceUri {
  scheme: IceScheme;
  /** IPv4 address, IPv6 address (without brackets) or DNS name. */
  host: string;
  port: number;
  /** TURN only: the transport to the TURN server when the URI names one. */
  transport?: "udp" | "tcp";
}

class IceUriError extends Error {
  override name = "IceUriError";
}

/** RFC 7064 §3.1 / RFC 7065 §3.1: 3478 for stun/turn, 5349 for the TLS variants. */
function defaultPort(scheme: IceScheme): number {
  return scheme === "stuns" || scheme === "turns" ? 5349 : 3478;
}

const REG_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseHostPort(authority: string, scheme: IceScheme, text: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw new IceUriError(`${text}: unclosed "[" around the IPv6 address`);
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) throw new IceUriError(`${text}: unexpected "${rest}" after the IPv6 address`);
    portText = rest === "" ? undefined : rest.slice(1);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(":")) throw new IceUriError(`${text}: "${host}" is not an IPv6 address`);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (host.includes(":")) throw new IceUriError(`${text}: an IPv6 address must be written in brackets, e.g. ${scheme}:[2001:db8::1]:3478`);
    if (!IPV4.test(host) && (/^[\d.]+$/.test(host) || !REG_NAME.test(host))) throw new IceUriError(`${text}: "${host}" is not a host name or IP address`);
  }
  if (portText === undefined) return { host, port: defaultPort(scheme) };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new IceUriError(`${text}: port "${portText}" is not a number from 1 to 65535`);
  return { host, port };
}

function parseTransport(query: string, scheme: IceScheme, text: string): "udp" | "tcp" | undefined {
  if (query === "") return undefined;
  if (scheme === "stun" || scheme === "stuns") throw new IceUriError(`${text}: STUN URIs take no query (RFC 7064 §3.1)`);
  const match = /^transport=(udp|tcp)$/i.exec(query);
  if (!match) throw new IceUriError(`${text}: the only query a TURN URI takes is ?transport=udp or ?transport=tcp (RFC 7065 §3.1)`);
  const transport = match[1].toLowerCase() as "udp" | "tcp";
  if (scheme === "turns" && transport === "udp") throw new IceUriError(`${text}: turns: over UDP would be TURN over DTLS, which clients do not support; use turns:…?transport=tcp (TLS)`);
  return transport;
}

/** Parses one STUN/TURN URI; throws IceUriError naming the problem. */
export function parseIceUri(text: string): IceUri {
  const match = /^(stuns?|turns?):(.*)$/i.exec(text);
  if (!match) throw new IceUriError(`${text}: not a STUN or TURN URI (stun:, stuns:, turn: or turns:)`);
  const scheme = match[1].toLowerCase() as IceScheme;
  const [authority, query = "", ...extra] = match[2].split("?");
  if (extra.length > 0) throw new IceUriError(`${text}: more than one "?"`);
  if (authority.startsWith("//")) throw new IceUriError(`${text}: no "//" after the scheme (write ${scheme}:host:port)`);
  if (authority.includes("@")) {
    throw new IceUriError(`${text}: STUN/TURN URIs carry no user or password (RFC 7064/7065); give them as username and credential`);
  }
  if (authority === "") throw new IceUriError(`${text}: no host`);
  const { host, port } = parseHostPort(authority, scheme, text);
  const transport = parseTransport(query, scheme, text);
  return transport ? { scheme, host, port, transport } : { scheme, host, port };
}

export function formatIceUri(uri: IceUri): string {
  const host = uri.host.includes(":") ? `[${uri.host}]` : uri.host;
  return `${uri.scheme}:${host}:${uri.port}${uri.transport ? `?transport=${uri.transport}` : ""}`;
}

/** An ICE server's `urls`, one or several as RTCIceServer allows, as a list. */
export function serverUrls(server: { urls: string | string[] }): string[] {
  return Array.isArray(server.urls) ? [...server.urls] : [server.urls];
}

/** Whether a URI (already checked) names a TURN server, `turn:` or `turns:`. */
export function isTurnUrl(url: string): boolean {
  return /^turns?:/i.test(url);
}

/** Whether a URI (already checked) names a STUN server, `stun:` or `stuns:`. */
export function isStunUrl(url: string): boolean {
  return /^stuns?:/i.test(url);
}

/** `stun:<address>:<port>` for a bare address (Kurento's stunServerAddress/stunServerPort), checked. */
export function stunUrlFor(address: string, port = 3478): string {
  return formatIceUri(parseIceUri(`stun:${address.includes(":") ? `[${address}]` : address}:${port}`));
}
