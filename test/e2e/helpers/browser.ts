/**
 * Debian's headless Chromium, driven by playwright-core, running inside a network namespace:
 * playwright launches a small wrapper script that execs `ip netns exec <ns> /usr/bin/chromium`,
 * with the flags from DESIGN.md (fake camera and microphone, no permission prompt, no background
 * traffic, real host candidates instead of mDNS names) and a fresh profile directory that
 * `close()` (or the test process's exit) removes. No browser is ever downloaded; a missing Chromium fails with a clear message.
 */
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import type { Namespace } from "./netns.ts";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

export function requireChromium(): void {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`the e2e suite needs Chromium at ${CHROMIUM} (Debian package chromium; never a downloaded browser)`);
  }
}

export interface NamespacedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromiumInNamespace(ns: Namespace): Promise<NamespacedBrowser> {
  requireChromium();
  const dir = mkdtempSync(join(tmpdir(), "pipewright-chromium-"));
  const wrapper = join(dir, "chromium-in-netns");
  writeFileSync(wrapper, `#!/bin/sh\nexec ${ns.exec.join(" ")} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  const remove = () => {
    process.off("exit", remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", remove);
  try {
    const context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: wrapper,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
