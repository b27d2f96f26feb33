/**
 * Webhooks as an operator and a receiver see them: registration over REST (secret shown once),
 * signed deliveries the receiver verifies, a forced retry after a 500, giving up after
 * `maxAttempts`, a delivery interrupted by a server stop that arrives after the restart, and
 * bad registrations refused with nothing written.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifySignature } from "../../src/domain/webhook-signature.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { startReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.ts";

const SECRET = "receiver-shared-secret-42";

interface Created {
  id: string;
  url: string;
  eventTypes: string[];
  secret: string;
  createdAt: string;
}

async function api(server: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

async function register(server: TestServer, body: Record<string, unknown>): Promise<Created> {
  const response = await api(server, "POST", "/v1/webhooks", body);
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json as Created;
}

function connect(server: TestServer, source: string) {
  return server.events.publish("element.connected", { pipelineId: "p", objectId: source }, { source, sink: "sink", mediaType: null });
}

async function deliveries(server: TestServer, webhookId: string): Promise<any[]> {
  return (await api(server, "GET", `/v1/webhooks/${webhookId}/deliveries`)).json.deliveries;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

describe("webhooks", () => {
  let server: TestServer;
  let receiver: WebhookReceiver;

  before(async () => {
    server = await startTestServer({ webhooks: { retryBaseMs: 400, maxAttempts: 3 } });
    receiver = await startReceiver();
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it("delivers the subscribed events, signed so the receiver can verify them", async () => {
    receiver.answer = () => 200;
    receiver.received.length = 0;
    const webhook = await register(server, { url: receiver.url, eventTypes: ["element.connected"], secret: SECRET });
    assert.equal(webhook.secret, SECRET);
    server.events.publish("element.created", { pipelineId: "p", objectId: "ignored" }, { type: "PassThrough" });
    const event = connect(server, "signed");
    const [request] = await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, 1, "only the subscribed type is delivered");

    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(verifySignature(SECRET, request.body, request.headers["pipewright-signature"] as string, { toleranceSeconds: 5 }), true);
    assert.equal(verifySignature("someone-elses-secret-00", request.body, request.headers["pipewright-signature"] as string), false);
    const body = JSON.parse(request.body);
    assert.deepEqual(body, { id: body.id, type: "element.connected", pipelineId: "p", objectId: "signed", at: new Date(event.at).toISOString(), data: event.data });
    assert.equal(request.headers["pipewright-event-id"], String(body.id));
    assert.equal(request.headers["pipewright-event-type"], "element.connected");

    const detail = await until(() => api(server, "GET", `/v1/webhooks/${webhook.id}`), (r) => r.json.deliveries.delivered === 1);
    assert.equal(detail.json.secret, undefined, "the secret is not shown again");
    assert.deepEqual(detail.json.deliveries, { pending: 0, delivered: 1, failed: 0, lastDeliveredAt: detail.json.deliveries.lastDeliveredAt, lastError: null });
    assert.equal((await api(server, "DELETE", `/v1/webhooks/${webhook.id}`)).status, 204);
  });

  it("retries after a 500 with backoff, and records one delivery", async () => {
    receiver.answer = (attempt) => (attempt === 1 ? 500 : 200);
    receiver.received.length = 0;
    const webhook = await register(server, { url: receiver.url, eventTypes: ["element.connected"] });
    assert.match(webhook.secret, /^whsec_[A-Za-z0-9_-]{43}$/, "a generated secret");
    connect(server, "retried");
    const [first, second] = await receiver.waitFor(2);
    const gap = second.at - first.at;
    assert.ok(gap >= 190 && gap < 1500, `second attempt ${gap} ms after the first (base 400 ms, equal jitter: 200–400 ms)`);
    assert.equal(second.body, first.body, "the same event");
    assert.equal(second.headers["pipewright-delivery-id"], first.headers["pipewright-delivery-id"], "the same delivery");
    for (const request of [first, second]) assert.equal(verifySignature(webhook.secret, request.body, request.headers["pipewright-signature"] as string), true);

    const [delivery] = await until(() => deliveries(server, webhook.id), (rows) => rows[0]?.state === "delivered");
    assert.deepEqual(
      { state: delivery.state, attempts: delivery.attempts, lastStatus: delivery.lastStatus, lastError: delivery.lastError, id: String(delivery.id) },
      { state: "delivered", attempts: 2, lastStatus: 200, lastError: "HTTP 500", id: first.headers["pipewright-delivery-id"] },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.received.length, 2, "nothing more is sent once delivered");
    assert.equal((await api(server, "DELETE", `/v1/webhooks/${webhook.id}`)).status, 204);
  });

  it("gives up after maxAttempts and marks the delivery failed", async () => {
    receiver.answer = () => 503;
    receiver.received.length = 0;
    const webhook = await register(server, { url: receiver.url });
    connect(server, "doomed");
    const [delivery] = await until(() => deliveries(server, webhook.id), (rows) => rows[0]?.state === "failed");
    assert.deepEqual({ state: delivery.state, attempts: delivery.attempts, lastStatus: delivery.lastStatus }, { state: "failed", attempts: 3, lastStatus: 503 });
    assert.equal(receiver.received.length, 3);
    assert.equal((await api(server, "GET", `/v1/webhooks/${webhook.id}`)).json.deliveries.failed, 1);
    assert.equal((await api(server, "DELETE", `/v1/webhooks/${webhook.id}`)).status, 204);
  });

  it("lists, gets and deletes; a deleted webhook gets nothing more", async () => {
    receiver.answer = () => 200;
    receiver.received.length = 0;
    const webhook = await register(server, { url: `${receiver.url}#fragment-dropped`, eventTypes: ["element.connected", "pipeline.created"] });
    assert.equal(webhook.url, receiver.url);
    assert.deepEqual(webhook.eventTypes, ["pipeline.created", "element.connected"]);
    const list = await api(server, "GET", "/v1/webhooks");
    assert.deepEqual(list.json.webhooks, [{ id: webhook.id, url: webhook.url, eventTypes: webhook.eventTypes, createdAt: webhook.createdAt }]);
    assert.equal((await api(server, "DELETE", `/v1/webhooks/${webhook.id}`)).status, 204);
    assert.equal((await api(server, "GET", `/v1/webhooks/${webhook.id}`)).status, 404);
    assert.equal((await api(server, "DELETE", `/v1/webhooks/${webhook.id}`)).status, 404);
    connect(server, "after-delete");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, 0);
  });

  it("refuses bad registrations with a 400 problem and writes nothing", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ url: receiver.url, colour: "blue" }, /colour/],
      [{ url: "ftp://127.0.0.1/x" }, /only http and https/],
      [{ url: "not a url" }, /not an absolute URL/],
      [{ url: "http://user:pw@127.0.0.1/x" }, /credentials/],
      [{ url: receiver.url, eventTypes: ["element.exploded"] }, /eventTypes/],
      [{ url: receiver.url, secret: "short" }, /secret/],
      [{ url: 42 }, /url/],
      ["{not json", /not valid JSON/],
    ];
    for (const [body, detail] of cases) {
      const response = await api(server, "POST", "/v1/webhooks", body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      assert.match(response.json.detail, detail);
    }
    const count = (server.db.$client.prepare("select count(*) as n from webhooks").get() as { n: number }).n;
    assert.equal(count, 0);
  });
});

describe("webhook delivery across a restart", () => {
  it("sends after the restart what was in flight when the server stopped", async () => {
    const receiver = await startReceiver((attempt) => (attempt === 1 ? "hang" : 200));
    const first = await startTestServer({ webhooks: { timeoutMs: 60_000 } });
    const webhook = await register(first, { url: receiver.url, secret: SECRET, eventTypes: ["element.connected"] });
    connect(first, "interrupted");
    const [stalled] = await receiver.waitFor(1);
    const stopping = Date.now();
    await first.stop();
    assert.ok(Date.now() - stopping < 5000, "stopping does not wait for the receiver's timeout");

    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      const [, resent] = await receiver.waitFor(2);
      assert.equal(resent.body, stalled.body, "the same event");
      assert.equal(resent.headers["pipewright-delivery-id"], stalled.headers["pipewright-delivery-id"]);
      assert.equal(verifySignature(SECRET, resent.body, resent.headers["pipewright-signature"] as string), true);
      const [delivery] = await until(() => deliveries(second, webhook.id), (rows) => rows[0]?.state === "delivered");
      assert.equal(delivery.attempts, 1, "the interrupted attempt does not count");
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it("refuses loopback targets when webhooks.allowPrivateAddresses is false", async () => {
    const server = await startTestServer({ webhooks: { allowPrivateAddresses: false } });
    try {
      for (const url of ["http://127.0.0.1:9/x", "http://localhost:9/x", "http://[::1]:9/x", "http://10.0.0.8/x"]) {
        const response = await api(server, "POST", "/v1/webhooks", { url });
        assert.equal(response.status, 400, url);
        assert.match(response.json.detail, /allowPrivateAddresses is false/);
      }
    } finally {
      await server.close();
    }
  });
});
