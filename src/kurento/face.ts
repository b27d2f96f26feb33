/**
 * Assembles the Kurento face of Pipewright — ids, value conversion, sessions, the ServerManager,
 * the protocol methods, event notifications and the WebSocket endpoint — over the same domain
 * services the REST API uses.
 */
import type { Server } from "node:http";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { AccessControl } from "../domain/access.ts";
import type { DomainEventBus } from "../domain/events.ts";
import type { OperationService } from "../domain/operations.ts";
import type { PipelineService } from "../domain/pipelines.ts";
import { KurentoGateway } from "./gateway.ts";
import { KurentoIds } from "./ids.ts";
import { KurentoProtocol } from "./methods.ts";
import { KurentoNotifier } from "./notifier.ts";
import { ServerManager } from "./server-manager.ts";
import { SessionRegistry } from "./sessions.ts";
import { KurentoValues } from "./values.ts";

export interface KurentoFace {
  sessions: SessionRegistry;
  attach(server: Server): void;
  stop(): void;
}

export interface KurentoFaceDeps {
  config: Config;
  pipelines: PipelineService;
  operations: OperationService;
  access: AccessControl;
  events: DomainEventBus;
  log: Logger;
}

export function createKurentoFace(deps: KurentoFaceDeps): KurentoFace {
  const { config, pipelines, operations } = deps;
  const catalogue = pipelines.catalogue;
  const ids = new KurentoIds(pipelines);
  const values = new KurentoValues(catalogue, ids);
  const sessions = new SessionRegistry({
    graceMs: config.kurento.sessionGraceMs,
    release: (id) => pipelines.releaseObject(id),
  });
  const serverManager = new ServerManager(catalogue, pipelines, () => [...sessions.all()].map((session) => session.id));
  const protocol = new KurentoProtocol({ pipelines, operations, catalogue, sessions, ids, values, serverManager, maxObjectsPerSession: config.kurento.maxObjectsPerSession });
  const notifier = new KurentoNotifier(deps.events, sessions, ids, values, (objectId) => operations.eventTags(objectId));
  const gateway = new KurentoGateway(
    { protocol, sessions, access: deps.access, log: deps.log },
    { path: config.kurento.path, maxFrameBytes: config.kurento.maxFrameBytes, allowOrigins: config.kurento.allowOrigins },
  );
  notifier.start();
  sessions.start();
  return {
    sessions,
    attach: (server) => gateway.attach(server),
    stop() {
      gateway.close();
      sessions.stop();
      notifier.stop();
    },
  };
}
