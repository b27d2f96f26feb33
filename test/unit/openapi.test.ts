/**
 * The OpenAPI document stays true: every API route the app serves is described (and nothing
 * that is not served), and the committed openapi/openapi.json is what the code generates.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config/load.ts";
import { createApp, VERSION } from "../../src/http/app.ts";
import type { HttpDeps } from "../../src/http/context.ts";
import { buildOpenApi } from "../../src/http/openapi.ts";

/** Routes that serve pages, not API. */
const PAGES = new Set(["/", "/publish/{stream}", "/play/{stream}", "/static/{file}", "/docs", "/docs/openapi-explorer.min.js"]);

function servedRoutes(): Set<string> {
  const deps = { config: loadConfig({ env: {} }), log: pino({ level: "silent" }) } as unknown as HttpDeps;
  const routes = new Set<string>();
  for (const route of createApp(deps).routes) {
    if (route.method === "ALL") continue; // middleware
    const path = route.path.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1");
    if (PAGES.has(path)) continue;
    routes.add(`${route.method.toLowerCase()} ${path}`);
  }
  return routes;
}

describe("OpenAPI document", () => {
  it("describes exactly the API routes the app serves", () => {
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(buildOpenApi(VERSION).paths ?? {})) {
      for (const method of ["get", "head", "post", "put", "patch", "delete", "options"]) {
        if ((item as Record<string, unknown>)[method]) documented.add(`${method} ${path}`);
      }
    }
    const served = servedRoutes();
    assert.deepEqual([...served].filter((route) => !documented.has(route)), [], "served but not documented");
    assert.deepEqual([...documented].filter((route) => !served.has(route)), [], "documented but not served");
  });

  it("is committed up to date (run `npm run openapi`)", () => {
    const committed = readFileSync(new URL("../../openapi/openapi.json", import.meta.url), "utf8");
    assert.equal(committed, `${JSON.stringify(buildOpenApi(VERSION), null, 2)}\n`);
  });
});
