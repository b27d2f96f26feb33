/**
 * A WHIP publisher and a WHEP viewer in a process of their own, for tests that kill it without
 * a DELETE (a client that vanishes). Prints one JSON line with both session URLs once both are
 * connected and media flows, then keeps sending until it is killed.
 * Usage: node test/helpers/vanishing-client.ts <server-url> <stream>
 */
import { createPublisher, createViewer, sendSyntheticMedia, waitFor } from "./werift-peer.ts";

const [serverUrl, stream] = process.argv.slice(2);

async function negotiate(url: string, offer: string): Promise<{ location: string; answer: string }> {
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offer });
  if (response.status !== 201) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return { location: response.headers.get("location")!, answer: await response.text() };
}

const publisher = await createPublisher();
const whip = await negotiate(`${serverUrl}/whip/${stream}`, publisher.offer);
await publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.answer });
await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher connected");
void sendSyntheticMedia(publisher, 3600);
const viewer = await createViewer();
const whep = await negotiate(`${serverUrl}/whep/${stream}`, viewer.offer);
await viewer.pc.setRemoteDescription({ type: "answer", sdp: whep.answer });
await waitFor(() => viewer.received.video.length > 0, 10_000, "viewer receiving");
console.log(JSON.stringify({ publisher: whip.location, viewer: whep.location }));
