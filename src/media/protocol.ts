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
  /**
   * What this endpoint is willing to do: `recvonly` (a WHIP publisher), `sendonly` (a WHEP
   * viewer) or `sendrecv` (a Kurento WebRtcEndpoint); the answer narrows it to the offer's.
   */
  direction: "recvonly" | "sendonly" | "sendrecv";
  codecs: Partial<Record<MediaKind, CodecChoice>>;
}

/** Element types a worker can hold. */
export type WorkerElementType = "WebRtcEndpoint" | "PassThrough" | "HubPort" | "Dispatcher" | "DispatcherOneToMany" | "RecorderEndpoint" | "PlayerEndpoint";

/** What an SDP negotiation settled: the codec per kind and the direction per kind. */
export interface NegotiatedMedia {
  codecs: Partial<Record<MediaKind, CodecChoice>>;
  directions: Partial<Record<MediaKind, "sendrecv" | "sendonly" | "recvonly" | "inactive">>;
}

/** Settings every endpoint of a worker uses; sent once after the worker starts. */
export interface WorkerSettings {
  logLevel: string;
  /** IPv4 address media sockets bind to; undefined = all interfaces. */
  listenAddress?: string;
  portRange: [number, number];
  maxIncomingBitrate: number;
  connectTimeoutMs: number;
  gopCacheMaxPackets: number;
  pliMinIntervalMs: number;
  recording: RecordingSettings;
  player: PlayerSettings;
}

/** How every RecorderEndpoint of a worker records. */
export interface RecordingSettings {
  /** How long a gap waits for a NACK retransmission before it counts as lost, per kind. */
  jitterBufferMs: Record<MediaKind, number>;
  /** How long the start waits for RTCP sender reports before using arrival time for A/V sync. */
  syncWaitMs: number;
  /** The file is synced to disk this often while it grows. */
  syncIntervalMs: number;
  /** MP4 fragments close on keyframes: one is requested this often while recording MP4. */
  mp4KeyframeIntervalMs: number;
}

/** How every PlayerEndpoint of a worker reads. */
export interface PlayerSettings {
  /** Whether http(s) sources may resolve to loopback, private, link-local or metadata addresses. */
  allowPrivateAddresses: boolean;
  /** An HTTP source must answer within this time. */
  httpTimeoutMs: number;
}

/** A RecorderEndpoint's file: an absolute path inside `root`, checked by the control plane. */
export interface RecorderSetup {
  root: string;
  path: string;
  /** Kurento MediaProfileSpecType (media/recording/profiles.ts). */
  profile: string;
  stopOnEndOfStream: boolean;
}

/** Where a PlayerEndpoint reads from, as checked by the control plane. */
export type PlayerSource = { kind: "file"; path: string; roots: string[] } | { kind: "http"; url: string };

/** Kurento's VideoInfo (times in ms). */
export interface VideoInfo {
  isSeekable: boolean;
  seekableInit: number;
  seekableEnd: number;
  duration: number;
}

export interface PlayerInfo {
  /** What the file sends, as negotiated codecs (what a WebRtcEndpoint fed by it must offer). */
  codecs: Partial<Record<MediaKind, CodecChoice>>;
  videoInfo: VideoInfo;
  /** Tracks of the file Pipewright cannot send (e.g. AAC audio), described. */
  skipped: string[];
  /** Why the source could not be opened (it is tried again at play). */
  error?: string;
}

/** What a finished (or repaired) recording holds. */
export interface FinishedRecording {
  durationMs: number;
  size: number;
  /** Codec strings as in the file (`vp8`, `avc1.42e01f`, `opus`), per kind. */
  codecs: Partial<Record<MediaKind, string>>;
}

/** Kurento UriEndpointState. */
export type UriEndpointState = "STOP" | "START" | "PAUSE";

/** A STUN or TURN server a worker gathers through, credentials included. */
export interface GatheringServer {
  urls: string;
  username?: string;
  credential?: string;
}

/**
 * How one WebRtcEndpoint gathers candidates: the server's configuration with the endpoint's own
 * Kurento properties (stunServerAddress, turnUrl, externalIPv4, networkInterfaces, iceTcp)
 * applied. Decided by the control plane when the endpoint negotiates.
 */
export interface EndpointIce {
  /** At most one STUN and one TURN server (werift takes one of each). */
  servers: GatheringServer[];
  /** Host candidate addresses to announce besides (or, with announceOnly, instead of) the interfaces'. */
  announcedAddresses: string[];
  announceOnly: boolean;
  /** Gather on these interfaces only; empty = all. */
  networkInterfaces: string[];
  /** Also gather ICE-TCP candidates (RFC 6544). */
  iceTcp: boolean;
}

/** A STUN/TURN server to probe, its URI already parsed by the control plane (RFC 7064/7065). */
export interface ProbeTarget {
  url: string;
  scheme: "stun" | "stuns" | "turn" | "turns";
  host: string;
  port: number;
  transport?: "udp" | "tcp";
  username?: string;
  credential?: string;
}

/** What probing one server found. */
export interface ServerProbe {
  url: string;
  ok: boolean;
  /** What happened, in words: the address learnt, or why it failed. */
  detail: string;
  /** Our address as the server saw it (STUN Binding, TURN Allocate). */
  mappedAddress?: string;
  /** TURN: the relayed address the server allocated. */
  relayedAddress?: string;
  ms: number;
}

/** The ICE self-test of a worker: the candidates an endpoint would offer, and each server probed. */
export interface IceSelfTest {
  candidates: Array<{ type: string; protocol: string; address: string; port: number }>;
  gatheringMs: number;
  servers: ServerProbe[];
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
}

export interface ElementStats {
  elementId: string;
  /** Packets that reached the element's inputs (from connected sources), per kind. */
  packetsIn: Record<MediaKind, number>;
  /** Packets the element's outputs produced (for a WebRtcEndpoint: received from its peer). */
  packetsOut: Record<MediaKind, number>;
  /** Packets its inputs delivered onward (for a WebRtcEndpoint: sent to its peer). */
  packetsForwarded: Record<MediaKind, number>;
  keyframeRequestsSent: number;
  /** WebRtcEndpoint only. */
  connectionState?: string;
  iceState?: string;
  /** WebRtcEndpoint only: its RTP streams as its peer connection counts them. */
  rtp?: RtpStreamStats[];
}

/** One RTP stream of a WebRtcEndpoint, from the peer connection's W3C webrtc-stats. */
export interface RtpStreamStats {
  /** inbound: received from the remote peer; outbound: sent to it. */
  direction: "inbound" | "outbound";
  kind: MediaKind;
  ssrc: number;
  mimeType?: string;
  packets: number;
  bytes: number;
  packetsLost?: number;
  /** Seconds (RFC 3550 interarrival jitter). */
  jitter?: number;
  fractionLost?: number;
  /** Seconds. */
  roundTripTime?: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
  /** Bits per second: the REMB we send for inbound streams, the one received for outbound. */
  remb?: number;
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
  /** Gathers as an endpoint with `ice` would, and probes each of `probes` (STUN Binding, TURN Allocate). */
  "worker.iceSelfTest": { params: { ice: EndpointIce; probes: ProbeTarget[] }; result: IceSelfTest };
  "element.create": {
    params: { pipelineId: string; elementId: string; type: WorkerElementType; hubId?: string; recorder?: RecorderSetup; player?: PlayerSource };
    result: void;
  };
  "webrtc.processOffer": { params: { elementId: string; offer: string; plan: NegotiationPlan; ice: EndpointIce }; result: { answer: string; negotiated: NegotiatedMedia } };
  "webrtc.generateOffer": { params: { elementId: string; direction: NegotiationPlan["direction"]; audio: boolean; video: boolean; ice: EndpointIce }; result: { offer: string } };
  "webrtc.processAnswer": { params: { elementId: string; answer: string }; result: { negotiated: NegotiatedMedia } };
  "webrtc.addIceCandidates": { params: { elementId: string; candidates: IceCandidateInit[] }; result: void };
  /** Emits a `webrtc.candidate` event per local candidate, then `webrtc.gatheringDone`. */
  "webrtc.gatherCandidates": { params: { elementId: string }; result: void };
  "webrtc.configure": { params: { elementId: string; maxIncomingBitrate?: number }; result: void };
  "hub.connect": { params: { hubId: string; sourcePortId: string; sinkPortId: string }; result: void };
  "hub.setSource": { params: { hubId: string; portId: string }; result: void };
  "hub.removeSource": { params: { hubId: string }; result: void };
  "element.connect": { params: { sourceId: string; sinkId: string; mediaType?: KurentoMediaType }; result: void };
  "element.disconnect": { params: { sourceId: string; sinkId: string; mediaType?: KurentoMediaType }; result: void };
  "element.requestKeyframe": { params: { elementId: string }; result: void };
  "element.stats": { params: { elementId: string }; result: ElementStats };
  "element.release": { params: { elementId: string }; result: void };
  "pipeline.release": { params: { pipelineId: string }; result: void };
  /** Starts (or resumes) recording; the file is opened on the first call. */
  "recorder.record": { params: { elementId: string; recordingId: string }; result: void };
  "recorder.pause": { params: { elementId: string }; result: void };
  /** Stops taking media at once; `recording.finished` follows when the file is finished. */
  "recorder.stop": { params: { elementId: string }; result: void };
  /** Finishes (repairs) a recording file left unfinished; not tied to a pipeline. */
  "recording.finish": { params: { root: string; path: string; profile: string; comment?: string }; result: FinishedRecording };
  "player.info": { params: { elementId: string }; result: PlayerInfo };
  "player.play": { params: { elementId: string }; result: void };
  "player.pause": { params: { elementId: string }; result: void };
  "player.stop": { params: { elementId: string }; result: void };
  "player.seek": { params: { elementId: string; positionMs: number }; result: void };
  "player.position": { params: { elementId: string }; result: { positionMs: number } };
}

export type CommandName = keyof Commands;

export type EndpointConnectionState = "connecting" | "connected" | "failed" | "closed";

/** Event name → payload. */
export interface Events {
  /** ICE + DTLS state of a WebRtcEndpoint; `failed` covers consent expiry and connect timeout. */
  "webrtc.state": { elementId: string; state: EndpointConnectionState; reason?: string };
  /** ICE agent state of a WebRtcEndpoint (new, checking, connected, completed, disconnected, failed, closed). */
  "webrtc.iceState": { elementId: string; state: string };
  /** A local ICE candidate of a WebRtcEndpoint, in SDP attribute form without `a=`. */
  "webrtc.candidate": { elementId: string; candidate: string; sdpMid: string; sdpMLineIndex: number };
  "webrtc.gatheringDone": { elementId: string };
  /** DTLS transport state of a WebRtcEndpoint (new, connecting, connected, closed, failed). */
  "webrtc.dtlsState": { elementId: string; state: string };
  /** ICE selected a candidate pair (Kurento's NewCandidatePairSelected); candidates in SDP attribute form. */
  "webrtc.candidatePair": { elementId: string; localCandidate: string; remoteCandidate: string };
  /** Gathering went wrong in a way the endpoint still works around, e.g. no relay candidate from its TURN server. */
  "webrtc.gatheringError": { elementId: string; reason: string };
  /** Facts learnt from the media itself, e.g. the real H.264 profile from the SPS. */
  "media.info": { elementId: string; kind: MediaKind; profileLevelId?: string };
  /** Media started or stopped flowing into (inputs) or out of (outputs) an element. */
  "media.flow": { elementId: string; direction: "in" | "out"; kind: MediaKind; flowing: boolean };
  /** A RecorderEndpoint or PlayerEndpoint changed state (Kurento UriEndpointStateChanged). */
  "uri.state": { elementId: string; state: UriEndpointState };
  /** The first frame of a recording was written: the file has begun (Kurento Recording). */
  "recording.started": { elementId: string; recordingId: string; codecs: Partial<Record<MediaKind, string>> };
  /** A recording ended: its file is finished, or it failed (with what could be saved, if anything). */
  "recording.finished": { elementId: string; recordingId: string; result?: FinishedRecording; error?: string };
  /**
   * An element's media failed in a way the application should hear of (Kurento Error): `type`
   * names the failure (RESOURCE_ERROR_OPEN…), `code` says why in the worker's own error codes.
   */
  "element.error": { elementId: string; type: string; description: string; code: WorkerErrorCode };
  /** A PlayerEndpoint reached the end of its file (Kurento EndOfStream). */
  "player.endOfStream": { elementId: string };
}

export type EventName = keyof Events;

/** Error codes a worker answers with; the supervisor maps them onto the domain error table. */
export type WorkerErrorCode =
  | "NOT_FOUND"
  | "SDP_PARSE_ERROR"
  | "UNSUPPORTED_MEDIA"
  | "INVALID_STATE"
  | "ICE_ADD_CANDIDATE_ERROR"
  /** A path or address the worker refuses to open (outside the roots, a symlink, a private address). */
  | "FORBIDDEN"
  | "INTERNAL"
  /** The worker died or did not answer in time (raised by the supervisor, never by a worker). */
  | "UNAVAILABLE";

export type ControlMessage = { kind: "request"; id: number; method: CommandName; params: unknown };

export type WorkerMessage =
  | { kind: "response"; id: number; result?: unknown; error?: { code: WorkerErrorCode; message: string } }
  | { kind: "event"; name: EventName; data: unknown }
  | { kind: "ready" };
