/**
 * Kurento's ServerManager (`manager_ServerManager`): what kurento-client asks right after
 * connecting — `getInfo`, whose module list must name core, elements and filters or the client
 * refuses to start (notes/kurento-protocol.md §1.8) — plus the pipelines and sessions it
 * knows, the kmd definitions, and the host's CPU and memory figures.
 */
import { availableParallelism, cpus, freemem, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { KmdCatalogue } from "../domain/catalogue/kmd.ts";
import type { PipelineService } from "../domain/pipelines.ts";
import { KurentoError } from "./errors.ts";

const KMD_FILES: Record<string, [string, string]> = {
  core: ["kurento-client-core", "core.kmd.json"],
  elements: ["kurento-client-elements", "elements.kmd.json"],
  filters: ["kurento-client-filters", "filters.kmd.json"],
};

function cpuTime(): number {
  return cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

function idleTime(): number {
  return cpus().reduce((sum, cpu) => sum + cpu.times.idle, 0);
}

export class ServerManager {
  readonly #catalogue: KmdCatalogue;
  readonly #pipelines: PipelineService;
  readonly #sessions: () => string[];
  readonly #started = new Date().toISOString();

  constructor(catalogue: KmdCatalogue, pipelines: PipelineService, sessions: () => string[]) {
    this.#catalogue = catalogue;
    this.#pipelines = pipelines;
    this.#sessions = sessions;
  }

  info(): Record<string, unknown> {
    return {
      __module__: "kurento",
      __type__: "ServerInfo",
      version: "7.3.0",
      type: "KMS",
      capabilities: ["transactions"],
      modules: this.#catalogue.modules.map((module) => ({
        __module__: "kurento",
        __type__: "ModuleInfo",
        name: module.name,
        version: module.version,
        generationTime: this.#started,
        factories: this.#catalogue.classNames().filter((name) => this.#catalogue.get(name)!.module === module.name && !this.#catalogue.get(name)!.abstract),
      })),
    };
  }

  /** `invoke` on the ServerManager; returns the value in wire form (pipelines as domain ids). */
  async invoke(operation: string, params: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case "getInfo":
        return this.info();
      case "getPipelines":
        return this.#pipelines.listPipelines({ limit: 100_000 }).items.map((pipeline) => pipeline.id);
      case "getSessions":
        return this.#sessions();
      case "getMetadata":
        return "";
      case "getKmd": {
        const file = KMD_FILES[String(params.moduleName)];
        if (!file) throw new KurentoError(40500, `no kmd for module ${String(params.moduleName)}`);
        const root = dirname(createRequire(import.meta.url).resolve(`${file[0]}/package.json`));
        return readFileSync(join(root, "src", file[1]), "utf8");
      }
      case "getCpuCount":
        return availableParallelism();
      case "getUsedCpu": {
        const interval = Math.min(5000, Math.max(0, Number(params.interval ?? 1000)));
        const [busy, idle] = [cpuTime(), idleTime()];
        await new Promise((resolve) => setTimeout(resolve, interval));
        const [busyDelta, idleDelta] = [cpuTime() - busy, idleTime() - idle];
        return busyDelta + idleDelta === 0 ? 0 : (100 * busyDelta) / (busyDelta + idleDelta);
      }
      case "getUsedMemory":
        return Math.round((totalmem() - freemem()) / 1024);
      default:
        throw new KurentoError(40008, `Method '${operation}' with ${Object.keys(params).length} parameters not found`);
    }
  }
}
