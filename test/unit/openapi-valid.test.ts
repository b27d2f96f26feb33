/**
 * The OpenAPI document is valid OpenAPI 3.1, as a validator from npm judges it, both as the code
 * builds it and as committed at openapi/openapi.json. @readme/openapi-parser checks the document
 * against the OAS 3.1 schema plus the rules that schema cannot express (unique operationIds, path
 * templates matching declared path parameters, resolvable `$ref`s). The OAS schema leaves Schema
 * Objects unchecked (it defers to the JSON Schema dialect), so each one is also checked against the
 * JSON Schema 2020-12 meta-schema with Ajv: a `type: "strnig"` fails here, not in a user's client
 * generator. Broken copies of the document must fail, so the checks are known to bite.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { VERSION } from "../../src/http/app.ts";
import { buildOpenApi } from "../../src/http/openapi.ts";

type Json = Record<string, unknown>;

/** Internal `$ref`s only: validation must never read a file or reach the network. */
const PARSER_OPTIONS = { resolve: { external: false } };

const ajv = new Ajv2020({ strict: false });

/** Schema Objects: components.schemas entries and every `schema` of a parameter, header or media type. */
function schemaObjects(document: Json): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  const components = (document.components as Json | undefined)?.schemas as Json | undefined;
  for (const [name, schema] of Object.entries(components ?? {})) found.push([`#/components/schemas/${name}`, schema]);
  const walk = (value: unknown, pointer: string) => {
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      const path = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (key === "schema" && child !== null && typeof child === "object") found.push([path, child]);
      else walk(child, path);
    }
  };
  walk(document.paths, "#/paths");
  walk((document.components as Json | undefined)?.parameters, "#/components/parameters");
  walk((document.components as Json | undefined)?.responses, "#/components/responses");
  return found;
}

/** Every problem found, as readable text; empty when the document is valid. */
async function problemsOf(document: unknown): Promise<string[]> {
  const problems: string[] = [];
  // The parser dereferences what it is given in place; it gets its own copy.
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0], PARSER_OPTIONS);
  if (!result.valid) problems.push(compileErrors(result));
  for (const [pointer, schema] of schemaObjects(document as Json)) {
    if (!ajv.validateSchema(schema as object)) problems.push(`${pointer}: ${ajv.errorsText(ajv.errors)}`);
  }
  return problems;
}

const built = () => structuredClone(buildOpenApi(VERSION)) as unknown as Json;

describe("OpenAPI document validity", () => {
  it("the document buildOpenApi() serves at /openapi.json is valid OpenAPI 3.1", async () => {
    const document = built();
    assert.equal(document.openapi, "3.1.0");
    assert.deepEqual(await problemsOf(document), []);
  });

  it("the committed openapi/openapi.json is valid OpenAPI 3.1", async () => {
    const committed = JSON.parse(readFileSync(new URL("../../openapi/openapi.json", import.meta.url), "utf8")) as Json;
    assert.deepEqual(await problemsOf(committed), []);
  });

  const breakages: Array<[string, (document: Json) => void, RegExp]> = [
    ["a response without its description", (d) => delete (d as any).paths["/healthz"].get.responses["200"].description, /description/],
    ["two operations with one operationId", (d) => ((d as any).paths["/healthz"].get.operationId = (d as any).paths["/openapi.json"].get.operationId), /operationId/],
    ["a path template whose parameter is not declared", (d) => ((d as any).paths["/healthz/{probe}"] = (d as any).paths["/healthz"]), /path parameter/],
    ["a $ref to a schema that does not exist", (d) => ((d as any).components.schemas.Problem = { $ref: "#/components/schemas/Nowhere" }), /Nowhere/],
    ["a schema with a misspelt type", (d) => ((d as any).components.schemas.Problem.properties.status.type = "integr"), /components\/schemas\/Problem.*type/],
    ["a field OpenAPI does not define", (d) => ((d as any).info.licence = "MIT"), /licence|unevaluated/i],
  ];
  for (const [what, breakIt, reported] of breakages) {
    it(`rejects a copy with ${what}`, async () => {
      const document = built();
      breakIt(document);
      const problems = await problemsOf(document);
      assert.ok(problems.length > 0, "the broken document was accepted");
      assert.match(problems.join("\n"), reported);
    });
  }
});
