/**
 * `/v1/webhooks`: register a URL for event types, list, inspect (with delivery counts and the
 * recent deliveries) and delete. The signing secret is returned once, in the 201 of the POST.
 * Routes are thin: the rules are in domain/webhooks.ts, the sending in webhook-delivery.ts.
 */
import { z } from "zod";
import { type AppContext, type HttpDeps, publicBase } from "../context.ts";
import { type ApiRoute, route } from "../api/route.ts";
import {
  DeliverySchema,
  deliveryJson,
  NewWebhookSchema,
  WebhookCreatedSchema,
  WebhookDetailSchema,
  WebhookSchema,
  webhookDetailJson,
  webhookJson,
} from "./event-schemas.ts";

type WebhookDeps = Pick<HttpDeps, "webhooks" | "config">;

const WebhookParams = z.strictObject({ webhookId: z.string().min(1).max(100).describe("Webhook id.") });

const DeliveriesQuery = z.strictObject({
  limit: z.string().regex(/^\d{1,4}$/).describe("How many, newest first; default 50.").transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
});

const REGISTER_DESCRIPTION =
  "Each event of the chosen types is POSTed to `url` as JSON (the Event), with `Pipewright-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" keyed by the secret>`, " +
  "`Pipewright-Event-Id`, `Pipewright-Event-Type` and `Pipewright-Delivery-Id`. A 2xx answer within `webhooks.timeoutMs` is a delivery; anything else is retried with " +
  "exponential backoff (from `webhooks.retryBaseMs`, doubling, capped at `webhooks.retryMaxMs`, with jitter) up to `webhooks.maxAttempts`. Deliveries are kept in SQLite " +
  "and survive a restart; they arrive at least once and unordered (dedupe on the delivery id, order by the event id). Redirects are not followed. " +
  "Loopback and private-network URLs are allowed unless the operator sets `webhooks.allowPrivateAddresses: false` (only admins register webhooks, and the usual receiver " +
  "is an application server next to Pipewright).";

function location(c: AppContext, deps: WebhookDeps, id: string): string {
  return `${publicBase(c, deps.config)}/v1/webhooks/${encodeURIComponent(id)}`;
}

export function webhookRoutes(deps: WebhookDeps): ApiRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/webhooks",
      operationId: "createWebhook",
      summary: "Register a webhook",
      description: REGISTER_DESCRIPTION,
      tag: "Webhooks",
      access: "admin",
      body: NewWebhookSchema,
      responses: { 201: { description: "Registered. The secret is shown only here.", schema: WebhookCreatedSchema, headers: { Location: "URL of the webhook." } } },
      handle: ({ body, c }) => {
        const { webhook, secret } = deps.webhooks.register(body);
        return { status: 201, body: { ...webhookJson(webhook), secret }, headers: { Location: location(c, deps, webhook.id) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/webhooks",
      operationId: "listWebhooks",
      summary: "List webhooks",
      tag: "Webhooks",
      access: "admin",
      responses: { 200: { description: "Registered webhooks, oldest first (without secrets).", schema: z.object({ webhooks: z.array(WebhookSchema) }) } },
      handle: () => ({ status: 200, body: { webhooks: deps.webhooks.list().map(webhookJson) } }),
    }),
    route({
      method: "get",
      path: "/v1/webhooks/{webhookId}",
      operationId: "getWebhook",
      summary: "Get a webhook with its delivery counts",
      tag: "Webhooks",
      access: "admin",
      params: WebhookParams,
      responses: { 200: { description: "The webhook.", schema: WebhookDetailSchema }, 404: { description: "No such webhook." } },
      handle: ({ params }) => ({ status: 200, body: webhookDetailJson(deps.webhooks.get(params.webhookId)) }),
    }),
    route({
      method: "delete",
      path: "/v1/webhooks/{webhookId}",
      operationId: "deleteWebhook",
      summary: "Delete a webhook and drop its pending deliveries",
      tag: "Webhooks",
      access: "admin",
      params: WebhookParams,
      responses: { 204: { description: "Deleted." }, 404: { description: "No such webhook." } },
      handle: ({ params }) => {
        deps.webhooks.remove(params.webhookId);
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: "/v1/webhooks/{webhookId}/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "Recent deliveries of a webhook",
      description: "Newest first. Finished deliveries are pruned together with their events (`events.retention`).",
      tag: "Webhooks",
      access: "admin",
      params: WebhookParams,
      query: DeliveriesQuery,
      responses: { 200: { description: "Deliveries.", schema: z.object({ deliveries: z.array(DeliverySchema) }) }, 404: { description: "No such webhook." } },
      handle: ({ params, query }) => ({ status: 200, body: { deliveries: deps.webhooks.deliveries(params.webhookId, query.limit ?? 50).map(deliveryJson) } }),
    }),
  ];
}
