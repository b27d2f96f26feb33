/**
 * Kurento sessions (notes/kurento-protocol.md §1.3): a session id is minted on a client's first
 * request, bound to the WebSocket it arrives on, and rebound when the client reconnects with
 * `connect {sessionId}`. A session holds references to the objects it created or used, and its
 * event subscriptions. Once its socket is gone for the grace period (Kurento: 240–480 s), the
 * objects only it holds are released — objects created over REST or WHIP are never collected.
 */
import { randomUUID } from "node:crypto";

export interface Subscription {
  id: string;
  /** Domain id of the object, or the ServerManager's id. */
  objectId: string;
  /** Canonical (7.x) event name. */
  type: string;
}

/** What a session needs from the WebSocket it is bound to. */
export interface SessionSocket {
  send(text: string): void;
}

export class KurentoSession {
  readonly id: string;
  socket: SessionSocket | undefined;
  /** Domain ids of the pipelines and elements this session holds. */
  readonly objects = new Set<string>();
  readonly subscriptions = new Map<string, Subscription>();
  /** When its socket went away (undefined while bound). */
  detachedAt: number | undefined = performance.now();

  constructor(id: string) {
    this.id = id;
  }

  subscribed(objectId: string, type: string): boolean {
    for (const subscription of this.subscriptions.values()) if (subscription.objectId === objectId && subscription.type === type) return true;
    return false;
  }
}

export interface SessionOptions {
  graceMs: number;
  /** Releases an object (pipeline or element) that no session holds any more. */
  release: (objectId: string) => Promise<void>;
}

export class SessionRegistry {
  /** Changes with every process: a client reconnecting after a restart learns its session is gone. */
  readonly serverId = randomUUID();
  readonly #sessions = new Map<string, KurentoSession>();
  /** The session each open socket is bound to. */
  readonly #bySocket = new Map<SessionSocket, KurentoSession>();
  /** Objects created over this protocol by this process: the only ones collection may release. */
  readonly #created = new Set<string>();
  readonly #options: SessionOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  get(id: string | undefined): KurentoSession | undefined {
    return id === undefined ? undefined : this.#sessions.get(id);
  }

  /** The session `id` (adopting a client-chosen id, as KMS does) or a new one. */
  obtain(id?: string): KurentoSession {
    const existing = this.get(id);
    if (existing) return existing;
    const session = new KurentoSession(id ?? randomUUID());
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The session a socket is bound to, if any. */
  boundTo(socket: SessionSocket): KurentoSession | undefined {
    return this.#bySocket.get(socket);
  }

  /** Binds the session to the socket; a socket carries one session, a session one socket. */
  bind(session: KurentoSession, socket: SessionSocket): void {
    const previous = this.#bySocket.get(socket);
    if (previous === session) return;
    if (previous) this.detach(previous);
    if (session.socket) this.detach(session);
    this.#bySocket.set(socket, session);
    session.socket = socket;
    session.detachedAt = undefined;
  }

  detach(session: KurentoSession): void {
    if (session.socket && this.#bySocket.get(session.socket) === session) this.#bySocket.delete(session.socket);
    session.socket = undefined;
    session.detachedAt = performance.now();
  }

  /** The socket closed: the session bound to it starts its grace period. */
  socketClosed(socket: SessionSocket): void {
    const session = this.#bySocket.get(socket);
    if (session) this.detach(session);
  }

  /** An object was created over this protocol (so a session's end may release it). */
  created(objectId: string): void {
    this.#created.add(objectId);
  }

  all(): Iterable<KurentoSession> {
    return this.#sessions.values();
  }

  /** An object was released: no session holds it or listens to it any more. */
  forget(objectId: string): void {
    this.#created.delete(objectId);
    for (const session of this.#sessions.values()) {
      session.objects.delete(objectId);
      for (const [id, subscription] of session.subscriptions) if (subscription.objectId === objectId) session.subscriptions.delete(id);
    }
  }

  /** Ends a session: objects only it holds are released (closeSession, garbage collection). */
  async close(session: KurentoSession, releaseAll = false): Promise<void> {
    this.#sessions.delete(session.id);
    if (session.socket) this.detach(session);
    for (const objectId of session.objects) {
      const heldElsewhere = [...this.#sessions.values()].some((other) => other.objects.has(objectId));
      if ((releaseAll || !heldElsewhere) && this.#created.has(objectId)) await this.#options.release(objectId).catch(() => {});
    }
  }

  start(): void {
    this.#timer = setInterval(() => void this.collect(), Math.max(50, Math.floor(this.#options.graceMs / 4)));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Collects sessions whose socket has been gone for the grace period. */
  async collect(now = performance.now()): Promise<void> {
    for (const session of [...this.#sessions.values()]) {
      if (session.socket === undefined && session.detachedAt !== undefined && now - session.detachedAt >= this.#options.graceMs) await this.close(session);
    }
  }
}
