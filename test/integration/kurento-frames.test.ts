/**
 * The Kurento endpoint at the frame level, with a plain WebSocket: the exact JSON-RPC answers
 * Kurento gives to malformed JSON, batches, non-requests, ids of odd types, unknown methods and
 * missing params; Kurento's error codes for unknown objects, types, operations, events and
 * sessions; `transaction` with `newref:`; one notification however many subscriptions; caps on
 * frame size and objects per session; Origin and token checks on the upgrade. After every bad
 * frame the same connection — and the server — keeps answering.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../helpers/server.ts";

interface Frame {
  id?: unknown;
  jsonrpc?: string;
  result?: Record<string, unknown> & { value?: unknown };
  error?: { code: number; message: string; data?: { type?: string } };
  method?: string;
  params?: { value: { type: string; object: string; data: Record<string, unknown> } };
}

class RawClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  #nextId = 100;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => this.frames.push(JSON.parse(String(data))));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/kurento`, options);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return new RawClient(ws);
  }

  /** Sends raw text and resolves with the next response frame (one that has no `method`). */
  async sendText(text: string): Promise<Frame> {
    const seen = this.frames.length;
    this.ws.send(text);
    const deadline = Date.now() + 5000;
    for (;;) {
      const response = this.frames.slice(seen).find((frame) => frame.method === undefined);
      if (response) {
        this.frames.splice(this.frames.indexOf(response), 1);
        return response;
      }
      if (Date.now() > deadline) throw new Error(`no answer to ${text.slice(0, 80)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  request(method: string, params?: Record<string, unknown>, id: unknown = this.#nextId++): Promise<Frame> {
    return this.sendText(JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }));
  }

  async value(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const frame = await this.request(method, params);
    assert.equal(frame.error, undefined, `${method} failed: ${JSON.stringify(frame.error)}`);
    return frame.result?.value;
  }

  notifications(type: string): Frame[] {
    return this.frames.filter((frame) => frame.method === "onEvent" && frame.params?.value.type === type);
  }

  close(): void {
    this.ws.close();
  }
}

function upgradeStatus(url: string, headers: Record<string, string> = {}, query = ""): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/kurento${query}`, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
    ws.once("error", (error) => (error.message.includes("Unexpected server response") ? undefined : reject(error)));
  });
}

describe("the Kurento endpoint, frame by frame", () => {
  let server: TestServer;
  let client: RawClient;

  before(async () => {
    server = await startTestServer({ kurento: { maxFrameBytes: 64 * 1024, maxObjectsPerSession: 5 } });
    client = await RawClient.open(server.url);
  });
  after(async () => {
    client?.close();
    await server.close();
  });

  it("answers envelope errors exactly as Kurento does and keeps the connection", async () => {
    assert.deepEqual(await client.sendText("{not json"), { id: null, jsonrpc: "2.0", error: { code: -32700, message: "Parse error." } });
    const invalid = { id: null, jsonrpc: "2.0", error: { code: -32600, message: "Invalid JSON-RPC request." } };
    assert.deepEqual(await client.sendText(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }])), invalid, "a batch");
    assert.deepEqual(await client.sendText(JSON.stringify({ id: 1, method: "ping" })), invalid, "no jsonrpc member");
    assert.deepEqual(await client.sendText(JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "ping" })), invalid, "an object id");
    assert.deepEqual(await client.sendText(JSON.stringify({ jsonrpc: "2.0", id: [1], method: "ping" })), invalid, "an array id");
    assert.deepEqual(await client.sendText(JSON.stringify({ jsonrpc: "2.0", id: 2, method: 7 })), invalid, "a method that is not a string");
    assert.deepEqual(await client.sendText(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping", params: [1] })), invalid, "positional params");
    assert.deepEqual(await client.request("frobnicate", {}, 4), { id: 4, jsonrpc: "2.0", error: { code: -32601, message: "Method not found." } });
    assert.deepEqual(await client.request("create", undefined, 5), { id: 5, jsonrpc: "2.0", error: { code: -32602, message: "'params' is required", data: { type: "INVALID_PARAMS" } } });
    assert.deepEqual(await client.request("create", {}, 6), { id: 6, jsonrpc: "2.0", error: { code: -32000, message: "'type' parameter is required" } });
    assert.deepEqual(await client.request("invoke", { operation: "getName" }, 7), { id: 7, jsonrpc: "2.0", error: { code: -32000, message: "'object' parameter is required" } });

    // ids of every legal kind are echoed; ping works with and without params
    assert.deepEqual(await client.request("ping", undefined, 0), { id: 0, jsonrpc: "2.0", result: { value: "pong" } });
    assert.deepEqual((await client.request("ping", { interval: 5000 }, "abc")).id, "abc");
    assert.equal((await client.request("ping", {}, null)).result?.value, "pong");
  });

  it("answers Kurento's error codes for unknown objects, types, operations, events and sessions", async () => {
    const code = async (method: string, params: Record<string, unknown>) => {
      const frame = await client.request(method, params);
      assert.ok(frame.error, `${method} ${JSON.stringify(params)} should fail`);
      return [frame.error.code, frame.error.data?.type];
    };
    const pipeline = (await client.value("create", { type: "MediaPipeline" })) as string;
    const endpoint = (await client.value("create", { type: "WebRtcEndpoint", constructorParams: { mediaPipeline: pipeline } })) as string;
    assert.deepEqual(await code("create", { type: "NoSuchThing" }), [40108, "MEDIA_OBJECT_NOT_AVAILABLE"]);
    assert.deepEqual(await code("create", { type: "GStreamerFilter", constructorParams: { mediaPipeline: pipeline, command: "videoflip" } }), [40006, "NOT_IMPLEMENTED"]);
    assert.deepEqual(await code("create", { type: "WebRtcEndpoint", constructorParams: { mediaPipeline: "nope_kurento.MediaPipeline" } }), [40101, "MEDIA_OBJECT_NOT_FOUND"]);
    assert.deepEqual(await code("invoke", { object: `${pipeline}/00000000-0000-4000-8000-000000000000_kurento.PassThrough`, operation: "getName" }), [40101, "MEDIA_OBJECT_NOT_FOUND"]);
    assert.deepEqual(await code("invoke", { object: endpoint, operation: "doTheSplits" }), [40008, "MALFORMED_TRANSACTION"]);
    assert.deepEqual(await code("invoke", { object: endpoint, operation: "setMaxVideoSendBandwidth", operationParams: { maxVideoSendBandwidth: "fast" } }), [40001, "MARSHALL_ERROR"]);
    assert.deepEqual(await code("invoke", { object: endpoint, operation: "connect", operationParams: { sink: pipeline } }), [40100, "MEDIA_OBJECT_TYPE_NOT_FOUND"]);
    assert.deepEqual(await code("invoke", { object: endpoint, operation: "processOffer", operationParams: { offer: "garbage" } }), [40201, "SDP_PARSE_ERROR"]);
    assert.deepEqual(await code("invoke", { object: endpoint, operation: "addIceCandidate", operationParams: { candidate: { candidate: "nonsense", sdpMid: "0", sdpMLineIndex: 0 } } }), [40401, "ICE_ADD_CANDIDATE_ERROR"]);
    assert.deepEqual(await code("subscribe", { object: endpoint, type: "CodeFound" }), [40106, "MEDIA_OBJECT_EVENT_NOT_SUPPORTED"]);
    assert.deepEqual(await code("connect", { sessionId: "00000000-0000-4000-8000-000000000000" }), [40007, "INVALID_SESSION"]);
    assert.deepEqual(await code("keepAlive", { sessionId: "00000000-0000-4000-8000-000000000000" }), [40007, "INVALID_SESSION"]);
    const released = await client.request("release", { object: "never-existed" });
    assert.equal(released.error, undefined, "releasing an unknown object succeeds, as in KMS");
    assert.equal(await client.value("ping"), "pong", "the connection still answers");
    await client.value("release", { object: pipeline });
  });

  it("describes objects and the ServerManager, and binds the connection to its session", async () => {
    const described = await client.request("describe", { object: "manager_ServerManager" });
    assert.deepEqual({ ...described.result, sessionId: undefined }, { type: "ServerManager", qualifiedType: "kurento.ServerManager", hierarchy: ["kurento.MediaObject"], sessionId: undefined });
    const sessionId = described.result?.sessionId as string;
    assert.match(sessionId, /^[0-9a-f-]{36}$/, "a session is minted for a request without one");
    const pipeline = (await client.value("create", { type: "MediaPipeline" })) as string;
    const endpoint = (await client.value("create", { type: "WebRtcEndpoint", constructorParams: { mediaPipeline: pipeline } })) as string;
    const endpointInfo = await client.request("describe", { object: endpoint });
    assert.deepEqual(endpointInfo.result?.hierarchy, [
      "kurento.BaseRtpEndpoint",
      "kurento.SdpEndpoint",
      "kurento.SessionEndpoint",
      "kurento.Endpoint",
      "kurento.MediaElement",
      "kurento.MediaObject",
    ]);
    assert.equal(endpointInfo.result?.sessionId, sessionId, "later requests without a sessionId get the connection's session");
    const connected = await client.request("connect", { sessionId });
    assert.equal(connected.result?.sessionId, sessionId);
    assert.equal(connected.result?.serverId, server.kurento.sessions.serverId);
    await client.value("release", { object: pipeline });
  });

  it("runs a transaction with newref: references, and refuses a malformed one", async () => {
    const done = await client.request("transaction", {
      operations: [
        { jsonrpc: "2.0", id: 0, method: "create", params: { type: "MediaPipeline" } },
        { jsonrpc: "2.0", id: 1, method: "create", params: { type: "PassThrough", constructorParams: { mediaPipeline: "newref:0" } } },
        { jsonrpc: "2.0", id: 2, method: "invoke", params: { object: "newref:1", operation: "setName", operationParams: { name: "made-in-a-transaction" } } },
      ],
    });
    const responses = done.result?.value as Frame[];
    assert.equal(responses.length, 3);
    const [pipeline, passThrough] = responses.map((response) => response.result?.value as string);
    assert.match(passThrough, new RegExp(`^${pipeline}/`));
    assert.equal(await client.value("invoke", { object: passThrough, operation: "getName" }), "made-in-a-transaction");
    const malformed = await client.request("transaction", { operations: [{ jsonrpc: "2.0", id: 7, method: "ping" }] });
    assert.equal(malformed.error?.code, 40008);
    await client.value("release", { object: pipeline });
  });

  it("sends one notification per session, object and event type, with Kurento's fields, and none after unsubscribe", async () => {
    const pipeline = (await client.value("create", { type: "MediaPipeline" })) as string;
    const [source, sink] = [
      (await client.value("create", { type: "PassThrough", constructorParams: { mediaPipeline: pipeline } })) as string,
      (await client.value("create", { type: "PassThrough", constructorParams: { mediaPipeline: pipeline } })) as string,
    ];
    const first = (await client.value("subscribe", { object: source, type: "ElementConnected" })) as string;
    const second = (await client.value("subscribe", { object: source, type: "ElementConnected" })) as string;
    assert.notEqual(first, second);
    await client.value("invoke", { object: source, operation: "connect", operationParams: { sink, mediaType: "VIDEO" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = client.notifications("ElementConnected");
    assert.equal(events.length, 1, "two subscriptions, one notification");
    const value = events[0].params!.value;
    assert.equal(value.object, source);
    assert.equal(value.data.source, source);
    assert.equal(value.data.sink, sink);
    assert.equal(value.data.mediaType, "VIDEO");
    assert.equal(value.data.type, "ElementConnected");
    assert.deepEqual(value.data.tags, []);
    assert.match(String(value.data.timestampMillis), /^\d{13}$/);
    assert.equal(events[0].jsonrpc, "2.0");
    assert.equal(events[0].id, undefined, "a notification has no id");

    await client.value("unsubscribe", { object: source, subscription: first });
    await client.value("unsubscribe", { object: source, subscription: second });
    client.frames.length = 0;
    await client.value("invoke", { object: source, operation: "connect", operationParams: { sink, mediaType: "AUDIO" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(client.notifications("ElementConnected").length, 0);

    // Kurento 6 names are accepted as aliases
    const legacy = await client.request("subscribe", { object: sink, type: "MediaFlowInStateChange" });
    assert.equal(legacy.error, undefined);
    await client.value("release", { object: pipeline });
  });

  it("closeSession releases what only that session holds", async () => {
    const [first, second] = [await RawClient.open(server.url), await RawClient.open(server.url)];
    try {
      const own = (await first.value("create", { type: "MediaPipeline" })) as string;
      const shared = (await first.value("create", { type: "MediaPipeline" })) as string;
      await second.value("describe", { object: shared });
      const sessionId = (await first.request("describe", { object: own })).result?.sessionId;
      const closed = await first.request("closeSession", { sessionId });
      assert.equal(closed.error, undefined);
      assert.equal(closed.result, null);
      assert.equal((await second.request("describe", { object: own })).error?.code, 40101, "the pipeline only the closed session held is released");
      assert.equal((await second.request("describe", { object: shared })).error, undefined, "the shared one stays");
      await second.value("release", { object: shared });
    } finally {
      first.close();
      second.close();
    }
  });

  it("caps the objects a session holds", async () => {
    const session = await RawClient.open(server.url);
    try {
      const pipeline = (await session.value("create", { type: "MediaPipeline" })) as string;
      for (let index = 0; index < 4; index++) await session.value("create", { type: "PassThrough", constructorParams: { mediaPipeline: pipeline } });
      const refused = await session.request("create", { type: "PassThrough", constructorParams: { mediaPipeline: pipeline } });
      assert.equal(refused.error?.code, 40009, "the sixth object of a session capped at five");
      assert.equal(refused.error?.data?.type, "NOT_ENOUGH_RESOURCES");
      await session.value("release", { object: pipeline });
    } finally {
      session.close();
    }
  });

  it("closes a connection that sends a frame over the size cap, and the server stays up", async () => {
    const greedy = await RawClient.open(server.url);
    const closed = new Promise<number>((resolve) => greedy.ws.once("close", (code) => resolve(code)));
    greedy.ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { padding: "x".repeat(100 * 1024) } }));
    assert.equal(await closed, 1009, "Message Too Big");
    assert.equal(await client.value("ping"), "pong", "other connections carry on");
  });

  it("lets in application servers and same-origin pages, and refuses other origins and other paths", async () => {
    assert.equal(await upgradeStatus(server.url), 101, "no Origin: an application server");
    assert.equal(await upgradeStatus(server.url, { Origin: server.url }), 101, "the server's own pages");
    assert.equal(await upgradeStatus(server.url, { Origin: "https://evil.example" }), 403);
    const wrongPath = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/kurento-not`);
      ws.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      ws.once("error", () => {});
    });
    assert.equal(wrongPath, 404);
  });
});

describe("the Kurento endpoint with API tokens", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("needs an admin token once tokens exist, as a bearer header or access_token", async () => {
    const admin = server.access.createToken({ name: "app-server", scope: "admin" });
    const viewer = server.access.createToken({ name: "viewer", scope: "play" });
    assert.equal(await upgradeStatus(server.url), 401);
    assert.equal(await upgradeStatus(server.url, {}, `?access_token=${viewer.token}`), 403, "a play token cannot drive pipelines");
    assert.equal(await upgradeStatus(server.url, {}, `?access_token=${admin.token}`), 101, "kurento-client's access_token option");
    assert.equal(await upgradeStatus(server.url, { Authorization: `Bearer ${admin.token}` }), 101);
  });
});
