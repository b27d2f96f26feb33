/**
 * The real kurento-client (7.2.0 from npm, reconnect-ws overridden to 0.1.0) made usable on
 * Node 24 (notes/testing-peers.md): its ws 0.7.2 must load its pure-JS BufferUtil and
 * Validation, not the newer native packages npm hoists, and the reconnect emitter needs an
 * error listener so a refused reconnect does not crash the test process.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

function useWsFallbacks(): void {
  const clientRoot = dirname(require.resolve("kurento-client/package.json"));
  const wsRoot = dirname(createRequire(join(clientRoot, "..", "websocket-stream", "package.json")).resolve("ws/package.json"));
  for (const name of ["BufferUtil", "Validation"]) {
    const target = join(wsRoot, "lib", `${name}.js`);
    const fallback = require(join(wsRoot, "lib", `${name}.fallback.js`));
    require.cache[target] = { id: target, filename: target, loaded: true, exports: fallback } as NodeJS.Module;
  }
}

useWsFallbacks();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KurentoClient = any;
export const kurento = require("kurento-client") as ((uri: string, options?: Record<string, unknown>, callback?: (error: Error | null, client: KurentoClient) => void) => Promise<KurentoClient>) & {
  getComplexType(name: string): (value: Record<string, unknown>) => unknown;
};

/**
 * `object[method](...args)` in kurento-client's callback form, as a promise. (Its own promise
 * form never settles when the server answers with an error: it hands the error to a no-op
 * callback — so applications, and tests, use callbacks.)
 */
export function call<T = unknown>(object: KurentoClient, method: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => object[method](...args, (error: Error | null, value: T) => (error ? reject(error) : resolve(value))));
}

/**
 * Connects like an application server does; `failAfter` keeps a dead server from retrying
 * forever, and the short duplicate/response caches (20 s by default) keep their timers from
 * holding a finished test process open.
 */
export async function connectClient(url: string, options: Record<string, unknown> = {}): Promise<KurentoClient> {
  const defaults = { failAfter: 3, request_timeout: 10_000, duplicates_timeout: 500, response_timeout: 500 };
  const client = await new Promise<KurentoClient>((resolve, reject) => {
    kurento(`${url.replace(/^http/, "ws")}/kurento`, { ...defaults, ...options }, (error: Error | null, connected: KurentoClient) =>
      error ? reject(error) : resolve(connected),
    );
  });
  client._re?.on?.("error", () => {});
  return client;
}
