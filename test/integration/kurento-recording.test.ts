/**
 * The Kurento Java tutorials' hello-world-recording and player flows with the real
 * kurento-client over the Kurento protocol: a WebRtcEndpoint looped back and connected to a
 * RecorderEndpoint(uri, WEBM), processOffer, gatherCandidates, record(), stopAndWait() with
 * UriEndpointStateChanged, Recording and Stopped in Kurento's order; then a PlayerEndpoint on the
 * recorded file into a second WebRtcEndpoint: getVideoInfo, play(), the viewer receiving the
 * recording, and EndOfStream.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { call, connectClient, type KurentoClient } from "../helpers/kurento-client.ts";
import { createFilePublisher } from "../helpers/file-publisher.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createViewer, waitFor } from "../helpers/werift-peer.ts";

describe("Kurento recording and player tutorials with kurento-client", () => {
  let server: TestServer;
  let client: KurentoClient;
  before(async () => {
    server = await startTestServer();
    client = await connectClient(server.url);
  });
  after(async () => {
    client?.close();
    await server.close();
  });

  it("hello-world-recording, then the player tutorial on the recorded file", async (t) => {
    const uri = `file://${join(server.recordings.root, "HelloWorldRecorded.webm")}`;
    const pipeline = await call<KurentoClient>(client, "create", "MediaPipeline");
    const webrtc = await call<KurentoClient>(pipeline, "create", "WebRtcEndpoint");
    const recorder = await call<KurentoClient>(pipeline, "create", "RecorderEndpoint", { uri, mediaProfile: "WEBM" });
    const recorderEvents: string[] = [];
    recorder.on("UriEndpointStateChanged", (event: { state: string }) => recorderEvents.push(`state ${event.state}`));
    for (const type of ["Recording", "Paused", "Stopped", "Error"]) recorder.on(type, () => recorderEvents.push(type));
    await call(webrtc, "connect", webrtc);
    await call(webrtc, "connect", recorder);
    const source = await createFilePublisher("vp8");
    t.after(async () => {
      await source.stop();
      await source.publisher.pc.close();
    });
    const answer = await call<string>(webrtc, "processOffer", source.publisher.offer);
    await call(webrtc, "gatherCandidates");
    await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
    await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "connected");
    source.start();

    assert.equal(await call(recorder, "getUri"), uri);
    assert.equal(await call(recorder, "getState"), "STOP");
    await call(recorder, "record");
    await waitFor(() => recorderEvents.includes("Recording"), 10_000, "Recording");
    assert.equal(await call(recorder, "getState"), "START");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await call(recorder, "stopAndWait");
    assert.equal(await call(recorder, "getState"), "STOP");
    await waitFor(() => recorderEvents.includes("Stopped"), 5000, "Stopped");
    assert.deepEqual(recorderEvents, ["state START", "Recording", "state STOP", "Stopped"], "UriEndpointStateChanged, Recording, Stopped in Kurento's order");

    const playback = await call<KurentoClient>(client, "create", "MediaPipeline");
    const player = await call<KurentoClient>(playback, "create", "PlayerEndpoint", { uri });
    const viewerEndpoint = await call<KurentoClient>(playback, "create", "WebRtcEndpoint");
    await call(player, "connect", viewerEndpoint);
    const videoInfo = await call<Record<string, unknown>>(player, "getVideoInfo");
    assert.equal(videoInfo.isSeekable, true);
    assert.ok(Math.abs((videoInfo.duration as number) - 3000) < 600, `the recording's duration: ${String(videoInfo.duration)} ms`);
    const viewer = await createViewer();
    t.after(() => viewer.pc.close());
    await viewer.pc.setRemoteDescription({ type: "answer", sdp: await call<string>(viewerEndpoint, "processOffer", viewer.offer) });
    await waitFor(() => viewer.pc.connectionState === "connected", 10_000, "viewer connected");
    let ended = false;
    player.on("EndOfStream", () => (ended = true));
    await call(player, "play");
    await waitFor(() => viewer.received.video.length > 20, 5000, "the recording reaching the viewer");
    assert.ok((await call<number>(player, "getPosition")) > 0);
    await waitFor(() => ended, 10_000, "EndOfStream");
    await call(pipeline, "release");
    await call(playback, "release");
  });
});
