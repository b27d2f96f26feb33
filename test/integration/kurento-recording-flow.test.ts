/**
 * The Kurento Java tutorials' hello-world-recording and player flows, driven the way the
 * Kurento protocol face drives the domain: OperationService.invoke with kmd method names on
 * objects made by PipelineService — WebRtcEndpoint looped back and connected to a
 * RecorderEndpoint(uri, WEBM), processOffer, gatherCandidates, record(), stopAndWait(); then a
 * PlayerEndpoint on the same URI into a second WebRtcEndpoint, getVideoInfo, play(), and
 * EndOfStream. The domain events a Kurento client subscribes to arrive in Kurento's order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DomainEvent } from "../../src/domain/events.ts";
import { createFilePublisher } from "../helpers/file-publisher.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createViewer, waitFor } from "../helpers/werift-peer.ts";

describe("Kurento recording and player flows through OperationService.invoke", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("hello-world-recording, then the player tutorial on the recorded file", async (t) => {
    const { operations, pipelines } = server;
    const events: DomainEvent[] = [];
    server.events.on("event", (event) => events.push(event));
    const uri = `file://${join(server.recordings.root, "HelloWorldRecorded.webm")}`;

    const pipeline = pipelines.createPipeline({ origin: "kurento" });
    const webrtc = (await pipelines.createElement(pipeline.id, "WebRtcEndpoint", {})).id;
    const recorder = (await pipelines.createElement(pipeline.id, "RecorderEndpoint", { uri, mediaProfile: "WEBM" })).id;
    await operations.invoke(webrtc, "connect", { sink: webrtc });
    await operations.invoke(webrtc, "connect", { sink: recorder });
    const source = await createFilePublisher("vp8");
    t.after(async () => {
      await source.stop();
      await source.publisher.pc.close();
    });
    const answer = (await operations.invoke(webrtc, "processOffer", { offer: source.publisher.offer })) as string;
    await operations.invoke(webrtc, "gatherCandidates", {});
    await source.publisher.pc.setRemoteDescription({ type: "answer", sdp: answer });
    await waitFor(() => source.publisher.pc.connectionState === "connected", 10_000, "connected");
    source.start();

    assert.equal(await operations.invoke(recorder, "getUri", {}), uri);
    assert.equal(await operations.invoke(recorder, "getState", {}), "STOP");
    await operations.invoke(recorder, "record", {});
    await waitFor(() => events.some((event) => event.type === "element.recording" && event.objectId === recorder), 10_000, "Recording");
    assert.equal(await operations.invoke(recorder, "getState", {}), "START");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await operations.invoke(recorder, "stopAndWait", {});
    assert.equal(await operations.invoke(recorder, "getState", {}), "STOP");
    const recorderEvents = events.filter((event) => event.objectId === recorder).map((event) => (event.type === "element.uriStateChanged" ? `state ${(event.data as { state: string }).state}` : event.type));
    assert.deepEqual(
      recorderEvents.filter((type) => type !== "element.mediaFlowIn"),
      ["element.created", "state START", "element.recording", "state STOP", "element.stopped"],
      "UriEndpointStateChanged, Recording, Stopped in Kurento's order",
    );
    const refused = await operations.invoke(recorder, "play", {}).catch((error: { code: string }) => error.code);
    assert.equal(refused, "UNKNOWN_OPERATION", "a recorder has no play()");

    const playback = pipelines.createPipeline({ origin: "kurento" });
    const player = (await pipelines.createElement(playback.id, "PlayerEndpoint", { uri })).id;
    const viewerEndpoint = (await pipelines.createElement(playback.id, "WebRtcEndpoint", {})).id;
    await operations.invoke(player, "connect", { sink: viewerEndpoint });
    const videoInfo = (await operations.invoke(player, "getVideoInfo", {})) as Record<string, unknown>;
    assert.equal(videoInfo.__type__, "VideoInfo");
    assert.equal(videoInfo.isSeekable, true);
    assert.ok(Math.abs((videoInfo.duration as number) - 3000) < 600, `the recording's duration: ${String(videoInfo.duration)} ms`);
    const viewer = await createViewer();
    t.after(() => viewer.pc.close());
    await viewer.pc.setRemoteDescription({ type: "answer", sdp: (await operations.invoke(viewerEndpoint, "processOffer", { offer: viewer.offer })) as string });
    await waitFor(() => viewer.pc.connectionState === "connected", 10_000, "viewer connected");
    const ended = server.events.next("element.endOfStream", (event) => event.objectId === player);
    await operations.invoke(player, "play", {});
    await waitFor(() => viewer.received.video.length > 20, 5000, "the recording reaching the viewer");
    assert.ok((await operations.invoke(player, "getPosition", {})) as number > 0);
    await ended;
    await pipelines.releasePipeline(pipeline.id);
    await pipelines.releasePipeline(playback.id);
  });
});
