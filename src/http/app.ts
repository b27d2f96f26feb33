/**
 * Builds the Hono application: every HTTP face of Pipewright on one port — WHIP and WHEP,
 * the REST API under /v1, the OpenAPI document, health, and the built-in pages. Errors from
 * anywhere become RFC 9457 problem+json here and nowhere else.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { PipewrightError } from "../domain/errors.ts";
import { pageRoutes } from "../web/pages.ts";
import type { AppEnv, HttpDeps } from "./context.ts";
import { buildOpenApi } from "./openapi.ts";
import { problemResponse } from "./problem.ts";
import { healthRoutes } from "./routes/health.ts";
import { mountRoutes } from "./api/route.ts";
import { apiRoutes } from "./api/routes.ts";
import { streamRoutes } from "./routes/streams.ts";
import { webrtcSessionRoutes } from "./routes/webrtc-sessions.ts";

export const VERSION = "0.1.0";

export function createApp(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const openapi = JSON.stringify(buildOpenApi(VERSION), null, 2);

  app.route("/whip", webrtcSessionRoutes(deps, { prefix: "whip", role: "publisher", action: "publish", start: (request) => deps.streams.publish(request) }));
  app.route("/whep", webrtcSessionRoutes(deps, { prefix: "whep", role: "viewer", action: "play", start: (request) => deps.streams.play(request) }));
  app.route("/v1/streams", streamRoutes(deps));
  mountRoutes(app, apiRoutes(deps), deps);
  app.route("/healthz", healthRoutes(deps));
  app.get("/openapi.json", (c) => c.body(openapi, 200, { "Content-Type": "application/json" }));
  app.route("/", pageRoutes());

  app.notFound((c) => problemResponse(c, new PipewrightError("NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((error, c) => {
    if (error instanceof PipewrightError) return problemResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, new PipewrightError(error.status === 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST", error.message));
    }
    deps.log.error({ err: error, method: c.req.method, path: new URL(c.req.url).pathname }, "request failed");
    return problemResponse(c, new PipewrightError("INTERNAL", "internal error; see the server log"));
  });
  return app;
}
