/**
 * A client built the way generated clients are: from the served OpenAPI document alone —
 * operation ids to method and path, path parameters filled in, and every JSON response checked
 * against the document's response schema with a JSON Schema 2020-12 validator. The README's
 * walk-through (pipeline, two endpoints, a connection, the graph, delete) runs through it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { startTestServer, type TestServer } from "../helpers/server.ts";

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
    const a = await call("createElement", { pipelineId: pipeline.body.id }, { type: "WebRtcEndpoint" });
    const b = await call("createElement", { pipelineId: pipeline.body.id }, { type: "WebRtcEndpoint", properties: { maxVideoRecvBandwidth: 2000 } });
    assert.equal(b.body.properties.maxVideoRecvBandwidth, 2000);
    const connection = await call("connect", { pipelineId: pipeline.body.id }, { source: a.body.id, sink: b.body.id });
    assert.equal(connection.status, 201);
    const graph = await call("getPipelineGraph", { pipelineId: pipeline.body.id });
    assert.deepEqual(graph.body.edges.map((edge: { source: string; sink: string }) => [edge.source, edge.sink]), [[a.body.id, b.body.id]]);
    const sources = await call("getSourceConnections", { pipelineId: pipeline.body.id, elementId: b.body.id });
    assert.equal(sources.body.items[0].source, a.body.id);
    const invoked = await call("invoke", { pipelineId: pipeline.body.id, elementId: b.body.id, operation: "getMaxVideoRecvBandwidth" }, {});
    assert.equal(invoked.body.value, 2000);
    const listed = await call("listPipelines");
    assert.ok(listed.body.items.some((item: { id: string }) => item.id === pipeline.body.id));
    assert.equal((await call("deletePipeline", { pipelineId: pipeline.body.id })).status, 204);
    assert.equal((await call("getPipeline", { pipelineId: pipeline.body.id })).status, 404);
  });
});
