/**
 * `GET /v1/ice-servers`: the STUN/TURN servers a client should use, in RTCConfiguration form, with
 * TURN credentials minted for the caller at this moment (TURN REST, valid for the configured ttl)
 * — what the built-in pages pass to `new RTCPeerConnection`. Anyone who may publish or play may
 * ask; the answer is never cached.
 */
import { z } from "zod";
import { issueIceServers } from "../../domain/ice-servers.ts";
import { type ApiRoute, route } from "../api/route.ts";
import { named } from "../api/schemas-registry.ts";
import type { HttpDeps } from "../context.ts";

const IceServerSchema = named(
  "IceServer",
  z.object({
    urls: z.array(z.string()).describe("stun:, stuns:, turn: or turns: URIs (RFC 7064, RFC 7065)."),
    username: z.string().optional(),
    credential: z.string().optional(),
    credentialType: z.literal("password").optional(),
  }),
  "An RTCIceServer (W3C WebRTC §4.2.1).",
);

const IceServersSchema = named(
  "IceServers",
  z.object({
    iceServers: z.array(IceServerSchema),
    expiresAt: z.string().nullable().describe("When the minted TURN credentials expire (ISO 8601); null when none were minted."),
  }),
);

export function iceServerRoutes(deps: Pick<HttpDeps, "config">): ApiRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/ice-servers",
      operationId: "getIceServers",
      summary: "STUN/TURN servers for a WebRTC client, with fresh credentials",
      description:
        "Pass `iceServers` to `new RTCPeerConnection({ iceServers })`. TURN servers configured with a shared secret (`webrtc.iceServers[].secret`, coturn `use-auth-secret`) " +
        "get credentials minted for this caller now: username `<expiry>:<token id>`, password base64(HMAC-SHA1(secret, username)). The same servers come as `Link` headers " +
        "on WHIP/WHEP responses.",
      tag: "WebRTC",
      access: ["publish", "play"],
      responses: { 200: { description: "Servers to use.", schema: IceServersSchema, headers: { "Cache-Control": "no-store: the credentials are per caller." } } },
      handle: ({ callerId }) => {
        const issued = issueIceServers(deps.config.webrtc.iceServers, callerId);
        const iceServers = issued.iceServers.map((server) => (server.credential === undefined ? server : { ...server, credentialType: "password" as const }));
        const expiresAt = issued.expiresAt === null ? null : new Date(issued.expiresAt).toISOString();
        return { status: 200, body: { iceServers, expiresAt }, headers: { "Cache-Control": "no-store" } };
      },
    }),
  ];
}
