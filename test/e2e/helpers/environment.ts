/**
 * The environment every browser suite runs in: a private network namespace, the server inside
 * it, and Chromium inside it too, set up before the suite and torn down after it (the namespace
 * removed even when something failed). Fails, never skips, without root or Chromium.
 */
import { after, before } from "node:test";
import { launchChromiumInNamespace, requireChromium, type NamespacedBrowser } from "./browser.ts";
import { createNamespace, requireRoot, type Namespace } from "./netns.ts";
import { startServerInNamespace, type NamespacedServer, type ServerOptions } from "./server-process.ts";

export interface BrowserEnvironment {
  readonly namespace: Namespace;
  readonly server: NamespacedServer;
  readonly browser: NamespacedBrowser;
}

/**
 * Registers before/after hooks on the current suite; read the fields inside tests. `prepare`
 * runs in the namespace before the server starts (e.g. a TURN server) and returns the server's
 * options; what it starts, it stops through `cleanups`.
 */
export function useBrowserEnvironment(prepare?: (ns: Namespace, cleanups: Array<() => Promise<void>>) => Promise<ServerOptions>): BrowserEnvironment {
  const cleanups: Array<() => Promise<void>> = [];
  let ns: Namespace | undefined;
  let server: NamespacedServer | undefined;
  let browser: NamespacedBrowser | undefined;
  before(async () => {
    requireRoot();
    requireChromium();
    ns = createNamespace();
    server = await startServerInNamespace(ns, prepare ? await prepare(ns, cleanups) : {});
    browser = await launchChromiumInNamespace(ns);
  });
  after(async () => {
    try {
      await browser?.close();
      await server?.stop();
      for (const cleanup of cleanups.reverse()) await cleanup();
    } finally {
      ns?.remove();
    }
  });
  return {
    get namespace() {
      return ns!;
    },
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
  };
}
