/**
 * The JSON shapes of the event log and webhook API, registered as OpenAPI components, and the
 * mapping from rows to them. Times are ISO 8601 strings, as everywhere in the REST API; the
 * event envelope is the same object in SSE `data:`, in the log listing and in a webhook body.
 */
import { z } from "zod";
import type { LoggedEvent } from "../../domain/event-log.ts";
import { EVENT_TYPES } from "../../domain/events.ts";
import { eventEnvelope } from "../../domain/webhook-delivery.ts";
import type { WebhookWithStats } from "../../domain/webhooks.ts";
import type { DeliveryRow } from "../../store/webhook-deliveries.ts";
import type { WebhookRow } from "../../store/webhooks.ts";
import { named } from "../api/schemas-registry.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const EventTypeSchema = named("EventType", z.enum(EVENT_TYPES), "Kind of state change; Kurento's event names where one exists.");

export const EventSchema = named(
  "Event",
  z.object({
    id: z.number().int().min(1).describe("Monotonic id: the SSE `id`, `Last-Event-ID` and the webhook `Pipewright-Event-Id`."),
    type: EventTypeSchema,
    pipelineId: z.string().nullable().describe("The pipeline concerned, if any."),
    objectId: z.string().nullable().describe("The pipeline, element or session the event is about."),
    at: z.iso.datetime().describe("When it happened."),
    data: z.record(z.string(), z.unknown()).describe("Payload; its fields depend on `type`."),
  }),
  "A state change, as SSE streams it, the log lists it and a webhook receives it.",
);

export const EventPageSchema = named(
  "EventPage",
  z.object({
    events: z.array(EventSchema),
    nextAfter: z.number().int().describe("Pass as `after` to read the next page."),
    lastId: z.number().int().describe("The newest event id in the log (0 when empty)."),
  }),
);

export const NewWebhookSchema = named(
  "NewWebhook",
  z.strictObject({
    url: z.string().min(1).max(2048).describe("http or https URL that receives a signed POST per event."),
    eventTypes: z.array(EventTypeSchema).max(EVENT_TYPES.length).optional().describe("Types to deliver; omitted or empty = every type."),
    secret: z.string().min(16).max(256).optional().describe("HMAC-SHA256 signing key; a random one is generated when omitted."),
  }),
);

export const WebhookSchema = named(
  "Webhook",
  z.object({ id: z.string(), url: z.string(), eventTypes: z.array(EventTypeSchema), createdAt: z.iso.datetime() }),
);

export const WebhookCreatedSchema = named(
  "WebhookCreated",
  WebhookSchema.extend({ secret: z.string().describe("The signing secret. Shown only in this response.") }),
);

export const DeliveryStatsSchema = named(
  "WebhookDeliveryStats",
  z.object({
    pending: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    lastDeliveredAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable().describe("Status or error of the newest delivery attempt that did not succeed."),
  }),
);

export const WebhookDetailSchema = named("WebhookDetail", WebhookSchema.extend({ deliveries: DeliveryStatsSchema }));

export const DeliverySchema = named(
  "WebhookDelivery",
  z.object({
    id: z.number().int().describe("Also sent as `Pipewright-Delivery-Id`; stays the same across retries."),
    eventId: z.number().int(),
    state: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable().describe("When a pending delivery is tried next."),
    lastStatus: z.number().int().nullable().describe("HTTP status of the last attempt, if the receiver answered."),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  }),
);

export function eventJson(event: LoggedEvent): z.infer<typeof EventSchema> {
  return eventEnvelope(event) as z.infer<typeof EventSchema>;
}

export function webhookJson(row: WebhookRow): z.infer<typeof WebhookSchema> {
  return { id: row.id, url: row.url, eventTypes: row.eventTypes as z.infer<typeof WebhookSchema>["eventTypes"], createdAt: iso(row.createdAt)! };
}

export function webhookDetailJson(row: WebhookWithStats): z.infer<typeof WebhookDetailSchema> {
  return { ...webhookJson(row), deliveries: { ...row.deliveries, lastDeliveredAt: iso(row.deliveries.lastDeliveredAt) } };
}

export function deliveryJson(row: DeliveryRow): z.infer<typeof DeliverySchema> {
  return {
    id: row.id,
    eventId: row.eventId,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === "pending" ? iso(row.nextAttemptAt) : null,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: iso(row.createdAt)!,
    finishedAt: iso(row.finishedAt),
  };
}
