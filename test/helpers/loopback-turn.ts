/**
 * A STUN/TURN responder on 127.0.0.1 for hermetic tests, just enough for a client's gathering:
 * Binding requests get an XOR-MAPPED-ADDRESS (RFC 8489 §7.3.1), Allocate requests the long-term
 * credential challenge (401 with REALM and NONCE, RFC 8489 §9.2) and then, when USERNAME and
 * MESSAGE-INTEGRITY check out against `password(username)`, an allocation with an
 * XOR-RELAYED-ADDRESS (RFC 8656 §7.3); Refresh and the rest get a plain success. Nothing is
 * relayed — it proves who asked, with which credentials, and what candidates that yields. It
 * records every request it sees. Real relaying is tested against coturn in the e2e suite.
 */
import dgram from "node:dgram";
import { classes, makeIntegrityKey, Message, methods, parseMessage } from "werift";

export interface SeenRequest {
  method: string;
  username?: string;
  /** Whether MESSAGE-INTEGRITY matched the credentials `password` gives for the username. */
  authenticated: boolean;
}

export interface LoopbackTurn {
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const REALM = "pipewright.test";
const NONCE = "0123456789abcdef";

export interface LoopbackTurnOptions {
  /** The password for a username, or undefined to refuse it. */
  password: (username: string) => string | undefined;
  /** What Binding requests are told their address is. */
  mappedAddress?: [string, number];
  relayedAddress?: [string, number];
}

export async function startLoopbackTurn(options: LoopbackTurnOptions): Promise<LoopbackTurn> {
  const socket = dgram.createSocket("udp4");
  const seen: SeenRequest[] = [];
  socket.on("message", (data, remote) => {
    const request = parseMessage(data);
    if (!request || request.messageClass !== classes.REQUEST) return;
    const from: [string, number] = [remote.address, remote.port];
    const username = request.getAttributeValue("USERNAME") as string | undefined;
    const password = username === undefined ? undefined : options.password(username);
    const key = username !== undefined && password !== undefined ? makeIntegrityKey(username, REALM, password) : undefined;
    const authenticated = key !== undefined && parseMessage(data, key) !== undefined;
    seen.push({ method: methods[request.messageMethod], username, authenticated });
    const reply = (messageClass: classes, attributes: Array<[string, unknown]>, integrity?: Buffer) => {
      const response = new Message(request.messageMethod, messageClass, request.transactionId);
      for (const [name, value] of attributes) response.setAttribute(name as never, value as never);
      if (integrity) response.addMessageIntegrity(integrity);
      socket.send(response.addFingerprint().bytes, remote.port, remote.address);
    };
    if (request.messageMethod === methods.BINDING) {
      reply(classes.RESPONSE, [["XOR-MAPPED-ADDRESS", options.mappedAddress ?? from]]);
    } else if (!authenticated) {
      reply(classes.ERROR, [["ERROR-CODE", [401, "Unauthorized"]], ["REALM", REALM], ["NONCE", Buffer.from(NONCE)]]);
    } else if (request.messageMethod === methods.ALLOCATE) {
      const relayed = options.relayedAddress ?? ["127.0.0.1", 3];
      reply(classes.RESPONSE, [["XOR-RELAYED-ADDRESS", relayed], ["XOR-MAPPED-ADDRESS", from], ["LIFETIME", 600]], key);
    } else {
      reply(classes.RESPONSE, [], key);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    seen,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
