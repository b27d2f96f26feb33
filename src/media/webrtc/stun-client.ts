/**
 * One STUN request and its response, over UDP, TCP or TLS — the client transaction of RFC 8489
 * §6.2, for the ICE self-test (ice-server-probe.ts). Over UDP the request is retransmitted with a
 * doubling RTO from 500 ms (§6.2.1) until the deadline; over TCP and TLS it is sent once and
 * responses are read back-to-back from the stream, each STUN message carrying its own length
 * (§6.2.2, RFC 8656 §3.1). Messages are built and parsed with werift's STUN codec; error
 * responses are returned, not thrown, so the caller can read their ERROR-CODE.
 */
import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import { type Message, parseMessage } from "werift";
import type { ProbeTarget } from "../protocol.ts";

const HEADER_LENGTH = 20;

export interface StunChannel {
  /** Sends `request`; resolves with the response (success or error) of the same transaction. */
  request(request: Message, deadline: number): Promise<Message>;
  close(): void;
}

type Waiter = (response: Message) => void;

function dispatcher(waiters: Map<string, Waiter>) {
  return (data: Buffer) => {
    const message = parseMessage(data);
    if (!message) return;
    const key = message.transactionId.toString("hex");
    const waiter = waiters.get(key);
    waiters.delete(key);
    waiter?.(message);
  };
}

function timeout(deadline: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer ${what}`)), Math.max(0, deadline - Date.now())).unref());
}

function udpChannel(host: string, port: number, bindAddress: string | undefined): Promise<StunChannel> {
  const socket = dgram.createSocket("udp4");
  const waiters = new Map<string, Waiter>();
  socket.on("message", dispatcher(waiters));
  socket.on("error", () => {});
  return new Promise((resolve) => {
    socket.bind(0, bindAddress, () =>
      resolve({
        async request(request, deadline) {
          const answered = new Promise<Message>((done) => waiters.set(request.transactionId.toString("hex"), done));
          let rto = 500;
          let timer: NodeJS.Timeout | undefined;
          const send = () => {
            socket.send(request.bytes, port, host);
            timer = setTimeout(send, rto);
            rto *= 2;
          };
          send();
          try {
            return await Promise.race([answered, timeout(deadline, "over UDP")]);
          } finally {
            clearTimeout(timer);
          }
        },
        close: () => socket.close(),
      }),
    );
  });
}

function streamChannel(host: string, port: number, secure: boolean, deadline: number): Promise<StunChannel> {
  const waiters = new Map<string, Waiter>();
  const deliver = dispatcher(waiters);
  let buffered = Buffer.alloc(0);
  const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= HEADER_LENGTH && buffered.length >= HEADER_LENGTH + buffered.readUInt16BE(2)) {
      const size = HEADER_LENGTH + buffered.readUInt16BE(2);
      deliver(buffered.subarray(0, size));
      buffered = buffered.subarray(size);
    }
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once(secure ? "secureConnect" : "connect", () => resolve());
    socket.once("error", reject);
  });
  const channel: StunChannel = {
    async request(request, requestDeadline) {
      const answered = new Promise<Message>((done) => waiters.set(request.transactionId.toString("hex"), done));
      socket.write(request.bytes);
      return Promise.race([answered, timeout(requestDeadline, `over ${secure ? "TLS" : "TCP"}`)]);
    },
    close: () => socket.destroy(),
  };
  return Promise.race([connected.then(() => channel), timeout(deadline, `to the ${secure ? "TLS" : "TCP"} connection`)]).catch((error: Error) => {
    socket.destroy();
    throw error;
  });
}

/** A channel to the server of `uri` over the transport the URI names (UDP unless it says otherwise). */
export function openStunChannel(uri: ProbeTarget, bindAddress: string | undefined, deadline: number): Promise<StunChannel> {
  const secure = uri.scheme === "stuns" || uri.scheme === "turns";
  if (secure || uri.transport === "tcp") return streamChannel(uri.host, uri.port, secure, deadline);
  return udpChannel(uri.host, uri.port, bindAddress);
}
