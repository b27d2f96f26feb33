/**
 * Kurento's object model, read from Kurento's own interface definitions — the kmd.json files
 * shipped in the npm packages kurento-client-core, -elements and -filters (7.3.0) — never
 * retyped. For every remote class it answers what Kurento clients and the REST API need: the
 * ancestry (`describe`'s hierarchy), constructor parameters, and the properties, methods and
 * events including those inherited. Complex types (enums and registers) are kept for value
 * validation (values.ts).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface KmdParam {
  name: string;
  type: string;
  optional?: boolean;
  defaultValue?: unknown;
  doc?: string;
}

export interface KmdProperty extends KmdParam {
  readOnly?: boolean;
  final?: boolean;
}

export interface KmdMethod {
  name: string;
  params: KmdParam[];
  return?: { type: string };
  doc?: string;
}

interface KmdClass {
  name: string;
  extends?: string;
  abstract?: boolean;
  constructor?: { params: KmdParam[] };
  properties?: KmdProperty[];
  methods?: KmdMethod[];
  events?: string[];
  doc?: string;
}

export interface KmdComplexType {
  name: string;
  typeFormat: "ENUM" | "REGISTER";
  values?: string[];
  properties?: KmdProperty[];
  extends?: string;
}

interface KmdEvent {
  name: string;
  extends?: string;
  properties?: KmdProperty[];
}

interface KmdModule {
  name: string;
  version: string;
  remoteClasses: KmdClass[];
  complexTypes: KmdComplexType[];
  events: KmdEvent[];
}

/** A remote class with everything it inherits resolved. */
export interface RemoteClass {
  name: string;
  module: string;
  abstract: boolean;
  /** Qualified ancestors, nearest first: `["kurento.BaseRtpEndpoint", …, "kurento.MediaObject"]`. */
  hierarchy: string[];
  constructorParams: KmdParam[];
  properties: Map<string, KmdProperty>;
  methods: Map<string, KmdMethod>;
  events: Set<string>;
  doc: string;
}

const PACKAGES = [
  ["kurento-client-core", "core.kmd.json"],
  ["kurento-client-elements", "elements.kmd.json"],
  ["kurento-client-filters", "filters.kmd.json"],
] as const;

function loadModules(): KmdModule[] {
  const require = createRequire(import.meta.url);
  return PACKAGES.map(([pkg, file]) => {
    const root = dirname(require.resolve(`${pkg}/package.json`));
    return JSON.parse(readFileSync(join(root, "src", file), "utf8")) as KmdModule;
  });
}

export class KmdCatalogue {
  readonly modules: Array<{ name: string; version: string }>;
  readonly #raw = new Map<string, { cls: KmdClass; module: string }>();
  readonly #classes = new Map<string, RemoteClass>();
  readonly complexTypes = new Map<string, KmdComplexType>();
  readonly #events = new Map<string, KmdEvent>();

  constructor(modules: KmdModule[] = loadModules()) {
    this.modules = modules.map((module) => ({ name: module.name, version: module.version }));
    for (const module of modules) {
      for (const cls of module.remoteClasses) this.#raw.set(cls.name, { cls, module: module.name });
      for (const type of module.complexTypes) this.complexTypes.set(type.name, type);
      for (const event of module.events) this.#events.set(event.name, event);
    }
  }

  /** `kurento.WebRtcEndpoint` or `WebRtcEndpoint` → the class, or undefined. */
  get(name: string): RemoteClass | undefined {
    const bare = name.replace(/^kurento\./, "");
    const cached = this.#classes.get(bare);
    if (cached) return cached;
    const entry = this.#raw.get(bare);
    if (!entry) return undefined;
    const parent = entry.cls.extends ? this.get(entry.cls.extends) : undefined;
    const resolved: RemoteClass = {
      name: bare,
      module: entry.module,
      abstract: entry.cls.abstract === true,
      hierarchy: parent ? [`kurento.${parent.name}`, ...parent.hierarchy] : [],
      constructorParams: entry.cls.constructor?.params ?? [],
      properties: new Map([...(parent?.properties ?? []), ...(entry.cls.properties ?? []).map((p) => [p.name, p] as const)]),
      methods: new Map([...(parent?.methods ?? []), ...(entry.cls.methods ?? []).map((m) => [m.name, m] as const)]),
      events: new Set([...(parent?.events ?? []), ...(entry.cls.events ?? [])]),
      doc: entry.cls.doc ?? "",
    };
    this.#classes.set(bare, resolved);
    return resolved;
  }

  /** True when `name` is `ancestor` or inherits from it. */
  isA(name: string, ancestor: string): boolean {
    const cls = this.get(name);
    return cls !== undefined && (cls.name === ancestor || cls.hierarchy.includes(`kurento.${ancestor}`));
  }

  classNames(): string[] {
    return [...this.#raw.keys()];
  }

  /** The names of an event's fields, inherited ones included (Media → RaiseBase …). */
  eventProperties(name: string): KmdProperty[] {
    const event = this.#events.get(name);
    if (!event) return [];
    return [...(event.extends ? this.eventProperties(event.extends) : []), ...(event.properties ?? [])];
  }

  hasEvent(name: string): boolean {
    return this.#events.has(name);
  }
}

let shared: KmdCatalogue | undefined;

/** The catalogue of the installed Kurento interface definitions (loaded once). */
export function kurentoCatalogue(): KmdCatalogue {
  shared ??= new KmdCatalogue();
  return shared;
}
