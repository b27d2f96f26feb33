/**
 * Kurento's `turnURL` format — `user:password@address:port?transport=udp|tcp|tls`, the form
 * of WebRtcEndpoint.conf.ini, `KMS_TURN_URL` and the per-endpoint `turnUrl` property — turned
 * into a standard TURN server (RFC 7065 URI plus username and credential). Kurento's transport
 * `tls` is `turns:` over TCP; the default is UDP. The password may itself contain `@` or `:`,
 * so the address is what follows the last `@` and the user what precedes the first `:`.
 */
import { formatIceUri, parseIceUri } from "./ice-uri.ts";

export interface TurnServer {
  urls: string;
  username: string;
  credential: string;
}

export function parseKurentoTurnUrl(text: string): TurnServer {
  const at = text.lastIndexOf("@");
  if (at < 0) throw new Error(`"${redact(text)}" is not user:password@address:port (Kurento's turnURL format)`);
  const userinfo = text.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon <= 0 || colon === userinfo.length - 1) throw new Error(`"${redact(text)}" has no user:password before the "@" (Kurento's turnURL format)`);
  const [address, query = ""] = text.slice(at + 1).split("?");
  const transport = /^transport=(udp|tcp|tls)$/i.exec(query)?.[1]?.toLowerCase() ?? (query === "" ? "udp" : undefined);
  if (!transport) throw new Error(`"${redact(text)}": the query must be ?transport=udp, tcp or tls`);
  if (!/:\d+$/.test(address)) throw new Error(`"${redact(text)}" names no port after the address (Kurento's turnURL format is user:password@address:port)`);
  const scheme = transport === "tls" ? "turns" : "turn";
  const uri = parseIceUri(`${scheme}:${address}?transport=${transport === "tls" ? "tcp" : transport}`);
  return { urls: formatIceUri(uri), username: userinfo.slice(0, colon), credential: userinfo.slice(colon + 1) };
}

/** The URL with its password hidden, for error messages and logs. */
function redact(text: string): string {
  return text.replace(/^([^:@]*):.*@/, "$1:***@");
}
