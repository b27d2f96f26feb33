/**
 * The environment every browser suite runs in: a private network namespace, the server inside
 * it, and Chromium inside it too, set up before the suite and torn down after it (the namespace
 * removed even when something failed). Fails, never skips, without root or Chromium.
 */
import { after, before } from "node:test";
import { launchChromiumInNamespace, requireChromium, type NamespacedBrowser } from "./browser.ts";
import { createNamespace, requireRoot, type Namespace } from "./netns.ts";
import { startServerInNamespace, type NamespacedServer } from "./server-process.ts";

export interface BrowserEnvironment {
  readonly namespace: Namespace;
  readonly server: NamespacedServer;
  readonly browser: NamespacedBrowser;
}

/** Registers before/after hooks on the current suite; read the fields inside tests. */
export function useBrowserEnvironment(): BrowserEnvironment {
  let ns: Namespace | undefined;
  let server: NamespacedServer | undefined;
  let browser: NamespacedBrowser | undefined;
  before(async () => {
    requireRoot();
    requireChromium();
    ns = createNamespace();
    server = await startServerInNamespace(ns);
    browser = await launchChromiumInNamespace(ns);
  });
  after(async () => {
    try {
      await browser?.close();
      await server?.stop();
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
