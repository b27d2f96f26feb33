/**
 * A kurento-client application that does what a Kurento app behind NAT does: give a
 * WebRtcEndpoint its own TURN server with `setTurnUrl` (Kurento's `user:password@host:port`
 * form), answer an offer, gather, and collect the IceCandidateFound events. Runs inside the
 * test's network namespace (`node kurento-turn-probe.ts <server url> <turnUrl>`) and prints one
 * JSON line: the stored turnUrl, the candidates found, and the answer.
 */
import "../../../src/media/webrtc/no-default-stun.ts";
import { RTCPeerConnection } from "werift";
import { call, connectClient, type KurentoClient } from "../../helpers/kurento-client.ts";

const [serverUrl, turnUrl] = process.argv.slice(2);

const peer = new RTCPeerConnection({ iceServers: [] });
peer.addTransceiver("video", { direction: "recvonly" });
await peer.setLocalDescription(await peer.createOffer());

const client: KurentoClient = await connectClient(serverUrl);
const pipeline = await call<KurentoClient>(client, "create", "MediaPipeline");
const endpoint = await call<KurentoClient>(pipeline, "create", "WebRtcEndpoint");
const found: string[] = [];
endpoint.on("IceCandidateFound", (event: { candidate: { candidate: string } }) => found.push(event.candidate.candidate));
let done!: () => void;
const gathered = new Promise<void>((resolve) => (done = resolve));
endpoint.on("IceGatheringDone", () => done());
await call(endpoint, "setTurnUrl", turnUrl);
const stored = await call(endpoint, "getTurnUrl");
const answer = await call(endpoint, "processOffer", peer.localDescription!.sdp);
await call(endpoint, "gatherCandidates");
await Promise.race([gathered, new Promise((resolve) => setTimeout(resolve, 5000))]);
await call(pipeline, "release");
console.log(JSON.stringify({ stored, found, answer }));
client.close();
await peer.close();
process.exit(0);
