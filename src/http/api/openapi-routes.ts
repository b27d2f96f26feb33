/**
 * Turns ApiRoute definitions and the named-schema registry into OpenAPI 3.1 paths and
 * components (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). zod writes references to
 * named schemas as local `$defs`; they are pointed at `#/components/schemas` instead.
 */
import type { OpenApiBuilder, OperationObject, ParameterObject, ResponseObject, SchemaObject } from "openapi3-ts/oas31";
import { z } from "zod";
import type { ApiRoute } from "./route.ts";
import { apiSchemas } from "./schemas-registry.ts";


const COMPONENT = (id: string) => `#/components/schemas/${id}`;

/** Rewrites `#/$defs/X` references to components and drops zod's `$defs`/`$schema`/`$id`. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$defs" || key === "$schema" || key === "$id") continue;
    result[key] = key === "$ref" && typeof item === "string" ? item.replace(/^#\/\$defs\//, "#/components/schemas/") : toComponentRefs(item);
  }
  return result;
}

export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "output"): SchemaObject {
  return toComponentRefs(z.toJSONSchema(schema, { io, unrepresentable: "any" })) as SchemaObject;
}

function parameters(schema: z.ZodObject<z.ZodRawShape> | undefined, location: "path" | "query"): ParameterObject[] {
  if (!schema) return [];
  const json = jsonSchema(schema, "input") as { properties?: Record<string, SchemaObject & { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (json.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

const PROBLEM: ResponseObject = {
  description: "Problem details (RFC 9457)",
  content: { "application/problem+json": { schema: { $ref: COMPONENT("Problem") } } },
};

function operation(route: ApiRoute): OperationObject {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const content = {
      ...(response.schema ? { "application/json": { schema: jsonSchema(response.schema) } } : {}),
      ...(response.contentType ? { [response.contentType]: { schema: { type: "string" as const } } } : {}),
    };
    const headers = response.headers ? Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: "string" as const } }])) : undefined;
    const problemContent = Number(status) >= 400 && Object.keys(content).length === 0 ? PROBLEM.content : undefined;
    responses[status] = { description: response.description, ...(Object.keys(content).length > 0 ? { content } : problemContent ? { content: problemContent } : {}), ...(headers ? { headers } : {}) };
  }
  responses["400"] ??= { ...PROBLEM, description: "Invalid request: malformed JSON, wrong types or unknown fields." };
  responses["401"] ??= { ...PROBLEM, description: "Tokens exist and no valid bearer token was sent." };
  responses["403"] ??= { ...PROBLEM, description: `The token lacks the ${typeof route.access === "string" ? route.access : route.access.join(" or ")} right, or (no tokens) the client is not on loopback.` };
  if (route.params) responses["404"] ??= { ...PROBLEM, description: "No such object." };
  if (route.path.startsWith("/v1/pipelines/")) responses["503"] ??= { ...PROBLEM, description: "No media worker is available." };
  if (route.body) responses["413"] ??= { ...PROBLEM, description: "The body is larger than `http.bodyLimit`." };
  if (route.body) responses["415"] ??= { ...PROBLEM, description: "The body is not application/json." };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: [{ bearer: [] }, {}],
    parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body, "input") } } } } : {}),
    responses,
  };
}

export function addRoutes(builder: OpenApiBuilder, routes: readonly ApiRoute[]): void {
  const paths = new Map<string, Record<string, OperationObject>>();
  for (const route of routes) {
    const item = paths.get(route.path) ?? {};
    item[route.method] = operation(route);
    paths.set(route.path, item);
  }
  for (const [path, item] of paths) builder.addPath(path, item);
  const components = z.toJSONSchema(apiSchemas, { uri: COMPONENT, unrepresentable: "any" }) as { schemas: Record<string, unknown> };
  for (const [id, schema] of Object.entries(components.schemas)) builder.addSchema(id, toComponentRefs(schema) as SchemaObject);
}
