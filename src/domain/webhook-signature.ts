/**
 * How a webhook receiver knows a POST came from this server and is fresh. The signature is
 * HMAC-SHA256, keyed with the webhook's secret, over `<unix seconds>.<raw body>`, sent as
 * `Pipewright-Signature: t=<unix seconds>,v1=<hex>` (the Stripe/Standard Webhooks shape most
 * receivers already know how to check). Signing the timestamp with the body lets a receiver
 * refuse replays: reject when `t` is too far from its own clock. `verifySignature` is what a
 * receiver written in Node would run; the tests use it as the receiver.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Pipewright-Signature";
export const EVENT_ID_HEADER = "Pipewright-Event-Id";
export const EVENT_TYPE_HEADER = "Pipewright-Event-Type";
export const DELIVERY_ID_HEADER = "Pipewright-Delivery-Id";

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The `Pipewright-Signature` value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export interface VerifyOptions {
  /** Largest accepted distance between `t` and the receiver's clock, in seconds. */
  toleranceSeconds?: number;
  /** The receiver's clock, unix seconds. */
  now?: number;
}

/**
 * True when `header` carries a valid `v1` signature of `body` with a timestamp within
 * tolerance. Several `v1=` entries are allowed (a sender rotating secrets signs with both).
 */
export function verifySignature(secret: string, body: string, header: string | undefined, options: VerifyOptions = {}): boolean {
  if (!header) return false;
  const parts = header.split(",").map((part) => part.trim().split("="));
  const timestamp = Number(parts.find(([key]) => key === "t")?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), "hex");
  return parts
    .filter(([key, value]) => key === "v1" && value !== undefined && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, "hex"), expected));
}
