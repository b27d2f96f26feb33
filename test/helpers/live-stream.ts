/**
 * A running stream for tests that need one to act on: a werift publisher connected over WHIP
 * and sending synthetic VP8 + Opus, and a werift viewer connected over WHEP and receiving.
 * `stop()` ends the media and closes both peers (it sends no DELETE).
 */
import assert from "node:assert/strict";
import { post, type SessionResponse, type TestServer } from "./server.ts";
import { createPublisher, createViewer, type Publisher, sendSyntheticMedia, type Viewer, waitFor } from "./werift-peer.ts";

export interface LiveStream {
  publisher: Publisher;
  viewer: Viewer;
  /** The 201 answers, with the session URLs in `Location`. */
  whip: SessionResponse;
  whep: SessionResponse;
  /** Stops sending and closes both peers; resolves with the video frames sent. */
  stop(): Promise<number>;
}

export async function startLiveStream(server: TestServer, stream: string, seconds = 60): Promise<LiveStream> {
  const publisher = await createPublisher();
  const whip = await post(`${server.url}/whip/${stream}`, publisher.offer);
  assert.equal(whip.status, 201, whip.body);
  await publisher.pc.setRemoteDescription({ type: "answer", sdp: whip.body });
  await waitFor(() => publisher.pc.connectionState === "connected", 10_000, "publisher connected");
  const sending = new AbortController();
  const media = sendSyntheticMedia(publisher, seconds, 30, sending.signal);
  const viewer = await createViewer();
  const whep = await post(`${server.url}/whep/${stream}`, viewer.offer);
  assert.equal(whep.status, 201, whep.body);
  await viewer.pc.setRemoteDescription({ type: "answer", sdp: whep.body });
  await waitFor(() => viewer.received.video.length > 10, 10_000, "viewer receiving");
  return {
    publisher,
    viewer,
    whip,
    whep,
    async stop() {
      sending.abort();
      const frames = await media;
      await Promise.all([publisher.pc.close(), viewer.pc.close()]);
      return frames;
    },
  };
}
