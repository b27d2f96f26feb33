/**
 * An OBS-style WHIP publisher (node-datachannel, libdatachannel like OBS) that learns its TURN
 * server the way OBS ≥ 30.2 does — from the `Link` headers of the WHIP 201, read with OBS's parser
 * rules — and gathers through it, as OBS does (no relay-only policy). Run in a client namespace
 * that can reach the TURN server but not the server's media address, so the relay is the only
 * way: `node obs-via-turn.ts <server url> <stream> <cert.pem> <key.pem> <token>`; prints one JSON
 * line with what happened.
 *
 * OBS posts its offer without candidates, then gathers with the Link servers
 * (`gatherLocalCandidates`); node-datachannel does not expose that call, so the same is done in
 * two peer connections that share what the server sees of the offer: the DTLS certificate
 * (certificate files) and the ICE ufrag/pwd. The first writes the offer with gathering disabled
 * and is POSTed; the second is built with the TURN server from the Link header, writes the
 * identical offer, gathers through TURN and takes the answer.
 */
import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { obsParseLinks, type RawResponse, headerLines } from "../../helpers/raw-http.ts";
import { ObsClient, waitForState } from "../../helpers/obs-client.ts";

const [serverUrl, stream, certificatePemFile, keyPemFile, token] = process.argv.slice(2);
const auth = { Authorization: `Bearer ${token}` };

function postOffer(offer: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${serverUrl}/whip/${stream}`, { method: "POST", headers: { "Content-Type": "application/sdp", ...auth } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.end(offer);
  });
}

/** The first Link server OBS would use, as libdatachannel's IceServer. */
function turnServerFrom(response: RawResponse) {
  const links = headerLines(response, "link");
  const server = obsParseLinks(links).find((entry) => entry.url.startsWith("turn:"));
  if (!server) throw new Error(`no turn: server in the Link headers: ${JSON.stringify(links)}`);
  const match = /^turn:([^:?]+):(\d+)/.exec(server.url)!;
  return { links, url: server.url, iceServer: { hostname: match[1], port: Number(match[2]), username: server.username, password: server.credential, relayType: "TurnUdp" as const } };
}

/** What the server's publisher endpoint of the stream received, from the REST API. */
async function publisherPacketsOut(): Promise<unknown> {
  const json = async (path: string) => (await fetch(`${serverUrl}/v1${path}`, { headers: auth })).json();
  const pipeline = ((await json("/pipelines")) as { items: Array<{ id: string; name: string }> }).items.find((item) => item.name === stream);
  const element = ((await json(`/pipelines/${pipeline!.id}/elements`)) as { items: Array<{ id: string; type: string }> }).items.find((item) => item.type === "WebRtcEndpoint");
  return ((await json(`/pipelines/${pipeline!.id}/elements/${element!.id}/stats`)) as { packetsOut: unknown }).packetsOut;
}

async function main(): Promise<Record<string, unknown>> {
  const ice = { iceUfrag: randomBytes(4).toString("hex"), icePwd: randomBytes(16).toString("hex") };
  const certificate = { certificatePemFile, keyPemFile, bindAddress: "10.251.0.1" };
  const videoSsrc = 0x12345678;
  const posting = new ObsClient({ videoSsrc, rtc: { ...certificate, disableAutoGathering: true } });
  const offer = await posting.offer(ice);
  posting.close();
  const response = await postOffer(offer);
  if (response.status !== 201) return { status: response.status, body: response.body };
  const turn = turnServerFrom(response);

  const client = new ObsClient({ videoSsrc, rtc: { ...certificate, iceServers: [turn.iceServer] } });
  const gathered = await client.offer(ice);
  const relayCandidates = client.localOffer.split("\r\n").filter((line) => / typ relay/.test(line)).length;
  const identity = (sdp: string) => sdp.split("\r\n").filter((line) => /^a=(ice-ufrag|ice-pwd|fingerprint):/.test(line));
  const sameOffer = JSON.stringify(identity(gathered)) === JSON.stringify(identity(offer));
  client.setAnswer(response.body);
  try {
    await waitForState(client, "connected", 15_000);
  } catch (error) {
    return { status: response.status, links: turn.links, turnUrl: turn.url, sameOffer, relayCandidates, state: client.state, error: (error as Error).message };
  }
  const framesSent = await client.stream(3);
  const selected = client.selectedPair();
  const received = await publisherPacketsOut();
  client.close();
  return { status: response.status, links: turn.links, turnUrl: turn.url, username: turn.iceServer.username, sameOffer, relayCandidates, state: "connected", selected, framesSent, received };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // node-datachannel may crash in its native cleanup at exit; the result is already out.
    process.exit(0);
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).stack })}\n`);
    process.exit(1);
  },
);
