/**
 * Webhook registrations: a URL, the event types it wants (none = all) and the secret its
 * deliveries are signed with. The rules live here — http(s) only, no credentials in the URL,
 * private targets only when the operator allows them, secrets of at least 128 bits — so every
 * adapter registers webhooks the same way. Sending is webhook-delivery.ts's job.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { DeliveryRow, DeliveryStore } from "../store/webhook-deliveries.ts";
import type { DeliveryStats, WebhookRow, WebhookStore } from "../store/webhooks.ts";
import { PipewrightError } from "./errors.ts";
import { EVENT_TYPES, type EventType } from "./events.ts";
import { isPrivateHost } from "./webhook-address.ts";

export interface WebhookRegistration {
  url: string;
  /** Types to deliver; omitted or empty = every type. */
  eventTypes?: readonly EventType[];
  /** Signing secret; one is generated when omitted. */
  secret?: string;
}

export type WebhookWithStats = WebhookRow & { deliveries: DeliveryStats };

export const MIN_SECRET_LENGTH = 16;
const MAX_URL_LENGTH = 2048;

export class WebhookService {
  readonly #store: WebhookStore;
  readonly #deliveries: DeliveryStore;
  readonly #allowPrivateAddresses: boolean;

  constructor(store: WebhookStore, deliveries: DeliveryStore, options: { allowPrivateAddresses: boolean }) {
    this.#store = store;
    this.#deliveries = deliveries;
    this.#allowPrivateAddresses = options.allowPrivateAddresses;
  }

  /** Registers a webhook; the returned secret is the only time it is shown. */
  register(input: WebhookRegistration): { webhook: WebhookRow; secret: string } {
    const url = this.#checkUrl(input.url);
    const eventTypes = this.#checkTypes(input.eventTypes ?? []);
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
      throw new PipewrightError("INVALID_REQUEST", `a webhook secret must have at least ${MIN_SECRET_LENGTH} characters`);
    }
    const secret = input.secret ?? `whsec_${randomBytes(32).toString("base64url")}`;
    const webhook = this.#store.insert({ id: randomUUID(), url, secret, eventTypes });
    return { webhook, secret };
  }

  list(): WebhookRow[] {
    return this.#store.list();
  }

  get(id: string): WebhookWithStats {
    return { ...this.#require(id), deliveries: this.#store.stats(id) };
  }

  /** Deletes the webhook; its pending deliveries are dropped with it. */
  remove(id: string): void {
    if (!this.#store.delete(id)) throw notFound(id);
  }

  /** The newest `limit` deliveries of the webhook. */
  deliveries(id: string, limit: number): DeliveryRow[] {
    this.#require(id);
    return this.#deliveries.recent(id, limit);
  }

  #require(id: string): WebhookRow {
    const row = this.#store.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  #checkUrl(raw: string): string {
    const invalid = (why: string) => new PipewrightError("INVALID_REQUEST", `webhook url ${JSON.stringify(raw.slice(0, 100))}: ${why}`);
    if (raw.length > MAX_URL_LENGTH) throw invalid(`longer than ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid("not an absolute URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("only http and https URLs can receive webhooks");
    if (url.username || url.password) throw invalid("credentials in the URL are not accepted; deliveries are authenticated by their signature");
    if (!this.#allowPrivateAddresses && isPrivateHost(url.hostname)) {
      throw invalid("private, loopback and link-local targets are refused on this server (webhooks.allowPrivateAddresses is false)");
    }
    url.hash = "";
    return url.href;
  }

  #checkTypes(types: readonly string[]): EventType[] {
    const unknown = types.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) throw new PipewrightError("INVALID_REQUEST", `unknown event types: ${unknown.join(", ")} (known: ${EVENT_TYPES.join(", ")})`);
    return EVENT_TYPES.filter((type) => types.includes(type));
  }
}

function notFound(id: string): PipewrightError {
  return new PipewrightError("NOT_FOUND", `no webhook with id ${id}`);
}
