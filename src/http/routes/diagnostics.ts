/**
 * `GET /v1/diagnostics/ice`: can media get through? The addresses and ports endpoints announce,
 * the warnings start-up printed, and a self-test run now on a media worker — the candidates a new
 * endpoint gathers and each configured STUN/TURN server probed — with an overall `ok`. Admins
 * only: it names the servers and makes the server contact them.
 */
import { z } from "zod";
import { runIceDiagnostics } from "../../domain/ice-diagnostics.ts";
import { type ApiRoute, route } from "../api/route.ts";
import { named } from "../api/schemas-registry.ts";
import type { HttpDeps } from "../context.ts";

const ServerProbeSchema = z.object({
  url: z.string(),
  for: z.enum(["clients", "server"]).describe("Whether clients are given this server (`webrtc.iceServers`) or the workers gather through it (`webrtc.serverIceServers`)."),
  ok: z.boolean(),
  detail: z.string().describe("What happened: the address learnt, the relay allocated, or why it failed (e.g. `401 Unauthorized: credentials refused …`)."),
  mappedAddress: z.string().optional().describe("Our address as the server saw it."),
  relayedAddress: z.string().optional().describe("TURN: the relayed address allocated (and released again)."),
  ms: z.number(),
});

const IceDiagnosticsSchema = named(
  "IceDiagnostics",
  z.object({
    ok: z.boolean().describe("Candidates were gathered, every server answered as it should, and a relay candidate exists when the workers have a TURN server."),
    hostAddresses: z.array(z.string()).describe("Addresses host candidates carry."),
    udpPorts: z.array(z.number().int()).describe("[min, max] of `webrtc.portRange`."),
    endpointCapacity: z.number().int().describe("WebRTC endpoints the port range holds at once."),
    iceTcp: z.boolean(),
    serverIceServers: z.array(z.string()),
    clientIceServers: z.array(z.string()),
    warnings: z.array(z.string()).describe("Configurations that cannot work, with what to change (also printed at start-up)."),
    gathering: z.object({
      ms: z.number(),
      candidates: z.array(z.object({ type: z.string(), protocol: z.string(), address: z.string(), port: z.number().int() })),
    }),
    servers: z.array(ServerProbeSchema),
  }),
);

export function diagnosticsRoutes(deps: Pick<HttpDeps, "config" | "media">): ApiRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/diagnostics/ice",
      operationId: "diagnoseIce",
      summary: "ICE self-test: addresses, ports, candidates, STUN/TURN servers",
      description:
        "Gathers candidates on a media worker as a new WebRtcEndpoint would, sends a STUN Binding to each STUN server and a TURN Allocate (with the credentials clients " +
        "or the workers get, then released) to each TURN server, and reports each result. Takes up to about 5 s when a server does not answer.",
      tag: "Operations",
      access: "admin",
      responses: { 200: { description: "The results; `ok` is false when anything failed.", schema: IceDiagnosticsSchema }, 503: { description: "No media worker is running." } },
      handle: async () => ({ status: 200, body: await runIceDiagnostics(deps.config, deps.media) }),
    }),
  ];
}
