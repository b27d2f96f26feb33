/**
 * The event log: every event published on the domain bus gets a monotonic id and a row in
 * SQLite, together with the webhook deliveries it causes (one transaction). The write happens
 * inside `publish`, before it returns: the state change an event reports was committed just
 * before, so a process killed right after a change has logged its event and queued its webhooks
 * too — nothing waits in memory for a later turn. (Each write is one durable commit, ~2 ms with
 * `synchronous=FULL`: affordable at control-plane rates, and the price of never losing one.)
 * Retention keeps the newest `retention` events. Readers follow the log from any id: stored
 * events first, then new ones as they are written — the database is the only source, so the
 * hand-over has no gap and no duplicate.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { EventQuery, EventRow, EventStore } from "../store/events.ts";
import type { DomainEvent, DomainEventBus, EventType } from "./events.ts";

export type LoggedEvent = DomainEvent & { id: number };

export interface FollowOptions {
  /** How long to wait for news before yielding a heartbeat. */
  heartbeatMs: number;
  signal: AbortSignal;
}

export type FollowItem = LoggedEvent | "heartbeat";

/** Rows read per query while catching up. */
const PAGE = 500;

export function loggedEvent(row: EventRow): LoggedEvent {
  return { id: row.id, type: row.type as EventType, pipelineId: row.pipelineId, objectId: row.objectId, at: row.createdAt, data: row.data } as LoggedEvent;
}

export class EventLog extends EventEmitter<{ logged: [LoggedEvent[]] }> {
  readonly #store: EventStore;
  readonly #retention: number;
  readonly #log: Logger;
  #bus: DomainEventBus | undefined;
  #lastId: number;
  #prunedThrough = 0;
  #closed = false;

  constructor(store: EventStore, options: { retention: number; log: Logger }) {
    super();
    this.setMaxListeners(0);
    this.#store = store;
    this.#retention = options.retention;
    this.#log = options.log;
    this.#lastId = store.lastId();
    this.#prune();
  }

  /** The id of the newest written event (0 when none ever was). */
  get lastId(): number {
    return this.#lastId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts logging every event `bus` publishes. */
  attach(bus: DomainEventBus): void {
    this.#bus = bus;
    bus.on("event", this.#onEvent);
  }

  /** Stops listening and ends every follower. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#bus?.off("event", this.#onEvent);
    this.#closed = true;
    this.emit("logged", []);
  }

  /** Writes one event with its outbox rows; returns it with its id (undefined if it could not be written). */
  #write(event: DomainEvent): LoggedEvent | undefined {
    if (this.#closed) return undefined;
    let logged: LoggedEvent;
    try {
      const [row] = this.#store.append([{ type: event.type, pipelineId: event.pipelineId, objectId: event.objectId, data: event.data, createdAt: event.at }]);
      logged = loggedEvent(row);
    } catch (error) {
      this.#log.error({ err: error, type: event.type }, "could not write an event to the log; it is lost");
      return undefined;
    }
    this.#lastId = logged.id;
    this.#prune();
    this.emit("logged", [logged]);
    return logged;
  }

  read(query: EventQuery): LoggedEvent[] {
    return this.#store.page(query).map(loggedEvent);
  }

  /**
   * Events after `query.after` that pass the filters: the stored ones, then each new one as it
   * is written, until `signal` aborts or the log closes. Yields "heartbeat" after
   * `heartbeatMs` without news. Memory stays bounded however slow the consumer is: a page is
   * read only when the previous one was consumed.
   */
  async *follow(query: Omit<EventQuery, "limit">, options: FollowOptions): AsyncGenerator<FollowItem> {
    let after = query.after;
    while (!options.signal.aborted && !this.#closed) {
      const seen = this.#lastId;
      const page = this.read({ ...query, after, limit: PAGE });
      for (const event of page) {
        yield event;
        after = event.id;
      }
      if (page.length === PAGE) continue;
      if (!(await this.#newerThan(seen, options))) yield "heartbeat";
    }
  }

  #onEvent = (event: DomainEvent): void => {
    this.#write(event);
  };

  /** Waits until an event newer than `seen` is written (true), or the heartbeat interval ends (false). */
  #newerThan(seen: number, options: FollowOptions): Promise<boolean> {
    if (this.#lastId > seen || this.#closed || options.signal.aborted) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (news: boolean) => {
        clearTimeout(timer);
        this.off("logged", onLogged);
        options.signal.removeEventListener("abort", onAbort);
        resolve(news);
      };
      const onLogged = () => done(true);
      const onAbort = () => done(true);
      const timer = setTimeout(() => done(false), options.heartbeatMs);
      this.on("logged", onLogged);
      options.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Keeps at most `retention` events (plus those a pending webhook delivery still needs).
   * Runs once 1% more than the retention has accumulated, so pruning is a batch, not a
   * delete per insert.
   */
  #prune(): void {
    const throughId = this.#lastId - this.#retention;
    if (throughId <= this.#prunedThrough + Math.ceil(this.#retention / 100) - 1) return;
    try {
      const removed = this.#store.prune(throughId);
      this.#prunedThrough = throughId;
      if (removed > 0) this.#log.debug({ removed, throughId }, "pruned the event log");
    } catch (error) {
      this.#log.error({ err: error }, "could not prune the event log");
    }
  }
}
