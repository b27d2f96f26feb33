/**
 * What a RecorderEndpoint or PlayerEndpoint `uri` may name — checked when the element is
 * created, so a refused URI leaves nothing behind. A recorder writes only inside the
 * recordings directory: `file://` URIs and bare names (relative names resolve inside it, as
 * Kurento's resolve against its defaultPath); `..`, symlinks leading out, device files and
 * absolute paths elsewhere are refused with 403. A player reads `file://` from the recordings
 * directory and the configured media roots, or `http(s)://` — refused (403) when the host is, or
 * resolves to, a loopback, private, link-local or metadata address unless the operator allowed
 * private addresses. The media worker checks again when it opens (confined-path.ts, and the
 * connection-time address guard), so a file or DNS answer swapped in later is refused too.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkInsideOnDisk, resolveInside } from "../media/files/confined-path.ts";
import { refusedHost, refusedResolution } from "../media/net/address-policy.ts";
import type { PlayerSource } from "../media/protocol.ts";
import { PipewrightError } from "./errors.ts";
import { fromWorkerError } from "./pipeline-media.ts";

const MAX_URI = 2048;

export type HostLookup = (hostname: string) => Promise<Array<{ address: string }>>;

export interface UriPolicy {
  recordingsRoot: string;
  /** Further directories a player may read from. */
  mediaRoots: string[];
  allowPrivateAddresses: boolean;
  /** DNS resolution (replaceable in tests). */
  lookup?: HostLookup;
}

const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true });

function schemeOf(uri: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
}

/** RFC 3986 §2 characters: what a URI reference may contain (anything else must be percent-encoded). */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]+$/;

function parseFileUrl(uri: string, base?: URL): URL {
  try {
    return new URL(uri, base);
  } catch {
    throw new PipewrightError("INVALID_REQUEST", `'uri' parameter ${JSON.stringify(uri.slice(0, 80))} is not a valid URI`);
  }
}

/**
 * The local path a `file:` URI or a relative URI reference names. A relative reference (a file
 * name such as `call/a.webm`) resolves against the first root (RFC 3986 §5.2), as Kurento's
 * resolve against its defaultPath: percent-encoding is decoded and dot segments removed there,
 * and the result is confined like any other path.
 */
function localPath(uri: string, roots: string[]): string {
  if (uri.length === 0) throw new PipewrightError("INVALID_REQUEST", "'uri' parameter is empty");
  if (uri.length > MAX_URI) throw new PipewrightError("INVALID_REQUEST", `'uri' parameter is longer than ${MAX_URI} characters`);
  if (/[\u0000-\u001f\u007f]/.test(uri)) throw new PipewrightError("INVALID_REQUEST", "'uri' parameter contains control characters");
  const scheme = schemeOf(uri);
  if (scheme === undefined && !URI_CHARACTERS.test(uri)) {
    throw new PipewrightError("INVALID_REQUEST", `'uri' parameter ${JSON.stringify(uri.slice(0, 80))} is not a URI: characters such as spaces must be percent-encoded`);
  }
  const url = parseFileUrl(uri, scheme === undefined ? pathToFileURL(`${roots[0]}/`) : undefined);
  if (url.hostname !== "" && url.hostname !== "localhost") throw new PipewrightError("FORBIDDEN", `file URIs name files on this machine; '${url.hostname}' is another host`);
  if (url.search !== "" || url.hash !== "") throw new PipewrightError("INVALID_REQUEST", "a file URI has no query or fragment");
  try {
    const path = fileURLToPath(url);
    if (path.includes("\u0000")) throw new Error("NUL");
    return path;
  } catch {
    throw new PipewrightError("INVALID_REQUEST", `'uri' parameter ${JSON.stringify(uri.slice(0, 80))} does not name a file path (encoded '/' or NUL)`);
  }
}

async function confined(roots: string[], uri: string, what: string): Promise<string> {
  const local = localPath(uri, roots);
  try {
    const path = resolveInside(roots, local, what);
    await checkInsideOnDisk(roots, path, what);
    return path;
  } catch (error) {
    throw fromWorkerError(error); // a refused path: FORBIDDEN
  }
}

/** Where a recorder with this `uri` writes: an absolute path inside the recordings root. */
export async function recorderPath(uri: string, policy: UriPolicy): Promise<string> {
  const scheme = schemeOf(uri);
  if (scheme === "http" || scheme === "https") {
    throw new PipewrightError("NOT_IMPLEMENTED", "recording to an http(s) URI (Kurento's chunked upload) is not supported: record to a file and download it from /v1/recordings/{id}/file");
  }
  if (scheme !== undefined && scheme !== "file") throw new PipewrightError("INVALID_REQUEST", `'uri' parameter of a RecorderEndpoint is file:// or a file name, not ${scheme}:`);
  return confined([policy.recordingsRoot], uri, "recordings");
}

async function checkHost(url: URL, policy: UriPolicy): Promise<void> {
  if (policy.allowPrivateAddresses) return;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const why = refusedHost(host);
  if (why) throw new PipewrightError("FORBIDDEN", `${host} is ${why}; player sources must be public (player.allowPrivateAddresses is false)`);
  if (isIP(host) !== 0) return;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await (policy.lookup ?? defaultLookup)(host);
  } catch (error) {
    throw new PipewrightError("NOT_FOUND", `cannot resolve ${host}: ${(error as Error).message}`);
  }
  const refused = refusedResolution(host, addresses);
  if (refused) throw new PipewrightError("FORBIDDEN", `${refused}; player sources must be public (player.allowPrivateAddresses is false)`);
}

/** What a player with this `uri` reads. */
export async function playerSource(uri: string, policy: UriPolicy): Promise<PlayerSource> {
  const scheme = schemeOf(uri);
  if (scheme === "http" || scheme === "https") {
    if (uri.length > MAX_URI) throw new PipewrightError("INVALID_REQUEST", `'uri' parameter is longer than ${MAX_URI} characters`);
    const url = parseFileUrl(uri);
    if (url.username !== "" || url.password !== "") throw new PipewrightError("INVALID_REQUEST", "credentials in the URL are not supported");
    await checkHost(url, policy);
    return { kind: "http", url: url.href };
  }
  if (scheme === "rtsp" || scheme === "rtsps") throw new PipewrightError("NOT_IMPLEMENTED", "RTSP sources are not supported; PlayerEndpoint plays file:// and http(s):// MP4, WebM and Matroska");
  if (scheme !== undefined && scheme !== "file") throw new PipewrightError("INVALID_REQUEST", `'uri' parameter of a PlayerEndpoint is file://, http:// or https://, not ${scheme}:`);
  const roots = [policy.recordingsRoot, ...policy.mediaRoots];
  return { kind: "file", path: await confined(roots, uri, "media"), roots };
}
