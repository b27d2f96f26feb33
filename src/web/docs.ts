/**
 * The interactive API docs at `/docs`, which work with no network but this server's: a small
 * HTML page hosts the `<openapi-explorer>` web component (npm `openapi-explorer`, a maintained
 * RapiDoc fork whose browser bundle is self-contained: no CDN, no web fonts, no telemetry),
 * pointed at `/openapi.json`. The bundle is served from node_modules, read and gzipped once at
 * start-up; its URL carries the package version, so it can be cached for a year and an upgrade
 * still reaches browsers. The page's Content-Security-Policy allows nothing but this origin.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";

const require = createRequire(import.meta.url);
const PACKAGE = "openapi-explorer";
const BUNDLE = `${PACKAGE}/dist/browser/openapi-explorer.min.js`;

/**
 * 'self' only, with one exception found by trying: the component's templates carry dozens of
 * `style="…"` attributes (and a `<style>` element), which CSP refuses without 'unsafe-inline'
 * for styles. That cannot load anything from elsewhere; scripts stay strictly same-origin.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function page(bundleUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipewright API</title>
<script defer src="${bundleUrl}"></script>
</head>
<body>
<openapi-explorer spec-url="/openapi.json" hide-server-selection collapse></openapi-explorer>
</body>
</html>
`;
}

export function docsRoutes(): Hono<AppEnv> {
  const version = (require(`${PACKAGE}/package.json`) as { version: string }).version;
  const bundle = readFileSync(require.resolve(BUNDLE));
  const gzipped = gzipSync(bundle, { level: 9 });
  const bundlePath = "/openapi-explorer.min.js";
  const html = page(`/docs${bundlePath}?v=${encodeURIComponent(version)}`);

  const app = new Hono<AppEnv>();
  app.get("/", (c) =>
    c.body(html, 200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-cache",
      "Content-Security-Policy": PAGE_CSP,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
    }),
  );
  app.get(bundlePath, (c) => {
    const gzip = /\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "");
    const body = gzip ? gzipped : bundle;
    return new Response(new Uint8Array(body), {
      headers: {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        Vary: "Accept-Encoding",
        ...(gzip ? { "Content-Encoding": "gzip" } : {}),
      },
    });
  });
  return app;
}
