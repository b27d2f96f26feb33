/**
 * The real kurento-client (7.2.0 from npm) against Pipewright, as an existing application
 * server would use it: the connect handshake, every supported type created, described, invoked
 * and released — and visible over REST, as REST objects are drivable from here — property and
 * tag round trips, Kurento's errors arriving as kurento-client's error classes, event
 * subscriptions, reconnecting to the same session, learning after a server restart that the
 * session is gone, and sessions collected after their grace period.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectClient, type KurentoClient } from "../helpers/kurento-client.ts";
import { Rest } from "../helpers/rest.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { waitFor } from "../helpers/werift-peer.ts";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

type KurentoFailure = Error & { code?: number; data?: { type?: string } };

/**
 * Calls `object[method](...args)` in kurento-client's callback form and resolves with the error
 * it reports. (Its promise form never settles when the server answers with an error: it hands
 * the error to a no-op callback — so applications, and this test, use callbacks.)
 */
function failure(object: KurentoClient, method: string, ...args: unknown[]): Promise<KurentoFailure> {
  return new Promise((resolve, reject) => {
    object[method](...args, (error: KurentoFailure | null) => (error ? resolve(error) : reject(new Error(`expected ${method} to fail`))));
  });
}

/** Resolves with the next `type` event the object raises. */
function nextEvent(object: KurentoClient, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (data: Record<string, unknown>) => {
      object.removeListener(type, listener);
      resolve(data);
    };
    object.on(type, listener);
  });
}

describe("kurento-client against Pipewright", () => {
  let server: TestServer;
  let api: Rest;
  let client: KurentoClient;

  before(async () => {
    server = await startTestServer();
    api = new Rest(server.url);
    client = await connectClient(server.url);
  });
  after(async () => {
    client?.close();
    await server.close();
  });

  it("connects with Kurento's handshake and reports the modules an application checks for", async () => {
    const manager = await client.getServerManager();
    const info = await manager.getInfo();
    assert.equal(info.type, "KMS");
    assert.match(info.version, /^7\./);
    const modules = info.modules.map((module: { name: string }) => module.name).sort();
    assert.deepEqual(modules, ["core", "elements", "filters"]);
    const core = info.modules.find((module: { name: string }) => module.name === "core");
    assert.ok(core.factories.includes("MediaPipeline") && core.factories.includes("PassThrough"), "core lists its factories");
    assert.equal((await manager.getSessions()).length, 1, "one session: this client's");
    assert.ok(JSON.parse(await manager.getKmd("elements")).remoteClasses.some((cls: { name: string }) => cls.name === "WebRtcEndpoint"));
  });

  it("creates, describes, invokes and releases every supported type, the same objects REST sees", async () => {
    const pipeline = await client.create("MediaPipeline");
    assert.match(pipeline.id, new RegExp(`^${UUID}_kurento\\.MediaPipeline$`));
    const uri = `file://${join(server.dataDir, "recordings", "kurento.webm")}`;
    const dispatcher = await pipeline.create("Dispatcher");
    const elements: Record<string, KurentoClient> = {
      WebRtcEndpoint: await pipeline.create("WebRtcEndpoint", { recvonly: false }),
      PassThrough: await pipeline.create("PassThrough"),
      Dispatcher: dispatcher,
      DispatcherOneToMany: await pipeline.create("DispatcherOneToMany"),
      HubPort: await dispatcher.createHubPort(),
      RecorderEndpoint: await pipeline.create("RecorderEndpoint", { uri, mediaProfile: "WEBM" }),
      PlayerEndpoint: await pipeline.create("PlayerEndpoint", { uri }),
    };
    const pipelineUuid = pipeline.id.split("_")[0];
    const listed = (await api.expect(200, "GET", `/v1/pipelines/${pipelineUuid}/elements`)).items as Array<{ kurentoId: string; type: string }>;
    for (const [type, element] of Object.entries(elements)) {
      assert.match(element.id, new RegExp(`^${pipeline.id}/${UUID}_kurento\\.${type}$`), `${type} id in Kurento's form`);
      const described = await client.getMediaobjectById(element.id);
      assert.equal(described.constructor.name, type, `describe tells kurento-client it is a ${type}`);
      // kurento-client never settles getMediaPipeline/getParent on a HubPort made by
      // createHubPort (it gets the answer and hangs, whatever the server), so ask the others.
      if (type !== "HubPort") {
        assert.equal((await element.getMediaPipeline()).id, pipeline.id);
        assert.equal((await element.getParent()).id, pipeline.id);
      }
      assert.ok(listed.some((row) => row.kurentoId === element.id && row.type === type), `REST lists the ${type}`);
    }
    assert.equal((await pipeline.getChildren()).length, Object.keys(elements).length);
    assert.equal((await api.expect(200, "GET", `/v1/pipelines/${pipelineUuid}`)).origin, "kurento");

    await elements.PassThrough.release();
    const passThroughUuid = elements.PassThrough.id.split("/")[1].split("_")[0];
    await api.expect(404, "GET", `/v1/pipelines/${pipelineUuid}/elements/${passThroughUuid}`);
    const manager = await client.getServerManager();
    const destroyed: string[] = [];
    manager.on("ObjectDestroyed", (event: { objectId: string }) => destroyed.push(event.objectId));
    await waitFor(() => [...server.kurento.sessions.all()].some((session) => [...session.subscriptions.values()].some((subscription) => subscription.type === "ObjectDestroyed")), 5000, "the subscription");
    await pipeline.release();
    await api.expect(404, "GET", `/v1/pipelines/${pipelineUuid}`);
    await waitFor(() => destroyed.length === Object.keys(elements).length, 5000, "ObjectDestroyed for the pipeline and each remaining element");
    assert.ok(destroyed.includes(pipeline.id) && destroyed.includes(elements.WebRtcEndpoint.id), destroyed.join(", "));
    const gone = await failure(client, "getMediaobjectById", elements.WebRtcEndpoint.id);
    assert.ok(gone instanceof ReferenceError, "an element of a released pipeline is gone");
    assert.equal(gone.code, 40101);
  });

  it("drives objects made over REST, and REST sees what it changes", async () => {
    const { id: p, kurentoId } = await api.expect(201, "POST", "/v1/pipelines", { name: "made-over-rest" });
    const created = await api.expect(201, "POST", `/v1/pipelines/${p}/elements`, { type: "PassThrough" });
    const pipeline = await client.getMediaobjectById(kurentoId);
    assert.equal(await pipeline.getName(), "made-over-rest");
    const passThrough = await client.getMediaobjectById(created.kurentoId);
    await passThrough.setName("renamed-by-kurento");
    assert.equal((await api.expect(200, "GET", `/v1/pipelines/${p}/elements/${created.id}`)).properties.name, "renamed-by-kurento");
    const sink = await pipeline.create("PassThrough");
    await passThrough.connect(sink, "VIDEO");
    const connections = (await api.expect(200, "GET", `/v1/pipelines/${p}/connections`)).items;
    assert.equal(connections.length, 1);
    assert.equal(connections[0].mediaType, "VIDEO");
    await api.expect(204, "DELETE", `/v1/pipelines/${p}`);
  });

  it("round-trips properties and tags", async () => {
    const pipeline = await client.create("MediaPipeline");
    const endpoint = await pipeline.create("WebRtcEndpoint");
    assert.equal(await endpoint.getMaxVideoSendBandwidth(), 500, "KMS's default");
    await endpoint.setMaxVideoSendBandwidth(1200);
    assert.equal(await endpoint.getMaxVideoSendBandwidth(), 1200);
    await endpoint.setMaxVideoRecvBandwidth(800);
    assert.equal(await endpoint.getMaxVideoRecvBandwidth(), 800);
    assert.equal(await endpoint.getName(), endpoint.id, "a name defaults to the object's id");
    await endpoint.setName("camera");
    assert.equal(await endpoint.getName(), "camera");
    await pipeline.setName("room-7");
    assert.equal(await pipeline.getName(), "room-7");
    const now = Date.now() / 1000;
    assert.ok(Math.abs((await endpoint.getCreationTime()) - now) < 60, "creationTime is epoch seconds");
    assert.equal(await endpoint.getSendTagsInEvents(), false);
    await pipeline.setLatencyStats(true);
    assert.equal(await pipeline.getLatencyStats(), true, "a pipeline keeps its own properties");

    await endpoint.addTag("room", "7");
    await endpoint.addTag("role", "presenter");
    assert.equal(await endpoint.getTag("room"), "7");
    assert.deepEqual((await endpoint.getTags()).map((tag: { key: string; value: string }) => `${tag.key}=${tag.value}`).sort(), ["role=presenter", "room=7"]);
    await endpoint.removeTag("room");
    const missing = await failure(endpoint, "getTag", "room");
    assert.equal(missing.code, 40110);

    // Events carry the source's tags once sendTagsInEvents is on.
    const sink = await pipeline.create("PassThrough");
    await endpoint.setSendTagsInEvents(true);
    const connected = nextEvent(endpoint, "ElementConnected");
    await endpoint.connect(sink, "AUDIO");
    const event = await connected;
    assert.equal(event.sink, sink.id, "the sink arrives as its Kurento id");
    assert.equal(event.mediaType, "AUDIO");
    assert.deepEqual((event.tags as Array<{ key: string; value: string }>).map((tag) => `${tag.key}=${tag.value}`), ["role=presenter"]);
    await pipeline.release();
  });

  it("answers with Kurento's errors, which kurento-client turns into its error classes", async () => {
    const missing = await failure(client, "getMediaobjectById", "00000000-0000-4000-8000-000000000000_kurento.MediaPipeline");
    assert.ok(missing instanceof ReferenceError);
    assert.equal(missing.code, 40101);
    assert.equal(missing.data?.type, "MEDIA_OBJECT_NOT_FOUND");

    const pipeline = await client.create("MediaPipeline");
    const passThrough = await pipeline.create("PassThrough");
    // An application handing over the id of the wrong kind of object: the pipeline as a sink.
    const disguised = Object.create(passThrough, { id: { value: pipeline.id } });
    const wrongType = await failure(passThrough, "connect", disguised);
    assert.ok(wrongType instanceof TypeError, `a wrong object type is a TypeError (${wrongType.constructor.name})`);
    assert.equal(wrongType.code, 40100);

    const refused = await failure(pipeline, "create", "FaceOverlayFilter");
    assert.equal(refused.code, 40006, "elements that decode video are refused");
    assert.match(refused.message, /FaceOverlayFilter/);

    const endpoint = await pipeline.create("WebRtcEndpoint");
    const badSdp = await failure(endpoint, "processOffer", "this is not SDP");
    assert.equal(badSdp.code, 40201);
    assert.equal(badSdp.data?.type, "SDP_PARSE_ERROR");
    const noOffer = await failure(endpoint, "processAnswer", "v=0\r\n");
    assert.equal(noOffer.code, 40209);
    const noLocal = await failure(endpoint, "getLocalSessionDescriptor");
    assert.equal(noLocal.code, 40202);
    await pipeline.release();
  });

  it("subscribes and unsubscribes: events stop once the last listener goes", async () => {
    const pipeline = await client.create("MediaPipeline");
    const [source, first, second] = [await pipeline.create("PassThrough"), await pipeline.create("PassThrough"), await pipeline.create("PassThrough")];
    const received: string[] = [];
    const listener = (event: { sink: string }) => received.push(event.sink);
    source.on("ElementConnected", listener);
    await source.connect(first);
    await waitFor(() => received.length === 1, 5000, "ElementConnected");
    const session = [...server.kurento.sessions.all()][0];
    assert.equal([...session.subscriptions.values()].filter((subscription) => subscription.type === "ElementConnected").length, 1);
    source.removeListener("ElementConnected", listener);
    await waitFor(() => [...session.subscriptions.values()].every((subscription) => subscription.type !== "ElementConnected"), 5000, "the unsubscribe");
    await source.connect(second);
    const sinks = await source.getSinkConnections("AUDIO");
    assert.equal(sinks.length, 2, "the second connect happened");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, [first.id], "no event after unsubscribing");
    await pipeline.release();
  });
});

describe("kurento-client sessions across dropped connections and restarts", () => {
  it("reconnects to the same session and keeps its objects and subscriptions", async () => {
    const server = await startTestServer();
    const proxy = await startTcpProxy(server.port);
    const client = await connectClient(proxy.url);
    try {
      const pipeline = await client.create("MediaPipeline");
      const [source, sink] = [await pipeline.create("PassThrough"), await pipeline.create("PassThrough")];
      const connected = nextEvent(source, "ElementConnected");
      const subscribed = () => [...server.kurento.sessions.all()].some((session) => [...session.subscriptions.values()].some((subscription) => subscription.type === "ElementConnected"));
      await waitFor(subscribed, 5000, "the subscription");
      const reconnected = new Promise<boolean>((resolve) => client.once("reconnected", resolve));
      proxy.drop();
      assert.equal(await reconnected, true, "kurento-client reconnected to its session");
      assert.equal(await pipeline.getName(), pipeline.id, "the pipeline is still there");
      await source.connect(sink);
      assert.equal((await connected).sink, sink.id, "the subscription made before the drop still delivers");
      await pipeline.release();
    } finally {
      client.close();
      await proxy.close();
      await server.close();
    }
  });

  it("after a server restart, kurento-client learns its session is gone (40007) and starts afresh", async () => {
    const first = await startTestServer();
    const dataDir = first.dataDir;
    const proxy = await startTcpProxy(first.port);
    const client = await connectClient(proxy.url);
    let second: TestServer | undefined;
    try {
      const pipeline = await client.create("MediaPipeline");
      const reconnected = new Promise<boolean>((resolve) => client.once("reconnected", resolve));
      // While the server is down, the client's reconnection attempts wait at the relay
      // (however long the restart takes) instead of using up its retries.
      proxy.hold();
      await first.stop();
      second = await startTestServer({}, { dataDir });
      proxy.retarget(second.port);
      assert.equal(await reconnected, false, "the restarted server does not know the session");
      const gone = await failure(client, "getMediaobjectById", pipeline.id);
      assert.equal(gone.code, 40101, "the old session's objects went with the old process");
      const fresh = await client.create("MediaPipeline");
      assert.match(fresh.id, /_kurento\.MediaPipeline$/, "the client works on with a new session");
      await fresh.release();
    } finally {
      client.close();
      await proxy.close();
      await second?.close();
      await first.close();
    }
  });

  it("releases the objects of a session whose socket is gone after the grace period, and only those", async () => {
    const server = await startTestServer({ kurento: { sessionGraceMs: 300 } });
    const api = new Rest(server.url);
    const [leaving, staying] = [await connectClient(server.url), await connectClient(server.url)];
    try {
      const abandoned = await leaving.create("MediaPipeline");
      await abandoned.create("WebRtcEndpoint");
      const shared = await leaving.create("MediaPipeline");
      const kept = await staying.create("MediaPipeline");
      await staying.getMediaobjectById(shared.id); // now held by both sessions
      const { id: restPipeline } = await api.expect(201, "POST", "/v1/pipelines", {});
      const uuid = (kurentoId: string) => kurentoId.split("_")[0];

      await new Promise((resolve) => setTimeout(resolve, 600));
      await api.expect(200, "GET", `/v1/pipelines/${uuid(abandoned.id)}`);
      leaving.close();
      const deadline = Date.now() + 5000;
      while ((await api.call("GET", `/v1/pipelines/${uuid(abandoned.id)}`)).status !== 404 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await api.expect(404, "GET", `/v1/pipelines/${uuid(abandoned.id)}`);
      await api.expect(200, "GET", `/v1/pipelines/${uuid(shared.id)}`);
      await api.expect(200, "GET", `/v1/pipelines/${uuid(kept.id)}`);
      await api.expect(200, "GET", `/v1/pipelines/${restPipeline}`);
      assert.equal((await server.media.health()).reduce((sum, worker) => sum + worker.endpoints, 0), 0, "the collected endpoint left the worker");
    } finally {
      staying.close();
      await server.close();
    }
  });
});
