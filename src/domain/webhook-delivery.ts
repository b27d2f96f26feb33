/**
 * The webhook sender: works through the outbox in SQLite, POSTing each due delivery with undici
 * — the event envelope as JSON, signed (webhook-signature.ts). A 2xx answer marks it delivered;
 * anything else (another status, a timeout, a refused connection) schedules a retry with
 * exponential backoff and jitter, until `maxAttempts`, when it is marked failed. At most
 * `concurrency` requests are in flight. Delivery is at least once and not ordered: a receiver
 * dedupes on `Pipewright-Delivery-Id` and orders by the event id. A stop aborts what is in
 * flight without counting the attempt, so after a restart the same rows are simply sent again.
 */
import type { Logger } from "pino";
import { Agent, request } from "undici";
import type { DeliveryJob, DeliveryStore } from "../store/webhook-deliveries.ts";
import { loggedEvent, type LoggedEvent } from "./event-log.ts";
import { publicOnlyLookup } from "./webhook-address.ts";
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from "./webhook-signature.ts";

export interface DeliverySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  concurrency: number;
  allowPrivateAddresses: boolean;
}

/** What a receiver gets: the envelope SSE clients get, with the time as ISO 8601. */
export function eventEnvelope(event: LoggedEvent): Record<string, unknown> {
  return { id: event.id, type: event.type, pipelineId: event.pipelineId, objectId: event.objectId, at: new Date(event.at).toISOString(), data: event.data };
}

/**
 * Wait before attempt `failed + 1`, after `failed` failed attempts: base·2^(failed-1), capped,
 * with "equal jitter" (half fixed, half random) so receivers coming back from an outage are
 * not hit by every sender at the same instant.
 */
export function retryDelay(failed: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failed - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class WebhookDelivery {
  readonly #store: DeliveryStore;
  readonly #settings: DeliverySettings;
  readonly #log: Logger;
  readonly #agent: Agent;
  readonly #inFlight = new Map<number, Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(store: DeliveryStore, settings: DeliverySettings, log: Logger) {
    this.#store = store;
    this.#settings = settings;
    this.#log = log;
    this.#agent = new Agent({
      connect: { timeout: settings.timeoutMs, ...(settings.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }) },
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    });
  }

  /** Starts sending; deliveries left pending by an earlier run go first. */
  start(): void {
    this.#running = true;
    this.kick();
  }

  /** Sends whatever is due now and arms a timer for the next due delivery. Cheap to call often. */
  kick(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const free = this.#settings.concurrency - this.#inFlight.size;
    if (free <= 0) return; // a finishing request kicks again
    for (const job of this.#store.due(Date.now(), free, [...this.#inFlight.keys()])) this.#launch(job);
    if (this.#inFlight.size >= this.#settings.concurrency) return;
    const next = this.#store.nextDueAt([...this.#inFlight.keys()]);
    if (next !== undefined) this.#timer = setTimeout(() => this.kick(), Math.min(MAX_TIMER_MS, Math.max(0, next - Date.now())));
  }

  /** Aborts requests in flight (their rows stay pending) and closes the connection pool. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.allSettled(this.#inFlight.values());
    await this.#agent.destroy().catch(() => {});
  }

  #launch(job: DeliveryJob): void {
    const attempt = this.#attempt(job)
      .catch((error) => this.#log.error({ err: error, delivery: job.id }, "webhook delivery bookkeeping failed"))
      .finally(() => {
        this.#inFlight.delete(job.id);
        this.kick();
      });
    this.#inFlight.set(job.id, attempt);
  }

  async #attempt(job: DeliveryJob): Promise<void> {
    const attempts = job.attempts + 1;
    if (!job.event) {
      this.#store.failed(job.id, { attempts: job.attempts, status: null, error: "the event is no longer in the log" });
      return;
    }
    const event = loggedEvent(job.event);
    const { status, error } = await this.#post(job, event);
    if (!this.#running) return; // aborted by stop(): not an attempt; the next run sends it again
    const outcome = { attempts, status, error };
    if (status !== null && status >= 200 && status < 300) {
      this.#store.delivered(job.id, outcome);
    } else if (attempts >= this.#settings.maxAttempts) {
      this.#store.failed(job.id, outcome);
      this.#log.warn({ delivery: job.id, url: job.url, eventId: event.id, attempts, error }, "webhook delivery failed for good");
    } else {
      const delay = retryDelay(attempts, this.#settings.retryBaseMs, this.#settings.retryMaxMs);
      this.#store.retryAt(job.id, Date.now() + delay, outcome);
      this.#log.debug({ delivery: job.id, url: job.url, attempts, error, retryInMs: delay }, "webhook delivery will be retried");
    }
  }

  async #post(job: DeliveryJob, event: LoggedEvent): Promise<{ status: number | null; error: string | null }> {
    const body = JSON.stringify(eventEnvelope(event));
    try {
      const response = await request(job.url, {
        method: "POST",
        dispatcher: this.#agent,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#settings.timeoutMs)]),
        headers: {
          "content-type": "application/json",
          "user-agent": "Pipewright-Webhooks",
          [SIGNATURE_HEADER]: signatureHeader(job.secret, body),
          [EVENT_ID_HEADER]: String(event.id),
          [EVENT_TYPE_HEADER]: event.type,
          [DELIVERY_ID_HEADER]: String(job.id),
        },
        body,
      });
      await response.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { status: response.statusCode, error: ok ? null : `HTTP ${response.statusCode}` };
    } catch (error) {
      return { status: null, error: describe(error) };
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  const code = (error as { code?: string }).code;
  return `${code ? `${code} ` : ""}${error.message}${cause}`.slice(0, 500);
}
