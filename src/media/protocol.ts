/**
 * The typed IPC protocol between the control plane (media/supervisor.ts) and a media worker
 * process (media/worker.ts). Requests carry an id and get exactly one response; events flow
 * from the worker unprompted. Messages travel over Node's child-process IPC channel with
 * structured-clone serialization. This file is imported by both sides and imports nothing.
 */

export type MediaKind = "audio" | "video";
/** Kurento's MediaType names; `undefined` on a connection means every kind. */
export type KurentoMediaType = "AUDIO" | "VIDEO" | "DATA";

/** One codec as negotiated on an m-line, exactly as it must appear in the answer. */
export interface CodecChoice {
  mimeType: string;
  clockRate: number;
  channels?: number;
  payloadType: number;
  /** fmtp parameters verbatim (`profile-level-id=42e01f;packetization-mode=1`). */
  parameters?: string;
}

/** What a WebRtcEndpoint sends and receives, decided by the control plane from the offer. */
export interface NegotiationPlan {
  /** `recvonly`: we receive (WHIP publisher); `sendonly`: we send (WHEP viewer). */
  direction: "recvonly" | "sendonly";
  codecs: Partial<Record<MediaKind, CodecChoice>>;
}

/** Settings every endpoint of a worker uses; sent once after the worker starts. */
export interface WorkerSettings {
  logLevel: string;
  /** IPv4 address media sockets bind to; undefined = all interfaces. */
  listenAddress?: string;
  announcedAddresses: string[];
  announceOnly: boolean;
  portRange: [number, number];
  maxIncomingBitrate: number;
  connectTimeoutMs: number;
  gopCacheMaxPackets: number;
  pliMinIntervalMs: number;
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
}

export interface EndpointStats {
  elementId: string;
  connectionState: string;
  packetsReceived: Partial<Record<MediaKind, number>>;
  packetsSent: Partial<Record<MediaKind, number>>;
  keyframeRequestsSent: number;
}

export interface WorkerHealth {
  pid: number;
  rss: number;
  endpoints: number;
  /** Open UDP sockets: media ports in use (a leak shows here). */
  udpSockets: number;
}

/** Request name → parameters and result. */
export interface Commands {
  "worker.configure": { params: WorkerSettings; result: void };
  "worker.ping": { params: Record<string, never>; result: WorkerHealth };
  "webrtc.create": { params: { pipelineId: string; elementId: string }; result: void };
  "webrtc.processOffer": { params: { elementId: string; offer: string; plan: NegotiationPlan }; result: { answer: string } };
  "webrtc.addIceCandidates": { params: { elementId: string; candidates: IceCandidateInit[] }; result: void };
  "element.connect": { params: { sourceId: string; sinkId: string; mediaType?: KurentoMediaType }; result: void };
  "element.disconnect": { params: { sourceId: string; sinkId: string; mediaType?: KurentoMediaType }; result: void };
  "element.requestKeyframe": { params: { elementId: string }; result: void };
  "element.stats": { params: { elementId: string }; result: EndpointStats };
  "element.release": { params: { elementId: string }; result: void };
  "pipeline.release": { params: { pipelineId: string }; result: void };
}

export type CommandName = keyof Commands;

export type EndpointConnectionState = "connecting" | "connected" | "failed" | "closed";

/** Event name → payload. */
export interface Events {
  /** ICE + DTLS state of a WebRtcEndpoint; `failed` covers consent expiry and connect timeout. */
  "webrtc.state": { elementId: string; state: EndpointConnectionState; reason?: string };
  /** Facts learnt from the media itself, e.g. the real H.264 profile from the SPS. */
  "media.info": { elementId: string; kind: MediaKind; profileLevelId?: string };
}

export type EventName = keyof Events;

/** Error codes a worker answers with; the supervisor maps them onto the domain error table. */
export type WorkerErrorCode =
  | "NOT_FOUND"
  | "SDP_PARSE_ERROR"
  | "UNSUPPORTED_MEDIA"
  | "INVALID_STATE"
  | "ICE_ADD_CANDIDATE_ERROR"
  | "INTERNAL"
  /** The worker died or did not answer in time (raised by the supervisor, never by a worker). */
  | "UNAVAILABLE";

export type ControlMessage = { kind: "request"; id: number; method: CommandName; params: unknown };

export type WorkerMessage =
  | { kind: "response"; id: number; result?: unknown; error?: { code: WorkerErrorCode; message: string } }
  | { kind: "event"; name: EventName; data: unknown }
  | { kind: "ready" };
