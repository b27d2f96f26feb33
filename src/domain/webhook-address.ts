/**
 * Which webhook targets an operator allows. By default any http(s) URL is allowed, loopback and
 * private networks included: only admins register webhooks, and the usual receiver is the
 * application server next to Pipewright. A deployment that hands admin tokens to people who
 * must not reach its internal network sets `webhooks.allowPrivateAddresses: false`; then
 * restricted addresses (media/net/address-policy.ts: private, loopback, link-local…) are
 * refused — as literals when the webhook is registered, and after DNS resolution on every
 * connection (so a name that later resolves to an internal address is refused too).
 */
import { guardedLookup, refusedHost, restrictedAddress } from "../media/net/address-policy.ts";

/** True for loopback, private (RFC 1918, RFC 4193), CGNAT, link-local, unspecified and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  return restrictedAddress(address) !== undefined;
}

/** True when the URL's host is a private address literal or a `localhost` name. */
export function isPrivateHost(hostname: string): boolean {
  return refusedHost(hostname) !== undefined;
}

/** A `lookup` for outgoing connections that fails when a name resolves to a private address. */
export const publicOnlyLookup = guardedLookup("webhooks.allowPrivateAddresses");
