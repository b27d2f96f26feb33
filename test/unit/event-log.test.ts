/**
 * The event log on an in-memory database: each event written before `publish` returns, ids
 * that never repeat, the outbox rows written with the event, and retention that spares events
 * a webhook has yet to receive.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import pino from "pino";
import { EventLog, type LoggedEvent } from "../../src/domain/event-log.ts";
import { DomainEventBus } from "../../src/domain/events.ts";
import { closeDatabase, type Db, openDatabase } from "../../src/store/db.ts";
import { EventStore } from "../../src/store/events.ts";
import { webhooks } from "../../src/store/schema.ts";

const log = pino({ level: "silent" });

describe("event log", () => {
  let db: Db;
  let bus: DomainEventBus;
  let eventLog: EventLog;

  const count = (table: string, where = "1") => (db.$client.prepare(`select count(*) as n from ${table} where ${where}`).get() as { n: number }).n;
  const publish = (n: number, pipelineId = "p1") => {
    for (let i = 0; i < n; i++) bus.publish("element.created", { pipelineId, objectId: `e${i}` }, { type: "PassThrough" });
  };

  beforeEach(() => {
    db = openDatabase(":memory:");
    bus = new DomainEventBus();
    eventLog = new EventLog(new EventStore(db), { retention: 10, log });
    eventLog.attach(bus);
  });
  afterEach(() => {
    eventLog.close();
    closeDatabase(db);
  });

  it("writes each event, with increasing ids, before publish returns", () => {
    const logged: LoggedEvent[] = [];
    eventLog.on("logged", (events) => logged.push(...events));
    publish(3);
    assert.equal(count("events"), 3, "in SQLite in the same turn: a crash right after the change cannot lose them");
    assert.deepEqual(logged.map((event) => event.id), [1, 2, 3]);
    assert.deepEqual(logged.map((event) => event.objectId), ["e0", "e1", "e2"]);
    assert.equal(eventLog.lastId, 3);
    assert.deepEqual(eventLog.read({ after: 1, limit: 10 }).map((event) => event.id), [2, 3]);
  });

  it("queues a delivery for each subscribed webhook in the same write", async () => {
    db.insert(webhooks).values([
      { id: "all", url: "http://127.0.0.1:1/", secret: "s".repeat(16), eventTypes: [] },
      { id: "connected-only", url: "http://127.0.0.1:1/", secret: "s".repeat(16), eventTypes: ["element.connected"] },
    ]).run();
    bus.publish("element.connected", { pipelineId: "p1", objectId: "a" }, { source: "a", sink: "b", mediaType: null });
    publish(1);
    assert.equal(count("webhook_deliveries", "webhook_id = 'all'"), 2, "queued with the event, before publish returned");
    assert.equal(count("webhook_deliveries", "webhook_id = 'connected-only'"), 1);
  });

  it("keeps the newest `retention` events, and any a pending delivery needs", () => {
    publish(5);
    db.insert(webhooks).values({ id: "w", url: "http://127.0.0.1:1/", secret: "s".repeat(16), eventTypes: ["element.connected"] }).run();
    bus.publish("element.connected", { pipelineId: "p1", objectId: "a" }, { source: "a", sink: "b", mediaType: null });
    publish(30);
    const ids = eventLog.read({ after: 0, limit: 100 }).map((event) => event.id);
    assert.equal(eventLog.lastId, 36);
    assert.deepEqual(ids, [6, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36], "the 10 newest, and #6 that a webhook still waits for");
  });

  it("never hands out an id twice, even after pruning everything old", () => {
    publish(25);
    eventLog.close();
    const reopened = new EventLog(new EventStore(db), { retention: 10, log });
    assert.equal(reopened.lastId, 25);
    reopened.attach(bus);
    publish(1);
    assert.equal(reopened.lastId, 26);
    assert.deepEqual(reopened.read({ after: 25, limit: 10 }).map((event) => event.id), [26]);
    reopened.close();
  });

  it("follow() hands over from stored to live events without gap or duplicate, and ends on abort", async () => {
    publish(4);
    const abort = new AbortController();
    const seen: number[] = [];
    const following = (async () => {
      for await (const item of eventLog.follow({ after: 2 }, { heartbeatMs: 60_000, signal: abort.signal })) {
        if (item === "heartbeat") continue;
        seen.push(item.id);
        if (item.id === 4) publish(3); // published while the reader is between stored and live
        if (seen.length === 5) abort.abort();
      }
    })();
    await following;
    assert.deepEqual(seen, [3, 4, 5, 6, 7]);
    assert.equal(eventLog.listenerCount("logged"), 0, "an ended follower leaves no listener");
  });
});
