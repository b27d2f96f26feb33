/**
 * Kurento's per-endpoint ICE properties of a WebRtcEndpoint — stunServerAddress, stunServerPort,
 * turnUrl, externalIPv4, externalIPv6, networkInterfaces, iceTcp — checked when set, stored on the
 * element like any property, and applied when the endpoint negotiates: each one replaces the
 * server-wide setting it corresponds to (webrtc.serverIceServers, announcedAddresses,
 * networkInterfaces, iceTcp) for that endpoint only, as in KMS. Set after the endpoint has
 * negotiated, they are stored but change nothing (there is no ICE restart). The server-wide TURN
 * server gets fresh credentials at every negotiation when it is configured with a secret.
 */
import { isIP } from "node:net";
import { isStunUrl, isTurnUrl, parseIceUri, serverUrls, stunUrlFor } from "../config/ice-uri.ts";
import { parseKurentoTurnUrl } from "../config/kurento-turn-url.ts";
import { type Config, INTERFACE_LIST, INTERFACE_LIST_MESSAGE } from "../config/schema.ts";
import type { EndpointIce, GatheringServer } from "../media/protocol.ts";
import { PipewrightError } from "./errors.ts";
import { issueIceServers } from "./ice-servers.ts";

export type WebRtcSettings = Config["webrtc"];

const ICE_PROPERTIES = new Set(["stunServerAddress", "stunServerPort", "turnUrl", "externalIPv4", "externalIPv6", "networkInterfaces", "iceTcp"]);

/** The id the server's own TURN credentials are minted for (it shows in the TURN server's log). */
const SERVER_CALLER_ID = "pipewright";

function invalid(name: string, message: string): PipewrightError {
  return new PipewrightError("INVALID_REQUEST", `${name}: ${message}`);
}

/** Throws INVALID_REQUEST unless `value` (already of the kmd type) is usable for property `name`. */
export function checkIceProperty(name: string, value: unknown): void {
  if (!ICE_PROPERTIES.has(name) || value === null) return;
  try {
    if (name === "turnUrl" && value !== "") parseKurentoTurnUrl(value as string);
    if (name === "stunServerAddress" && value !== "") stunUrlFor(value as string);
  } catch (error) {
    throw invalid(name, (error as Error).message);
  }
  if (name === "stunServerPort" && ((value as number) < 1 || (value as number) > 65535)) throw invalid(name, "must be a port from 1 to 65535");
  if (name === "externalIPv4" && value !== "" && isIP(value as string) !== 4) throw invalid(name, `${value} is not an IPv4 address`);
  if (name === "externalIPv6" && value !== "" && isIP(value as string) !== 6) throw invalid(name, `${value} is not an IPv6 address`);
  if (name === "networkInterfaces" && value !== "" && !INTERFACE_LIST.test(value as string)) throw invalid(name, INTERFACE_LIST_MESSAGE);
}

/** A property that is set (Kurento clients clear one with an empty string). */
function given<T>(properties: Record<string, unknown>, name: string): T | undefined {
  const value = properties[name];
  return value === undefined || value === null || value === "" ? undefined : (value as T);
}

function gatheringServers(settings: WebRtcSettings, properties: Record<string, unknown>): GatheringServer[] {
  const configured = issueIceServers(settings.serverIceServers, SERVER_CALLER_ID).iceServers.flatMap((server) =>
    server.urls.map((urls) => ({ urls, ...(server.username !== undefined ? { username: server.username, credential: server.credential } : {}) })),
  );
  const stunAddress = given<string>(properties, "stunServerAddress");
  const turnUrl = given<string>(properties, "turnUrl");
  const stun = stunAddress ? [{ urls: stunUrlFor(stunAddress, given<number>(properties, "stunServerPort")) }] : configured.filter((server) => isStunUrl(server.urls));
  const turn = turnUrl ? [parseKurentoTurnUrl(turnUrl)] : configured.filter((server) => isTurnUrl(server.urls));
  return [...stun, ...turn];
}

/** How the endpoint with these stored properties gathers. */
export function endpointIce(settings: WebRtcSettings, properties: Record<string, unknown>): EndpointIce {
  const externalIPv4 = given<string>(properties, "externalIPv4");
  const interfaces = given<string>(properties, "networkInterfaces");
  return {
    servers: gatheringServers(settings, properties),
    announcedAddresses: externalIPv4 ? [externalIPv4] : settings.announcedAddresses,
    announceOnly: externalIPv4 ? true : settings.announceOnly,
    networkInterfaces: interfaces ? interfaces.split(",").map((name) => name.trim()) : settings.networkInterfaces,
    iceTcp: given<boolean>(properties, "iceTcp") ?? settings.iceTcp,
  };
}

/**
 * What the ICE getters return on an endpoint where nothing was set: the server-wide values in
 * Kurento's formats, as KMS returns its configuration file's values.
 */
export function iceDefaults(settings: WebRtcSettings): Record<string, unknown> {
  const servers = settings.serverIceServers.flatMap((server) => serverUrls(server).map((url) => ({ server, uri: parseIceUri(url) })));
  const stun = servers.find(({ uri }) => uri.scheme === "stun")?.uri;
  const turn = servers.find(({ uri }) => uri.scheme === "turn" || uri.scheme === "turns");
  const turnUrl =
    turn && turn.server.username !== undefined
      ? `${turn.server.username}:${turn.server.credential}@${turn.uri.host}:${turn.uri.port}?transport=${turn.uri.scheme === "turns" ? "tls" : (turn.uri.transport ?? "udp")}`
      : "";
  return {
    stunServerAddress: stun?.host ?? "",
    stunServerPort: stun?.port ?? 3478,
    turnUrl,
    externalIPv4: settings.announceOnly && settings.announcedAddresses.length === 1 ? settings.announcedAddresses[0] : "",
    externalIPv6: "",
    networkInterfaces: settings.networkInterfaces.join(","),
    iceTcp: settings.iceTcp,
  };
}
