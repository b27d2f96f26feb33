/**
 * The built-in pages, served from files next to this module with no CDN or build step:
 * `/` lists live streams, `/publish/{stream}` publishes the camera and microphone over WHIP,
 * `/play/{stream}` plays over WHEP and lists the stream's recordings to play or download,
 * `/docs` is the interactive API reference (docs.ts). Files
 * are read once at start-up.
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { docsRoutes } from "./docs.ts";

const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Content-Security-Policy": "default-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; connect-src 'self'",
};

export function pageRoutes(): Hono<AppEnv> {
  const files = new Map<string, { body: string; type: string }>();
  for (const name of readdirSync(STATIC_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(STATIC_DIR, name), "utf8"), type });
  }
  const serve = (name: string) => {
    const file = files.get(name)!;
    return new Response(file.body, { headers: { "Content-Type": file.type, "Cache-Control": "no-cache", ...SECURITY_HEADERS } });
  };

  const app = new Hono<AppEnv>();
  app.get("/", () => serve("index.html"));
  app.get("/publish/:stream", () => serve("publish.html"));
  app.get("/play/:stream", () => serve("play.html"));
  app.get("/static/:file", (c) => (files.has(c.req.param("file")) ? serve(c.req.param("file")) : c.notFound()));
  app.route("/docs", docsRoutes());
  return app;
}
