/**
 * The typed events of the domain: every state change an adapter or operator may care about.
 * One in-process bus per server; REST event streams, webhooks and the Kurento `onEvent`
 * notifications are all fed from it.
 */
import { EventEmitter } from "node:events";
import type { SessionRole } from "../store/sessions.ts";
import type { SessionState } from "../store/schema.ts";

export interface DomainEvents {
  "pipeline.created": [{ pipelineId: string; origin: string; name: string | null }];
  "pipeline.released": [{ pipelineId: string }];
  "element.created": [{ pipelineId: string; elementId: string; type: string }];
  "element.released": [{ pipelineId: string; elementId: string }];
  "element.connected": [{ pipelineId: string; sourceId: string; sinkId: string; mediaType: string | null }];
  "session.state": [{ sessionId: string; stream: string; role: SessionRole; state: SessionState; reason?: string }];
  "worker.died": [{ slot: number; pid: number | undefined; reason: string; pipelineIds: string[] }];
  "worker.started": [{ slot: number; pid: number | undefined }];
}

export class DomainEventBus extends EventEmitter<DomainEvents> {}
