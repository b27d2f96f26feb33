/**
 * Probes one STUN or TURN server the way ICE uses it, and says what happened. STUN: a Binding
 * request (RFC 8489 §3) whose XOR-MAPPED-ADDRESS is our address as the server sees it. TURN: an
 * Allocate for a UDP relay (RFC 8656 §7.1) — first unauthenticated, to get the REALM and NONCE
 * of the 401 challenge, then with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under the
 * long-term key (RFC 8489 §9.2) — reporting the relayed address, or the server's ERROR-CODE in
 * words (a refused shared secret shows here as 401 on the second request), then releasing the
 * allocation with a Refresh of lifetime 0 (RFC 8656 §7.2). werift's own TURN client cannot be
 * used for this: it drops error responses it cannot authenticate and reports only a timeout.
 */
import { classes, makeIntegrityKey, Message, methods } from "werift";
import type { ProbeTarget, ServerProbe } from "../protocol.ts";
import { openStunChannel, type StunChannel } from "./stun-client.ts";

/** RFC 8656 §18.7: protocol number 17 (UDP) in the first byte. */
const REQUESTED_TRANSPORT_UDP = 17 << 24;

const ERROR_MEANINGS: Record<number, string> = {
  401: "credentials refused (wrong username/password, or a shared secret that differs from the TURN server's, or expired)",
  403: "forbidden by the server's policy",
  437: "allocation mismatch",
  438: "stale nonce",
  441: "wrong credentials",
  486: "allocation quota reached",
  508: "the server has no relay capacity",
};

function address(value: unknown): string | undefined {
  return Array.isArray(value) ? `${value[0]}:${value[1]}` : undefined;
}

function errorText(response: Message): string {
  const [code, reason] = (response.getAttributeValue("ERROR-CODE") as [number, string] | undefined) ?? [0, "no error code"];
  return `${code} ${reason}${ERROR_MEANINGS[code] ? `: ${ERROR_MEANINGS[code]}` : ""}`;
}

async function binding(channel: StunChannel, deadline: number): Promise<Omit<ServerProbe, "url" | "ms">> {
  const response = await channel.request(new Message(methods.BINDING, classes.REQUEST), deadline);
  if (response.messageClass !== classes.RESPONSE) return { ok: false, detail: `Binding refused: ${errorText(response)}` };
  const mapped = address(response.getAttributeValue("XOR-MAPPED-ADDRESS"));
  return { ok: mapped !== undefined, detail: mapped ? `our address as the server sees it: ${mapped}` : "Binding answered without XOR-MAPPED-ADDRESS", mappedAddress: mapped };
}

function allocateRequest(auth?: { username: string; realm: string; nonce: Buffer; key: Buffer }): Message {
  const request = new Message(methods.ALLOCATE, classes.REQUEST);
  request.setAttribute("REQUESTED-TRANSPORT", REQUESTED_TRANSPORT_UDP);
  if (!auth) return request;
  request.setAttribute("USERNAME", auth.username).setAttribute("REALM", auth.realm).setAttribute("NONCE", auth.nonce);
  return request.addMessageIntegrity(auth.key);
}

async function allocate(channel: StunChannel, target: ProbeTarget, deadline: number): Promise<Omit<ServerProbe, "url" | "ms">> {
  if (target.username === undefined || target.credential === undefined) return { ok: false, detail: "no credentials to allocate with" };
  const challenge = await channel.request(allocateRequest(), deadline);
  const realm = challenge.getAttributeValue("REALM") as string | undefined;
  const nonce = challenge.getAttributeValue("NONCE") as Buffer | undefined;
  if (challenge.messageClass !== classes.ERROR || !realm || !nonce) {
    return { ok: false, detail: `the server did not answer an unauthenticated Allocate with a 401 challenge (${challenge.messageClass === classes.ERROR ? errorText(challenge) : "it succeeded"}): is it a TURN server?` };
  }
  const auth = { username: target.username, realm, nonce, key: makeIntegrityKey(target.username, realm, target.credential) };
  const response = await channel.request(allocateRequest(auth), deadline);
  if (response.messageClass !== classes.RESPONSE) return { ok: false, detail: `Allocate refused: ${errorText(response)}` };
  const relayed = address(response.getAttributeValue("XOR-RELAYED-ADDRESS"));
  const mapped = address(response.getAttributeValue("XOR-MAPPED-ADDRESS"));
  const release = new Message(methods.REFRESH, classes.REQUEST).setAttribute("LIFETIME", 0).setAttribute("USERNAME", auth.username).setAttribute("REALM", realm).setAttribute("NONCE", nonce);
  await channel.request(release.addMessageIntegrity(auth.key), Math.min(deadline, Date.now() + 1000)).catch(() => {});
  return { ok: relayed !== undefined, detail: relayed ? `relay allocated at ${relayed} (released again)` : "Allocate succeeded without XOR-RELAYED-ADDRESS", relayedAddress: relayed, mappedAddress: mapped };
}

/** Probes `target` within `timeoutMs`; never throws. */
export async function probeIceServer(target: ProbeTarget, bindAddress: string | undefined, timeoutMs: number): Promise<ServerProbe> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let channel: StunChannel | undefined;
  try {
    channel = await openStunChannel(target, bindAddress, deadline);
    const result = target.scheme === "turn" || target.scheme === "turns" ? await allocate(channel, target, deadline) : await binding(channel, deadline);
    return { url: target.url, ...result, ms: Date.now() - started };
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}` : (error as Error).message;
    return { url: target.url, ok: false, detail: `${detail} within ${timeoutMs} ms`, ms: Date.now() - started };
  } finally {
    channel?.close();
  }
}
