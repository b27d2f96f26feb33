/**
 * `GET /v1/diagnostics/ice`: the connectivity plan (connectivity.ts) and a live self-test run on
 * a media worker — the candidates a new endpoint gets, and every configured STUN/TURN server
 * probed as ICE uses it (Binding, or an Allocate with the credentials clients or the workers get
 * right now). `ok` says whether all of it worked; each result says what happened.
 */
import { parseIceUri } from "../config/ice-uri.ts";
import type { Config } from "../config/schema.ts";
import type { Commands, IceSelfTest, ProbeTarget, ServerProbe } from "../media/protocol.ts";
import { type ConnectivityPlan, connectivityPlan } from "./connectivity.ts";
import { endpointIce } from "./endpoint-ice.ts";
import { issueIceServers } from "./ice-servers.ts";

export interface IceDiagnostics extends ConnectivityPlan {
  ok: boolean;
  gathering: Pick<IceSelfTest, "candidates"> & { ms: number };
  servers: Array<ServerProbe & { for: "clients" | "server" }>;
}

export interface SelfTestRunner {
  requestAnyWorker(method: "worker.iceSelfTest", params: Commands["worker.iceSelfTest"]["params"]): Promise<IceSelfTest>;
}

function targets(servers: Config["webrtc"]["iceServers"], callerId: string): ProbeTarget[] {
  return issueIceServers(servers, callerId).iceServers.flatMap((server) =>
    server.urls.map((url) => ({ url, ...parseIceUri(url), username: server.username, credential: server.credential })),
  );
}

export async function runIceDiagnostics(config: Config, runner: SelfTestRunner): Promise<IceDiagnostics> {
  const plan = connectivityPlan(config);
  const forClients = targets(config.webrtc.iceServers, "diagnostics");
  const forServer = targets(config.webrtc.serverIceServers, "pipewright");
  const test = await runner.requestAnyWorker("worker.iceSelfTest", { ice: endpointIce(config.webrtc, {}), probes: [...forClients, ...forServer] });
  const servers = test.servers.map((probe, index) => ({ ...probe, for: index < forClients.length ? ("clients" as const) : ("server" as const) }));
  const relayExpected = forServer.some((target) => target.scheme.startsWith("turn"));
  const ok = test.candidates.length > 0 && servers.every((probe) => probe.ok) && (!relayExpected || test.candidates.some((candidate) => candidate.type === "relay"));
  return { ok, ...plan, gathering: { candidates: test.candidates, ms: test.gatheringMs }, servers };
}
