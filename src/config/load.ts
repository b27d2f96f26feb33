/**
 * Builds the effective configuration: embedded defaults < YAML file < environment.
 * Every `PIPEWRIGHT_*` variable maps to one schema path (`webrtc.portRange` ↔
 * `PIPEWRIGHT_WEBRTC_PORT_RANGE`); a variable that maps to nothing, or a value the schema
 * refuses, is a ConfigError naming the setting, so a typo stops start-up instead of being
 * silently ignored. Kurento's ICE settings (a `kurento:` section, KMS_* variables) are folded
 * into the same layers first (kurento.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { KurentoConfigError, kurentoSettingsFromEnv, type Note, withKurentoSettings } from "./kurento.ts";
import { configSchema, type Config } from "./schema.ts";

export const ENV_PREFIX = "PIPEWRIGHT_";
/** Variables that steer loading itself rather than naming a setting. */
const META_VARIABLES = new Set([`${ENV_PREFIX}CONFIG`]);

export class ConfigError extends Error {
  override name = "ConfigError";
}

type LeafKind = "number" | "boolean" | "string" | "list" | "json";

interface Leaf {
  path: string[];
  kind: LeafKind;
}

/** `portRange` → `PORT_RANGE`. */
function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

export function envName(path: string[]): string {
  return ENV_PREFIX + path.map(envSegment).join("_");
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } };
  for (;;) {
    const { type } = current.def;
    if ((type === "default" || type === "optional" || type === "prefault" || type === "nullable") && current.def.innerType) {
      current = current.def.innerType as typeof current;
    } else if (type === "pipe" && current.def.in) {
      current = current.def.in as typeof current;
    } else {
      return current;
    }
  }
}

/** Every settable leaf of the schema with the shape its environment value is read as. */
export function settingLeaves(schema: z.ZodType = configSchema, prefix: string[] = []): Leaf[] {
  const inner = unwrap(schema) as z.ZodType & { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType } };
  const type = inner.def.type;
  if (type === "object") {
    return Object.entries(inner.def.shape ?? {}).flatMap(([key, child]) => settingLeaves(child, [...prefix, key]));
  }
  if (type === "number") return [{ path: prefix, kind: "number" }];
  if (type === "boolean") return [{ path: prefix, kind: "boolean" }];
  if (type === "tuple") return [{ path: prefix, kind: "list" }];
  if (type === "array") {
    const elementType = unwrap(inner.def.element as z.ZodType) as z.ZodType & { def: { type: string } };
    return [{ path: prefix, kind: elementType.def.type === "object" ? "json" : "list" }];
  }
  return [{ path: prefix, kind: type === "string" || type === "enum" ? "string" : "json" }];
}

function parseEnvValue(leaf: Leaf, raw: string, name: string): unknown {
  switch (leaf.kind) {
    case "string":
      return raw;
    case "number": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value)) throw new ConfigError(`${name}: "${raw}" is not a number`);
      return value;
    }
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${name}: "${raw}" is not a boolean (true/false)`);
    case "list": {
      if (raw.trim().startsWith("[")) return parseJson(raw, name);
      const items = raw.split(/[,\s]+|(?<=\d)-(?=\d)/).filter((item) => item !== "");
      return items.map((item) => (/^-?\d+(\.\d+)?$/.test(item) ? Number(item) : item));
    }
    case "json":
      return parseJson(raw, name);
  }
}

function parseJson(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name}: value is not valid JSON`);
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Settings named by `PIPEWRIGHT_*` variables, as a partial config object. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const leaves = new Map(settingLeaves().map((leaf) => [envName(leaf.path), leaf]));
  const result: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || META_VARIABLES.has(name) || raw === undefined) continue;
    const leaf = leaves.get(name);
    if (!leaf) throw new ConfigError(`${name}: unknown setting (known: ${[...leaves.keys()].join(", ")})`);
    setPath(result, leaf.path, parseEnvValue(leaf, raw, name));
  }
  return result;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = merged[key];
    const bothObjects =
      typeof value === "object" && value !== null && !Array.isArray(value) &&
      typeof existing === "object" && existing !== null && !Array.isArray(existing);
    merged[key] = bothObjects ? deepMerge(existing as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged;
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${file}: the top level must be a mapping`);
  return parsed as Record<string, unknown>;
}

/** The variable of the setting a path lies in (`webrtc.iceServers.0.urls` → PIPEWRIGHT_WEBRTC_ICE_SERVERS). */
function settingVariable(path: string[]): string | undefined {
  const names = new Set(settingLeaves().map((leaf) => envName(leaf.path)));
  for (let length = path.length; length > 0; length--) {
    const name = envName(path.slice(0, length));
    if (names.has(name)) return name;
  }
  return undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join(".") || "(root)";
      const leaf = settingVariable(issue.path.map(String));
      const variable = leaf ? ` (env ${leaf})` : "";
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((key) => [...issue.path, key].join(".")).join(", ");
        return `unknown setting ${keys}`;
      }
      return `${path}${variable}: ${issue.message}`;
    })
    .join("; ");
}

export interface LoadOptions {
  /** Explicit YAML file; otherwise `PIPEWRIGHT_CONFIG`, otherwise `./pipewright.yaml` if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings applied last (tests and the CLI). */
  overrides?: Record<string, unknown>;
  /** Told about settings that were read but have no effect (e.g. Kurento's externalIPv6). */
  onNote?: Note;
}

/** The YAML layer with its `kurento:` section translated. */
function fileLayer(file: string | undefined, note: Note): Record<string, unknown> {
  if (!file) return {};
  const { kurento, ...rest } = readYaml(file);
  if (kurento !== undefined && (typeof kurento !== "object" || kurento === null || Array.isArray(kurento))) {
    throw new ConfigError(`${file}: kurento must be a mapping of Kurento settings`);
  }
  // One `kurento:` section holds both the protocol endpoint's own settings (path,
  // sessionGraceMs, …) and Kurento's media-server settings, which are translated.
  const protocolKeys = new Set(Object.keys(configSchema.shape.kurento.unwrap().shape));
  const entries = Object.entries((kurento ?? {}) as Record<string, unknown>);
  const protocol = Object.fromEntries(entries.filter(([key]) => protocolKeys.has(key)));
  const mediaServer = Object.fromEntries(entries.filter(([key]) => !protocolKeys.has(key)));
  const layer = Object.keys(protocol).length > 0 ? { ...rest, kurento: protocol } : rest;
  return withKurentoSettings(layer, mediaServer, { label: file, fromEnv: false, settingName: (path) => path }, note);
}

function envLayer(env: NodeJS.ProcessEnv, note: Note): Record<string, unknown> {
  return withKurentoSettings(configFromEnv(env), kurentoSettingsFromEnv(env, note), { label: "environment", fromEnv: true, settingName: (path) => envName(path.split(".")) }, note);
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env[`${ENV_PREFIX}CONFIG`] ?? (existsSync("pipewright.yaml") ? "pipewright.yaml" : undefined);
  if (file !== undefined && !existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  const note = options.onNote ?? (() => {});
  let raw: Record<string, unknown>;
  try {
    raw = deepMerge(deepMerge(fileLayer(file, note), envLayer(env, note)), options.overrides ?? {});
  } catch (error) {
    if (error instanceof KurentoConfigError) throw new ConfigError(error.message);
    throw error;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid configuration${file ? ` (${file})` : ""}: ${describeIssues(result.error)}`);
  return result.data;
}
