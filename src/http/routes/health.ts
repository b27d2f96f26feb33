/**
 * `GET /healthz`: 200 while at least one media worker runs, 503 otherwise, with the worker pids
 * — what a load balancer or an operator's script checks.
 */
import { Hono } from "hono";
import type { AppEnv, HttpDeps } from "../context.ts";

export function healthRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    const workers = deps.media.workerPids;
    const alive = workers.filter((pid) => pid !== undefined).length;
    return c.json({ status: alive > 0 ? "ok" : "degraded", workers }, alive > 0 ? 200 : 503);
  });
  return app;
}
