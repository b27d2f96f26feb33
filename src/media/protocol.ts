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

/** Element types a worker can hold. RecorderEndpoint and PlayerEndpoint are inert for now. */
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
}

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
  "element.create": { params: { pipelineId: string; elementId: string; type: WorkerElementType; hubId?: string }; result: void };
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
