/**
 * Checks a value from outside against a kmd type name — `String`, `int`, `boolean`, enums such
 * as `MediaType`, registers such as `IceCandidate`, remote-object references such as
 * `MediaPipeline`, lists `X[]` and maps `X<>` — and returns it normalised (a remote object as
 * its id). A mismatch is an INVALID_REQUEST naming the parameter and the expected type, which
 * the Kurento face answers as 40001 MARSHALL_ERROR, as KMS does; a reference to an object of
 * the wrong class is OBJECT_TYPE_MISMATCH (40100, a TypeError in kurento-client).
 */
import { PipewrightError } from "../errors.ts";
import type { KmdCatalogue } from "./kmd.ts";

/** Looks up a remote object by id and returns its type name, or undefined. */
export type ObjectResolver = (id: string) => string | undefined;

const INT32 = 2 ** 31;

function fail(name: string, type: string, detail = ""): never {
  throw new PipewrightError("INVALID_REQUEST", `'${name}' parameter should be ${/^[AEIOU]/i.test(type) ? "an" : "a"} ${type}${detail}`);
}

export function checkValue(catalogue: KmdCatalogue, type: string, value: unknown, name: string, resolve: ObjectResolver): unknown {
  if (type.endsWith("[]")) {
    if (!Array.isArray(value)) fail(name, type);
    return value.map((item, index) => checkValue(catalogue, type.slice(0, -2), item, `${name}[${index}]`, resolve));
  }
  if (type.endsWith("<>")) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) fail(name, type);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, checkValue(catalogue, type.slice(0, -2), item, `${name}.${key}`, resolve)]));
  }
  switch (type) {
    case "String":
      if (typeof value !== "string") fail(name, "String");
      return value;
    case "boolean":
      if (typeof value !== "boolean") fail(name, "boolean");
      return value;
    case "int":
      if (!Number.isInteger(value) || (value as number) < -INT32 || (value as number) >= INT32) fail(name, "int");
      return value;
    case "int64":
      if (!Number.isSafeInteger(value)) fail(name, "int64");
      return value;
    case "float":
    case "double":
      if (typeof value !== "number" || !Number.isFinite(value)) fail(name, type);
      return value;
  }
  const complex = catalogue.complexTypes.get(type);
  if (complex?.typeFormat === "ENUM") {
    if (typeof value !== "string" || !complex.values!.includes(value)) fail(name, type, ` (one of ${complex.values!.join(", ")})`);
    return value;
  }
  if (complex?.typeFormat === "REGISTER") return checkRegister(catalogue, type, value, name, resolve);
  if (catalogue.get(type)) {
    if (typeof value !== "string") fail(name, type, " (an object id)");
    const actual = resolve(value);
    if (actual === undefined) throw new PipewrightError("NOT_FOUND", `Object '${value}' not found`);
    if (!catalogue.isA(actual, type)) throw new PipewrightError("OBJECT_TYPE_MISMATCH", `'${name}' parameter should be a ${type}, but ${value} is a ${actual}`);
    return value;
  }
  throw new PipewrightError("INTERNAL", `unknown kmd type ${type}`);
}

function registerProperties(catalogue: KmdCatalogue, type: string): Array<{ name: string; type: string; optional?: boolean }> {
  const complex = catalogue.complexTypes.get(type);
  if (!complex) return [];
  return [...(complex.extends ? registerProperties(catalogue, complex.extends) : []), ...(complex.properties ?? [])];
}

function checkRegister(catalogue: KmdCatalogue, type: string, value: unknown, name: string, resolve: ObjectResolver): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(name, type);
  const input = value as Record<string, unknown>;
  const properties = registerProperties(catalogue, type);
  const known = new Set(["__module__", "__type__", ...properties.map((property) => property.name)]);
  const unknown = Object.keys(input).filter((key) => !known.has(key));
  if (unknown.length > 0) fail(name, type, ` (unknown field ${unknown.join(", ")})`);
  const result: Record<string, unknown> = {};
  for (const property of properties) {
    if (input[property.name] === undefined) {
      if (!property.optional) fail(`${name}.${property.name}`, property.type, " (required)");
      continue;
    }
    result[property.name] = checkValue(catalogue, property.type, input[property.name], `${name}.${property.name}`, resolve);
  }
  return result;
}
