/**
 * Assembles and runs one Pipewright server: config → SQLite store → media supervisor → domain
 * services → HTTP listener, and takes it down in the reverse order. `main.ts` runs it as a
 * process; tests start it in-process on a free port with a temporary data directory.
 */
import { mkdirSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "pino";
import type { Config } from "./config/schema.ts";
import { AccessControl } from "./domain/access.ts";
import type { EventLog } from "./domain/event-log.ts";
import { DomainEventBus } from "./domain/events.ts";
import { kurentoCatalogue } from "./domain/catalogue/kmd.ts";
import { MediaEventRouter } from "./domain/media-events.ts";
import { PlayerService } from "./domain/players.ts";
import { RecordingService } from "./domain/recordings.ts";
import { StreamRecording } from "./domain/stream-recording.ts";
import { UriEndpointSetup } from "./domain/uri-endpoints.ts";
import { OperationService } from "./domain/operations.ts";
import { PipelineMedia } from "./domain/pipeline-media.ts";
import { PipelineService } from "./domain/pipelines.ts";
import { WebRtcService } from "./domain/webrtc.ts";
import { StreamService } from "./domain/streams.ts";
import type { WebhookService } from "./domain/webhooks.ts";
import { createEventServices } from "./event-services.ts";
import { createApp } from "./http/app.ts";
import type { HttpDeps } from "./http/context.ts";
import { createKurentoFace, type KurentoFace } from "./kurento/face.ts";
import { createLogger } from "./log.ts";
import type { WorkerSettings } from "./media/protocol.ts";
import { MediaSupervisor } from "./media/supervisor.ts";
import { closeDatabase, type Db, openDatabase } from "./store/db.ts";
import { PipelineStore } from "./store/pipelines.ts";
import { RecordingStore } from "./store/recordings.ts";
import { SessionStore } from "./store/sessions.ts";
import { TokenStore } from "./store/tokens.ts";

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  db: Db;
  media: MediaSupervisor;
  streams: StreamService;
  pipelines: PipelineService;
  webrtc: WebRtcService;
  operations: OperationService;
  recordings: RecordingService;
  streamRecording: StreamRecording;
  access: AccessControl;
  events: DomainEventBus;
  eventLog: EventLog;
  webhooks: WebhookService;
  kurento: KurentoFace;
  log: Logger;
  stop(): Promise<void>;
}

export function workerSettings(config: Config): WorkerSettings {
  const { webrtc } = config;
  return {
    logLevel: config.logLevel,
    listenAddress: webrtc.listenAddress,
    portRange: webrtc.portRange,
    maxIncomingBitrate: webrtc.maxIncomingBitrate,
    connectTimeoutMs: webrtc.connectTimeoutMs,
    gopCacheMaxPackets: webrtc.gopCacheMaxPackets,
    pliMinIntervalMs: webrtc.pliMinIntervalMs,
    recording: {
      jitterBufferMs: config.recording.jitterBufferMs,
      syncWaitMs: config.recording.syncWaitMs,
      syncIntervalMs: config.recording.syncIntervalMs,
      mp4KeyframeIntervalMs: config.recording.mp4KeyframeIntervalMs,
    },
    player: { allowPrivateAddresses: config.player.allowPrivateAddresses, httpTimeoutMs: config.player.httpTimeoutMs },
  };
}

/** How long shutdown waits for recordings to be finished before stopping the media workers. */
const SHUTDOWN_RECORDING_MS = 20_000;

export function recordingsRoot(config: Config): string {
  return resolve(config.recordingsDir ?? join(config.dataDir, "recordings"));
}

export function databaseFile(config: Config): string {
  return join(resolve(config.dataDir), "pipewright.db");
}

function listen(server: ServerType): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolvePort((server.address() as AddressInfo).port));
  });
}

export async function startServer(config: Config, options: { log?: Logger } = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  const db = openDatabase(databaseFile(config));
  const recordingsDir = recordingsRoot(config);
  mkdirSync(recordingsDir, { recursive: true });

  const events = new DomainEventBus();
  const eventServices = createEventServices(db, events, config, log);
  const media = new MediaSupervisor({
    workers: config.media.workers === 0 ? availableParallelism() : config.media.workers,
    settings: workerSettings(config),
    requestTimeoutMs: config.media.requestTimeoutMs,
    heartbeatTimeoutMs: config.media.heartbeatTimeoutMs,
    log: log.child({ component: "media" }),
  });
  const pipelineStore = new PipelineStore(db);
  const sessions = new SessionStore(db);
  const uriSetup = new UriEndpointSetup({
    recordingsRoot: recordingsDir,
    mediaRoots: config.player.mediaRoots.map((root) => resolve(root)),
    allowPrivateAddresses: config.player.allowPrivateAddresses,
  });
  const pipelines = new PipelineService(pipelineStore, new PipelineMedia(pipelineStore, media), events, kurentoCatalogue(), uriSetup);
  const webrtc = new WebRtcService(pipelines, config.webrtc);
  const streams = new StreamService(
    { pipelines, webrtc, store: pipelineStore, sessions, events, log: log.child({ component: "streams" }) },
    { publisherGraceMs: config.webrtc.publisherGraceMs },
  );
  const recordingStore = new RecordingStore(db);
  const recordings = new RecordingService({ store: recordingStore, pipelines, events, media, log: log.child({ component: "recordings" }) }, recordingsDir);
  const streamRecording = new StreamRecording(
    { store: recordingStore, sessions, pipelines, recordings, log: log.child({ component: "record-on-publish" }) },
    { streams: config.recording.streams, profile: config.recording.streamProfile },
  );
  streamRecording.attach(events);
  const operations = new OperationService(pipelines, webrtc, { recordings, players: new PlayerService(pipelines) });
  const access = new AccessControl(new TokenStore(db));
  const mediaEvents = new MediaEventRouter({ store: pipelineStore, streams, events, recordings, log: log.child({ component: "media-events" }) });

  const recovered = streams.recoverAfterRestart();
  if (recovered > 0) log.warn({ sessions: recovered }, "closed sessions left open by the previous run (their media is gone)");
  // Kurento sessions do not outlive the process (clients rebuild after 40007), so neither do their objects.
  for (const pipeline of pipelineStore.listPipelines("kurento")) pipelines.forgetPipeline(pipeline.id);
  const storedPipelines = pipelineStore.listPipelines().map((pipeline) => pipeline.id);
  pipelines.markMediaLost(storedPipelines, "the server restarted");

  media.on("event", (name, data) => mediaEvents.handle(name, data));
  media.on("workerDied", (loss) => {
    streams.onWorkerLost(loss.pipelineIds);
    pipelines.markMediaLost(loss.pipelineIds.filter((id) => pipelineStore.getPipeline(id)), `media worker ${loss.pid ?? "?"} died: ${loss.reason}`);
    recordings.onWorkerLost(loss.pipelineIds);
    events.publish("worker.died", {}, { slot: loss.slot, pid: loss.pid, reason: loss.reason, pipelineIds: loss.pipelineIds });
  });
  media.on("workerStarted", (info) => {
    events.publish("worker.started", {}, info);
    void recordings.onWorkerStarted();
  });
  /** What start-up acquired before serving: workers, event delivery, the database. */
  const releaseCore = async () => {
    await media.stop();
    await eventServices.stop();
    closeDatabase(db);
  };
  try {
    await media.start();
  } catch (error) {
    await releaseCore();
    throw error;
  }

  void recordings.repairAtStartup();
  const services = {
    config,
    log,
    streams,
    pipelines,
    webrtc,
    operations,
    recordings,
    streamRecording,
    access,
    media,
    eventLog: eventServices.eventLog,
    webhooks: eventServices.webhooks,
  } satisfies HttpDeps;
  const app = createApp(services);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  let port: number;
  try {
    port = await listen(server);
  } catch (error) {
    await releaseCore();
    throw error;
  }
  const kurento = createKurentoFace({ config, pipelines, operations, access, events, log: log.child({ component: "kurento" }) });
  kurento.attach(server as HttpServer);
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${shownHost}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      kurento.stop();
      server.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await recordings.stopAll(SHUTDOWN_RECORDING_MS);
      await streams.closeAll("server shutting down");
      await releaseCore();
      log.info("stopped");
    })());

  eventServices.start();
  return { ...services, url, port, db, events, kurento, stop };
}
