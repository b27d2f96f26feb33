/**
 * Sends domain events to Kurento clients as `onEvent` notifications: once per session, object
 * and event type however many subscriptions there are, only to sessions bound to a socket (KMS
 * drops events for a detached session), in Kurento's format — `source`, `timestampMillis` as a
 * string, `tags`, `type`, and references as Kurento ids (notes/kurento-protocol.md §1.5).
 */
import type { DomainEvent, DomainEventBus } from "../domain/events.ts";
import { EVENT_FIELD_TYPES, kurentoEvents } from "./events.ts";
import { type KurentoIds, SERVER_MANAGER_ID } from "./ids.ts";
import { notificationFrame } from "./jsonrpc.ts";
import type { SessionRegistry } from "./sessions.ts";
import type { KurentoValues } from "./values.ts";

/** The tags an object's events carry: its tags when `sendTagsInEvents` is on, else none. */
export type EventTags = (objectId: string) => Array<{ key: string; value: string }>;

export class KurentoNotifier {
  readonly #sessions: SessionRegistry;
  readonly #tags: EventTags;
  readonly #ids: KurentoIds;
  readonly #values: KurentoValues;
  readonly #bus: DomainEventBus;
  readonly #listener = (event: DomainEvent) => this.#deliver(event);

  constructor(bus: DomainEventBus, sessions: SessionRegistry, ids: KurentoIds, values: KurentoValues, tags: EventTags) {
    this.#bus = bus;
    this.#tags = tags;
    this.#sessions = sessions;
    this.#ids = ids;
    this.#values = values;
  }

  start(): void {
    this.#bus.on("event", this.#listener);
  }

  stop(): void {
    this.#bus.off("event", this.#listener);
  }

  /** Kurento id of the object an event is about; a released element's is rebuilt from the event. */
  #kurentoId(event: DomainEvent, objectId: string): string {
    if (objectId === SERVER_MANAGER_ID) return objectId;
    if (event.type === "element.released" && objectId === event.objectId) {
      return `${event.pipelineId}_kurento.MediaPipeline/${objectId}_kurento.${(event.data as { type: string }).type}`;
    }
    if (event.type === "pipeline.released" && objectId === event.objectId) return `${objectId}_kurento.MediaPipeline`;
    return this.#ids.toKurento(objectId);
  }

  #deliver(event: DomainEvent): void {
    for (const kurentoEvent of kurentoEvents(event)) {
      const listeners = [...this.#sessions.all()].filter((session) => session.socket && session.subscribed(kurentoEvent.objectId, kurentoEvent.type));
      if (listeners.length === 0) continue;
      const source = this.#kurentoId(event, kurentoEvent.objectId);
      const fields = EVENT_FIELD_TYPES[kurentoEvent.type] ?? {};
      const tags = kurentoEvent.objectId === SERVER_MANAGER_ID ? [] : this.#tags(kurentoEvent.objectId).map((tag) => ({ __module__: "kurento", __type__: "Tag", ...tag }));
      const data: Record<string, unknown> = { source, tags, timestampMillis: String(event.at), type: kurentoEvent.type };
      for (const [name, value] of Object.entries(kurentoEvent.data)) {
        if (name === "objectId") data.objectId = this.#kurentoId(event, String(value));
        else data[name] = fields[name] ? this.#values.outbound(fields[name], value) : value;
      }
      const frame = notificationFrame("onEvent", { value: { data, object: source, type: kurentoEvent.type } });
      for (const session of listeners) session.socket!.send(frame);
    }
    if (event.type === "element.released" || event.type === "pipeline.released") this.#sessions.forget(event.objectId ?? "");
  }
}
