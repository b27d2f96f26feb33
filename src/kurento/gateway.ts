/**
 * The Kurento protocol endpoint: JSON-RPC 2.0 over WebSocket at `ws://host:8888/kurento`, on
 * the same port as the HTTP API. It refuses the upgrade without the right to administer (an
 * admin token as `access_token` query parameter or bearer header once tokens exist; loopback
 * otherwise), from a browser Origin not allowed, or on another path; caps the frame size (a
 * bigger frame closes the socket with 1009); runs each connection's requests strictly in order
 * (tutorials fire processOffer and gatherCandidates without waiting); and never lets one bad
 * frame take the connection or the server down.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import type { AccessControl } from "../domain/access.ts";
import { PipewrightError } from "../domain/errors.ts";
import { METHOD_NOT_FOUND, toRpcError } from "./errors.ts";
import { errorFrame, parseFrame, resultFrame } from "./jsonrpc.ts";
import { type KurentoConnection, KurentoProtocol } from "./methods.ts";
import type { SessionRegistry } from "./sessions.ts";

export interface GatewayOptions {
  path: string;
  maxFrameBytes: number;
  allowOrigins: string[];
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

export class KurentoGateway {
  readonly #wss: WebSocketServer;
  readonly #protocol: KurentoProtocol;
  readonly #sessions: SessionRegistry;
  readonly #access: AccessControl;
  readonly #options: GatewayOptions;
  readonly #log: Logger;

  constructor(deps: { protocol: KurentoProtocol; sessions: SessionRegistry; access: AccessControl; log: Logger }, options: GatewayOptions) {
    this.#protocol = deps.protocol;
    this.#sessions = deps.sessions;
    this.#access = deps.access;
    this.#log = deps.log;
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  }

  attach(server: Server): void {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(request, socket, head));
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== this.#options.path) return refuse(socket, 404, "Not Found");
    const origin = request.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin, request.headers.host)) return refuse(socket, 403, "Origin not allowed");
    const header = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    try {
      this.#access.authorize({ bearer: url.searchParams.get("access_token") ?? header, remoteAddress: request.socket.remoteAddress, action: "admin" });
    } catch (error) {
      const status = error instanceof PipewrightError ? error.status : 403;
      return refuse(socket, status, status === 401 ? "Unauthorized" : "Forbidden");
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#serve(ws));
  }

  /** No Origin: an application server. A browser page must be same-origin or allow-listed. */
  #originAllowed(origin: string, host: string | undefined): boolean {
    if (this.#options.allowOrigins.includes("*") || this.#options.allowOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  #serve(ws: WebSocket): void {
    const connection: KurentoConnection = {
      socket: {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
      },
    };
    let queue: Promise<void> = Promise.resolve();
    ws.on("message", (data) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
      queue = queue.then(() => this.#process(connection, text)).catch((error) => this.#log.error({ err: error }, "kurento request failed"));
    });
    ws.on("close", () => this.#sessions.socketClosed(connection.socket));
    ws.on("error", (error) => this.#log.debug({ err: error }, "kurento socket error"));
  }

  async #process(connection: KurentoConnection, text: string): Promise<void> {
    const parsed = parseFrame(text);
    if ("error" in parsed) {
      connection.socket.send(errorFrame(null, parsed.error));
      return;
    }
    const { request } = parsed;
    try {
      const result = await this.#protocol.handle(connection, request);
      if (request.id !== undefined) connection.socket.send(resultFrame(request.id, result));
    } catch (error) {
      if (request.id === undefined) return;
      const rpcError = KurentoProtocol.isMethodNotFound(error) ? METHOD_NOT_FOUND : toRpcError(error);
      if (rpcError.code === 40003) this.#log.error({ err: error, method: request.method }, "unexpected error in a kurento request");
      connection.socket.send(errorFrame(request.id, rpcError));
    }
  }

  close(): void {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }
}
