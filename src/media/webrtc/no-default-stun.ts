/**
 * Stops werift from contacting a public STUN server on its own. werift's ICE agent falls back
 * to stun.l.google.com:19302 whenever no STUN server is configured — even with
 * `iceServers: []` — which means a DNS lookup and a STUN request to the Internet from every
 * connection (notes/testing-peers.md). A media server must reach only what its operator
 * configured, so this replaces the fallback with "no STUN server". Importing the module
 * applies the patch once per process; test/unit/no-default-stun.test.ts fails if a werift
 * update changes the internals it relies on.
 */
import { Connection } from "werift";

interface PatchedConnection {
  options: { stunServer?: unknown };
  stunServer: unknown;
}

const prototype = Connection.prototype as unknown as Record<string, unknown>;
const original = prototype.applyStunTurnServersFromOptions as ((this: PatchedConnection) => void) | undefined;

if (typeof original !== "function") {
  throw new Error("werift Connection.applyStunTurnServersFromOptions is gone: re-check the public STUN fallback");
}

if (!prototype.__pipewrightNoDefaultStun) {
  prototype.applyStunTurnServersFromOptions = function applyConfiguredServersOnly(this: PatchedConnection) {
    original.call(this);
    if (this.options.stunServer === undefined) this.stunServer = undefined;
  };
  prototype.__pipewrightNoDefaultStun = true;
}

export const noDefaultStun = true;
