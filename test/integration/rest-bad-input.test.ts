/**
 * Bad input to every REST route, generated from the route table so a new route cannot skip it:
 * no token (401 + WWW-Authenticate), a token of a scope the route does not take (403), and for routes with a body
 * a wrong Content-Type (415), malformed JSON, a body of the wrong type and an unknown field (all
 * 400 problem+json). None of them may write anything to the database.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiRoutes } from "../../src/http/api/routes.ts";
import type { HttpDeps } from "../../src/http/context.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const ROUTES = apiRoutes({} as HttpDeps);
const PATH_VALUES: Record<string, string> = { connectionId: "1", operation: "getName", webhookId: "no-such-webhook" };

function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => PATH_VALUES[name] ?? "00000000-0000-4000-8000-000000000000");
}

describe("bad input to every REST route", () => {
  let server: TestServer;
  let admin: string;
  let scoped: Record<"play" | "publish", string>;
  let tables: string[];
  const counts = () => {
    return Object.fromEntries(tables.map((table) => [table, (server.db.$client.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n]));
  };

  before(async () => {
    server = await startTestServer();
    admin = server.access.createToken({ name: "admin", scope: "admin" }).token;
    scoped = {
      play: server.access.createToken({ name: "viewer", scope: "play" }).token,
      publish: server.access.createToken({ name: "obs", scope: "publish" }).token,
    };
    tables = (server.db.$client.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as Array<{ name: string }>).map((row) => row.name);
  });
  after(async () => {
    await server.close();
  });

  async function send(route: (typeof ROUTES)[number], headers: Record<string, string>, body?: string) {
    const response = await fetch(`${server.url}${concrete(route.path)}`, { method: route.method.toUpperCase(), headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  function assertProblem(response: { status: number; headers: Headers; text: string }, status: number, label: string) {
    assert.equal(response.status, status, `${label}: ${response.text}`);
    assert.equal(response.headers.get("content-type"), "application/problem+json", label);
    assert.equal(JSON.parse(response.text).status, status, label);
  }

  it("refuses every route without a token and with a token of another scope, writing nothing", async () => {
    const before = counts();
    assert.ok(ROUTES.length >= 20, `${ROUTES.length} routes`);
    for (const route of ROUTES) {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const body = route.body ? "{}" : undefined;
      const json: Record<string, string> = route.body ? { "Content-Type": "application/json" } : {};
      const anonymous = await send(route, json, body);
      assertProblem(anonymous, 401, `${label} without a token`);
      assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="pipewright"');
      // A token of a scope the route does not take (routes open to publish and play take every scope).
      const refused = (["play", "publish"] as const).find((scope) => !([] as string[]).concat(route.access).includes(scope));
      if (refused) assertProblem(await send(route, { ...json, Authorization: `Bearer ${scoped[refused]}` }, body), 403, `${label} with a ${refused} token`);
      assertProblem(await send(route, { ...json, Authorization: "Bearer pw_forged" }, body), 401, `${label} with a forged token`);
    }
    assert.deepEqual(counts(), before);
  });

  it("refuses malformed bodies on every route that takes one, writing nothing", async () => {
    const before = counts();
    const withBody = ROUTES.filter((route) => route.body);
    assert.ok(withBody.length >= 8, `${withBody.length} routes take a body`);
    for (const route of withBody) {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const auth = { Authorization: `Bearer ${admin}` };
      assertProblem(await send(route, { ...auth, "Content-Type": "text/plain" }, "{}"), 415, `${label} text/plain`);
      assertProblem(await send(route, { ...auth, "Content-Type": "application/json" }, "{not json"), 400, `${label} malformed JSON`);
      assertProblem(await send(route, { ...auth, "Content-Type": "application/json" }, "[1, 2]"), 400, `${label} an array`);
      const unknown = await send(route, { ...auth, "Content-Type": "application/json" }, JSON.stringify({ surelyNotAField: true }));
      assertProblem(unknown, 400, `${label} unknown field`);
      assert.match(JSON.parse(unknown.text).detail, /surelyNotAField|Unrecognized key/i, `${label} names the field`);
      assertProblem(await send(route, { ...auth, "Content-Type": "application/json" }, `{"x":"${"y".repeat(70 * 1024)}"}`), 413, `${label} too large`);
    }
    assert.deepEqual(counts(), before);
  });

  it("answers semantic errors with their documented status", async () => {
    const auth = { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" };
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { code: string; detail: string } };
    };
    const pipeline = (await call("POST", "/v1/pipelines", { name: "semantics" })).body as unknown as { id: string };
    const before = counts();
    const base = `/v1/pipelines/${pipeline.id}`;
    const cases: Array<[string, string, unknown, number, string, RegExp]> = [
      ["POST", `${base}/elements`, { type: "NoSuchThing" }, 422, "UNKNOWN_TYPE", /Factory 'NoSuchThing' not found/],
      ["POST", `${base}/elements`, { type: "FaceOverlayFilter" }, 501, "NOT_IMPLEMENTED", /FaceOverlayFilter analyses decoded video/],
      ["POST", `${base}/elements`, { type: "Composite" }, 501, "NOT_IMPLEMENTED", /Composite mixes video/],
      ["POST", `${base}/elements`, { type: "WebRtcEndpoint", params: { recvonly: "yes" } }, 400, "INVALID_REQUEST", /'recvonly' parameter should be a boolean/],
      ["POST", `${base}/elements`, { type: "WebRtcEndpoint", params: { bogus: 1 } }, 400, "INVALID_REQUEST", /no constructor parameter bogus/],
      ["POST", `${base}/elements`, { type: "HubPort" }, 400, "INVALID_REQUEST", /'hub' parameter is required/],
      ["POST", `${base}/elements`, { type: "RecorderEndpoint", params: { uri: "file:///tmp/x.webm", mediaProfile: "AVI" } }, 400, "INVALID_REQUEST", /mediaProfile.*one of WEBM/],
      ["POST", `${base}/elements`, { type: "WebRtcEndpoint", properties: { maxVideoSendBandwidth: "fast" } }, 400, "INVALID_REQUEST", /should be an int/],
      ["POST", "/v1/pipelines/nope/elements", { type: "PassThrough" }, 404, "NOT_FOUND", /no MediaPipeline nope/],
      ["POST", `${base}/connections`, { source: "a", sink: "b" }, 404, "NOT_FOUND", /no MediaElement a/],
      ["GET", `${base}/connections/99`, undefined, 404, "NOT_FOUND", /no route|no connection/],
    ];
    for (const [method, path, body, status, code, detail] of cases) {
      const response = await call(method, path, body);
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
      if (status !== 404 || response.body.code === code) assert.equal(response.body.code, code);
      assert.match(response.body.detail, detail);
    }
    assert.deepEqual(counts(), before, "refused requests wrote nothing");

    const endpoint = (await call("POST", `${base}/elements`, { type: "WebRtcEndpoint" })).body as unknown as { id: string };
    const readOnly = await call("PATCH", `${base}/elements/${endpoint.id}`, { properties: { mediaState: "CONNECTED" } });
    assert.equal(readOnly.status, 400);
    assert.match(readOnly.body.detail, /mediaState is read-only/);
    const unknownProperty = await call("PATCH", `${base}/elements/${endpoint.id}`, { properties: { maxVideoSendBandwidth: 900, warpSpeed: 9 } });
    assert.equal(unknownProperty.status, 400);
    assert.match(unknownProperty.body.detail, /has no property warpSpeed/);
    assert.equal((await call("GET", `${base}/elements/${endpoint.id}`)).body instanceof Object, true);
    const stored = server.db.$client.prepare("select properties from media_elements where id = ?").get(endpoint.id) as { properties: string };
    assert.equal(JSON.parse(stored.properties).maxVideoSendBandwidth, undefined, "a refused PATCH changes no property, not even the valid one");
    const answerFirst = await call("POST", `${base}/elements/${endpoint.id}/process-answer`, { answer: "v=0\r\n" });
    assert.equal(answerFirst.status, 409);
    const unknownOperation = await call("POST", `${base}/elements/${endpoint.id}/invoke/fly`, {});
    assert.equal(unknownOperation.status, 404);
    assert.equal(unknownOperation.body.code, "UNKNOWN_OPERATION");
    const notImplemented = await call("POST", `${base}/elements/${endpoint.id}/invoke/createDataChannel`, {});
    assert.equal(notImplemented.status, 501);
  });
});
