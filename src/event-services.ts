/**
 * Wires the event side of a server: the event log on the domain bus, webhook registrations,
 * and the delivery loop that newly written events wake (once per turn of the event loop).
 * Kept out of server.ts so that file stays an outline. The loop starts when the server is
 * listening; `stop` ends the loop (requests in flight stay pending for the next run), then
 * closes the log.
 */
import type { Logger } from "pino";
import type { Config } from "./config/schema.ts";
import { EventLog } from "./domain/event-log.ts";
import type { DomainEventBus } from "./domain/events.ts";
import { WebhookDelivery } from "./domain/webhook-delivery.ts";
import { WebhookService } from "./domain/webhooks.ts";
import type { Db } from "./store/db.ts";
import { EventStore } from "./store/events.ts";
import { DeliveryStore } from "./store/webhook-deliveries.ts";
import { WebhookStore } from "./store/webhooks.ts";

export interface EventServices {
  eventLog: EventLog;
  webhooks: WebhookService;
  /** Starts delivering webhooks, those left pending by an earlier run first. */
  start(): void;
  /** Call before the database closes. */
  stop(): Promise<void>;
}

export function createEventServices(db: Db, bus: DomainEventBus, config: Config, log: Logger): EventServices {
  const eventLog = new EventLog(new EventStore(db), { retention: config.events.retention, log: log.child({ component: "events" }) });
  eventLog.attach(bus);
  const deliveries = new DeliveryStore(db);
  const webhooks = new WebhookService(new WebhookStore(db), deliveries, { allowPrivateAddresses: config.webhooks.allowPrivateAddresses });
  const delivery = new WebhookDelivery(deliveries, config.webhooks, log.child({ component: "webhooks" }));
  // One delivery round per turn, however many events a domain operation just logged.
  let kickPending = false;
  eventLog.on("logged", () => {
    if (kickPending) return;
    kickPending = true;
    setImmediate(() => {
      kickPending = false;
      delivery.kick();
    });
  });
  return {
    eventLog,
    webhooks,
    start: () => delivery.start(),
    async stop() {
      await delivery.stop();
      eventLog.close();
    },
  };
}
