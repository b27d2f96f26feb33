/**
 * The HTTP face of WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep): one route set, built twice.
 * `POST /{whip|whep}/{stream}` creates a session and answers 201 with the SDP answer, an
 * absolute `Location`, a strong `ETag` and one `Link` line per ICE server; the session URL
 * takes trickle `PATCH` (204; 428 without If-Match, 412 on a stale one; ICE restart is
 * refused with 422 and leaves the session running) and `DELETE` (200). `OPTIONS` answers CORS
 * preflights and, when plain, advertises `Accept-Post` and the ICE servers. What a stream does
 * with the offer is the domain's business (domain/streams.ts); this file only speaks HTTP.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Action } from "../../domain/access.ts";
import { PipewrightError } from "../../domain/errors.ts";
import { type SessionRequest, type StartedSession, StreamService } from "../../domain/streams.ts";
import type { SessionRole } from "../../store/sessions.ts";
import { type AppContext, type AppEnv, bearerToken, type HttpDeps, mediaType, publicBase, remoteAddress } from "../context.ts";
import { issueIceServers } from "../../domain/ice-servers.ts";
import { iceServerLinks } from "../ice-links.ts";
import { parseSdpFragment } from "../sdpfrag.ts";

export interface SessionProtocol {
  /** URL prefix: `whip` or `whep`. */
  prefix: "whip" | "whep";
  role: SessionRole;
  action: Action;
  start: (request: SessionRequest) => Promise<StartedSession>;
}

const ALLOW_METHODS = "OPTIONS, GET, HEAD, POST, PATCH, DELETE";
const ALLOW_HEADERS = "Authorization, Content-Type, If-Match";
const EXPOSE_HEADERS = "Location, ETag, Link, Accept-Post, Accept-Patch";
const TRICKLE_TYPE = "application/trickle-ice-sdpfrag";

function corsOrigin(c: AppContext, allowed: string[]): string | undefined {
  const origin = c.req.header("origin");
  if (allowed.includes("*")) return "*";
  return origin && allowed.includes(origin) ? origin : undefined;
}

/**
 * The ICE servers, with credentials minted for `callerId`, as separate `Link` header lines on the
 * raw response (Hono would fold them into one line, which OBS cannot read).
 */
function setIceServerLinks(c: AppContext, config: HttpDeps["config"], callerId: string): void {
  const links = iceServerLinks(issueIceServers(config.webrtc.iceServers, callerId).iceServers);
  if (links.length > 0) c.env.outgoing.setHeader("Link", links);
}

export function webrtcSessionRoutes(deps: HttpDeps, protocol: SessionProtocol): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, streams, access } = deps;
  const sessionLabel = protocol.prefix.toUpperCase();

  app.use("*", async (c, next) => {
    const origin = corsOrigin(c, config.http.allowOrigins);
    if (origin) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Access-Control-Expose-Headers", EXPOSE_HEADERS);
      if (origin !== "*") c.header("Vary", "Origin");
    }
    await next();
  });

  const authorize = (c: AppContext, stream: string) =>
    access.authorize({ bearer: bearerToken(c), remoteAddress: remoteAddress(c), action: protocol.action, stream });

  app.options("/:stream", (c) => {
    c.header("Accept-Post", "application/sdp");
    if (c.req.header("access-control-request-method")) {
      // CORS preflight: no auth, and no TURN credentials minted (RFC 9725 §4.6).
      c.header("Access-Control-Allow-Methods", ALLOW_METHODS);
      c.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
      c.header("Access-Control-Max-Age", "86400");
      return c.body(null, 204);
    }
    let callerId: string;
    try {
      callerId = authorize(c, c.req.param("stream"));
    } catch {
      // Without the right to use the endpoint, no ICE servers; the OPTIONS itself still succeeds.
      return c.body(null, 204);
    }
    setIceServerLinks(c, config, callerId);
    return c.body(null, 204);
  });

  app.on(["GET", "HEAD"], "/:stream", (c) => {
    StreamService.checkName(c.req.param("stream"));
    if (protocol.prefix === "whep") c.header("Content-Type", "application/sdp");
    return c.body(null, 200);
  });

  app.post(
    "/:stream",
    bodyLimit({
      maxSize: config.http.bodyLimit,
      onError: () => {
        throw new PipewrightError("PAYLOAD_TOO_LARGE", `the offer is larger than ${config.http.bodyLimit} bytes`);
      },
    }),
    async (c) => {
      const stream = c.req.param("stream");
      StreamService.checkName(stream);
      const callerId = authorize(c, stream);
      if (mediaType(c) !== "application/sdp") {
        throw new PipewrightError("UNSUPPORTED_CONTENT_TYPE", `${sessionLabel} offers must be sent as Content-Type: application/sdp`);
      }
      const offer = await c.req.text();
      const { session, answer } = await protocol.start({ stream, offer, remoteAddress: remoteAddress(c), userAgent: c.req.header("user-agent") });
      setIceServerLinks(c, config, callerId);
      c.header("Location", `${publicBase(c, config)}/${protocol.prefix}/${encodeURIComponent(stream)}/${session.id}`);
      c.header("ETag", session.etag);
      c.header("Accept-Patch", TRICKLE_TYPE);
      c.header("Content-Type", "application/sdp");
      return c.body(answer, 201);
    },
  );

  app.patch(
    "/:stream/:session",
    bodyLimit({
      maxSize: config.http.bodyLimit,
      onError: () => {
        throw new PipewrightError("PAYLOAD_TOO_LARGE", `the fragment is larger than ${config.http.bodyLimit} bytes`);
      },
    }),
    async (c) => {
      const stream = c.req.param("stream");
      authorize(c, stream);
      const session = streams.openSession(c.req.param("session"), stream, protocol.role);
      if (mediaType(c) !== TRICKLE_TYPE) {
        throw new PipewrightError("UNSUPPORTED_CONTENT_TYPE", `trickle ICE PATCH bodies must be ${TRICKLE_TYPE} (RFC 8840)`);
      }
      const ifMatch = c.req.header("if-match");
      if (!ifMatch) throw new PipewrightError("PRECONDITION_REQUIRED", `send If-Match with the session's ETag ${session.etag}`);
      if (ifMatch.trim() === "*") {
        throw new PipewrightError("UNSUPPORTED_MEDIA", "ICE restart is not supported; the current ICE session keeps running (start a new session instead)");
      }
      if (ifMatch.trim() !== session.etag) throw new PipewrightError("PRECONDITION_FAILED", `If-Match ${ifMatch} does not match the session's ETag`);
      const fragment = parseSdpFragment(await c.req.text());
      await streams.addCandidates(session, fragment.candidates);
      return c.body(null, 204);
    },
  );

  app.delete("/:stream/:session", async (c) => {
    const stream = c.req.param("stream");
    authorize(c, stream);
    const session = streams.openSession(c.req.param("session"), stream, protocol.role);
    await streams.closeSession(session.id, "closed by the client (DELETE)");
    return c.body(null, 200);
  });

  app.on(["GET", "HEAD"], "/:stream/:session", (c) => {
    authorize(c, c.req.param("stream"));
    streams.openSession(c.req.param("session"), c.req.param("stream"), protocol.role);
    return c.body(null, 200);
  });

  app.options("/:stream/:session", (c) => {
    c.header("Access-Control-Allow-Methods", ALLOW_METHODS);
    c.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
    c.header("Access-Control-Max-Age", "86400");
    return c.body(null, 204);
  });

  return app;
}
