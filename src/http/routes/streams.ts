/**
 * `GET /v1/streams`: the live streams (those with a publisher), their codecs and viewer counts —
 * what the built-in index page shows. Allowed to whoever may play.
 */
import { Hono } from "hono";
import { type AppEnv, bearerToken, type HttpDeps, remoteAddress } from "../context.ts";

export function streamRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    deps.access.authorize({ bearer: bearerToken(c), remoteAddress: remoteAddress(c), action: "play" });
    const streams = deps.streams.liveStreams().map((stream) => ({
      name: stream.stream,
      state: stream.publisherState,
      codecs: stream.codecs,
      viewers: stream.viewers,
      since: stream.since === null ? null : new Date(stream.since).toISOString(),
    }));
    return c.json({ streams });
  });
  return app;
}
