/**
 * A worker's ICE self-test: gathers the way a new endpoint would (same ports, addresses, ICE-TCP
 * and STUN/TURN servers) and lists the candidates found, then probes each STUN/TURN server it is
 * given — the servers clients are told about and the workers' own — in parallel. What it reports
 * is what an operator needs to see why media does not get through.
 */
import { RTCPeerConnection } from "werift";
import type { EndpointIce, IceSelfTest, ProbeTarget, WorkerSettings } from "../protocol.ts";
import { probeIceServer } from "./ice-server-probe.ts";
import { localCandidates } from "./local-description.ts";
import { offerConfiguration } from "./peer-config.ts";

const PROBE_TIMEOUT_MS = 5000;

async function gather(settings: WorkerSettings, ice: EndpointIce): Promise<Pick<IceSelfTest, "candidates" | "gatheringMs">> {
  const started = Date.now();
  const pc = new RTCPeerConnection(offerConfiguration(settings, ice));
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    await pc.setLocalDescription(await pc.createOffer());
    const candidates = localCandidates(pc.localDescription!.sdp).map(({ candidate }) => {
      const [, , protocol, , address, port, , type] = candidate.split(" ");
      return { type, protocol: protocol.toLowerCase(), address, port: Number(port) };
    });
    return { candidates, gatheringMs: Date.now() - started };
  } finally {
    await pc.close().catch(() => {});
  }
}

export async function iceSelfTest(settings: WorkerSettings, ice: EndpointIce, probes: ProbeTarget[]): Promise<IceSelfTest> {
  const [gathered, servers] = await Promise.all([gather(settings, ice), Promise.all(probes.map((target) => probeIceServer(target, settings.listenAddress, PROBE_TIMEOUT_MS)))]);
  return { ...gathered, servers };
}
