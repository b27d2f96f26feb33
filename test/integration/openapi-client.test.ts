/**
 * A client built the way generated clients are: from the served OpenAPI document alone —
 * operation ids to method and path, path parameters filled in, and every JSON response checked
 * against the document's response schema with a JSON Schema 2020-12 validator. The README's
 * walk-through (pipeline, two endpoints negotiated with werift peers' offers, a connection, the
 * graph, a DispatcherOneToMany and its HubPort with setSource, delete) runs through it; the
 * e2e suite runs the README's curl block itself.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher, createViewer } from "../helpers/werift-peer.ts";

interface Operation {
  method: string;
  path: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

function operations(document: { paths: Record<string, Record<string, { operationId: string; responses: Operation["responses"] }>> }): Map<string, Operation> {
  const result = new Map<string, Operation>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) result.set(operation.operationId, { method: method.toUpperCase(), path, responses: operation.responses });
  }
  return result;
}

describe("a client generated from the OpenAPI document", () => {
  let server: TestServer;
  let call: (operationId: string, params?: Record<string, string>, body?: unknown) => Promise<{ status: number; body: any }>;

  before(async () => {
    server = await startTestServer();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Parameters<typeof operations>[0] & { components: { schemas: Record<string, unknown> } };
    const ops = operations(document);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [id, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${id}`);
    call = async (operationId, params = {}, body) => {
      const operation = ops.get(operationId);
      assert.ok(operation, `the document has operation ${operationId}`);
      const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
      const response = await fetch(`${server.url}${url}`, {
        method: operation.method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const documented = operation.responses[String(response.status)];
      assert.ok(documented, `${operationId} answered ${response.status}, which the document does not list: ${text}`);
      const schema = documented.content?.["application/json"]?.schema;
      const parsed = text === "" ? undefined : JSON.parse(text);
      if (schema) {
        const valid = ajv.validate({ ...(schema as object), $defs: undefined }, parsed);
        assert.ok(valid, `${operationId} ${response.status} body matches its schema: ${ajv.errorsText()}`);
      }
      return { status: response.status, body: parsed };
    };
  });
  after(async () => {
    await server.close();
  });

  it("runs the README walk-through", async () => {
    const pipeline = await call("createPipeline", {}, { name: "call", tags: [{ key: "room", value: "blue" }] });
    assert.equal(pipeline.status, 201);
    const p = pipeline.body.id as string;
    const a = await call("createElement", { pipelineId: p }, { type: "WebRtcEndpoint" });
    const b = await call("createElement", { pipelineId: p }, { type: "WebRtcEndpoint", properties: { maxVideoRecvBandwidth: 2000 } });
    assert.equal(b.body.properties.maxVideoRecvBandwidth, 2000);

    const [publisher, viewer] = [await createPublisher(), await createViewer()];
    try {
      for (const [element, peer, direction] of [[a, publisher, "recvonly"], [b, viewer, "sendonly"]] as const) {
        const negotiated = await call("processOffer", { pipelineId: p, elementId: element.body.id }, { offer: peer.offer });
        assert.equal(negotiated.status, 200);
        assert.match(negotiated.body.answer, new RegExp(`^v=0\r\n[^]*a=${direction}`));
        await peer.pc.setRemoteDescription({ type: "answer", sdp: negotiated.body.answer });
      }
    } finally {
      await Promise.all([publisher.pc.close(), viewer.pc.close()]);
    }

    const connection = await call("connect", { pipelineId: p }, { source: a.body.id, sink: b.body.id });
    assert.equal(connection.status, 201);
    const element = await call("getElement", { pipelineId: p, elementId: b.body.id });
    assert.deepEqual(element.body.negotiated.codecs, { audio: "audio/opus", video: "video/VP8" });
    const graph = await call("getPipelineGraph", { pipelineId: p });
    assert.deepEqual(graph.body.edges.map((edge: { source: string; sink: string }) => [edge.source, edge.sink]), [[a.body.id, b.body.id]]);
    const sources = await call("getSourceConnections", { pipelineId: p, elementId: b.body.id });
    assert.equal(sources.body.items[0].source, a.body.id);
    const invoked = await call("invoke", { pipelineId: p, elementId: b.body.id, operation: "getMaxVideoRecvBandwidth" }, {});
    assert.equal(invoked.body.value, 2000);

    const hub = await call("createElement", { pipelineId: p }, { type: "DispatcherOneToMany" });
    const port = await call("createElement", { pipelineId: p }, { type: "HubPort", params: { hub: hub.body.id } });
    assert.equal(port.status, 201);
    const setSource = await call("invoke", { pipelineId: p, elementId: hub.body.id, operation: "setSource" }, { params: { source: port.body.id } });
    assert.deepEqual(setSource, { status: 200, body: { value: null } });

    const listed = await call("listPipelines");
    assert.ok(listed.body.items.some((item: { id: string }) => item.id === p));
    assert.equal((await call("deletePipeline", { pipelineId: p })).status, 204);
    assert.equal((await call("getPipeline", { pipelineId: p })).status, 404);
  });
});
