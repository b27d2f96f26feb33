/**
 * Issue 3's "interactive docs page at /docs that works offline", as a user sees it: headless
 * Chromium, in a private network namespace with no way out, opens /docs and the docs component
 * renders every operation of /openapi.json, while every request the page makes goes to the
 * server's own origin (no CDN, no web font, no telemetry) and nothing trips the page's
 * Content-Security-Policy. Needs root and Debian's Chromium: without them the suite fails with a
 * message saying so, it never skips.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useBrowserEnvironment } from "./helpers/environment.ts";

// Runs in the browser; tsconfig has no DOM types.
declare const document: { querySelector(selector: string): { shadowRoot: { textContent: string | null } | null } | null };
declare function fetch(url: string): Promise<{ json(): Promise<unknown> }>;

interface OpenApiDocument {
  paths: Record<string, Record<string, { summary?: string; operationId?: string }>>;
}

describe("API docs page (Chromium in a private network namespace)", () => {
  const env = useBrowserEnvironment();

  it("/docs renders every operation and loads nothing from any other origin", async (t) => {
    const page = await env.browser.context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    const bundleHeaders: Record<string, string>[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/docs/openapi-explorer.min.js") bundleHeaders.push(response.headers());
    });
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // A refused style, script or connection shows up here as a CSP violation.
      if (message.type() === "error" && /Content Security Policy/.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });

    try {
      const response = await page.goto(`${env.server.url}/docs`);
      assert.equal(response?.status(), 200);
      assert.match(response?.headers()["content-security-policy"] ?? "", /default-src 'self'/);

      // Fetched by the page (inside the namespace), as the component does.
      const spec = (await page.evaluate(async () => (await fetch("/openapi.json")).json())) as OpenApiDocument;
      const summaries = Object.values(spec.paths).flatMap((item) => Object.values(item).map((operation) => operation.summary ?? operation.operationId ?? ""));
      assert.ok(summaries.includes("Publish a stream (WHIP, RFC 9725)"), "the document has the WHIP operation");

      // The component renders into its shadow root once it has fetched and parsed /openapi.json.
      await page.waitForFunction(() => document.querySelector("openapi-explorer")?.shadowRoot?.textContent?.includes("Publish a stream") ?? false, undefined, { timeout: 15_000 });
      const rendered = await page.evaluate(() => document.querySelector("openapi-explorer")?.shadowRoot?.textContent ?? "");
      const missing = [...new Set(summaries)].filter((summary) => !rendered.includes(summary));
      assert.deepEqual(missing, [], "every operation of /openapi.json is listed");

      const origin = new URL(env.server.url).origin;
      assert.ok(requests.some((url) => url.includes("/docs/openapi-explorer.min.js")), `the bundle came from this server: ${requests.join(", ")}`);
      assert.deepEqual(requests.filter((url) => new URL(url).origin !== origin), [], "requests to other origins");
      assert.deepEqual(problems, []);

      assert.equal(bundleHeaders.length, 1);
      assert.match(bundleHeaders[0]["cache-control"] ?? "", /max-age=31536000/, "the versioned bundle is cached for a year");
      assert.equal(bundleHeaders[0]["content-encoding"], "gzip");
      t.diagnostic(`requests: ${requests.map((url) => new URL(url).pathname).join(", ")}; ${summaries.length} operations rendered`);
    } finally {
      await page.close({ runBeforeUnload: false }).catch(() => {});
    }
  });
});
