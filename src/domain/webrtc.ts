/**
 * SDP negotiation of WebRtcEndpoints, Kurento's SdpEndpoint and WebRtcEndpoint operations:
 * processOffer, generateOffer, processAnswer, addIceCandidate and gatherCandidates, plus the
 * local and remote session descriptors. Each endpoint negotiates once (KMS answers a second
 * offer with an error too); an endpoint whose media died with its worker may negotiate again.
 * What was negotiated — the codec and direction per kind — is kept on the element, since the
 * codec an endpoint sends is what others connected to it must be offered. (A media-lost
 * endpoint's worker object is already fresh: its pipeline is re-created on a worker before
 * any command reaches it.) How the endpoint gathers comes from the configuration and its own
 * ICE properties (endpoint-ice.ts), decided at each negotiation.
 */
import type { CodecChoice, IceCandidateInit, MediaKind, NegotiatedMedia, NegotiationPlan } from "../media/protocol.ts";
import { localCandidates } from "../media/webrtc/local-description.ts";
import { endpointIce, iceDefaults, type WebRtcSettings } from "./endpoint-ice.ts";
import type { ElementRow } from "../store/pipelines.ts";
import { PipewrightError } from "./errors.ts";
import { planEndpoint } from "./offer-plans.ts";
import type { PipelineService } from "./pipelines.ts";

export interface WebRtcProperties {
  codecs?: Partial<Record<MediaKind, CodecChoice>>;
  directions?: NegotiatedMedia["directions"];
  videoProfile?: string;
  localSessionDescriptor?: string;
  remoteSessionDescriptor?: string;
  /** Offer made by generateOffer, waiting for processAnswer. */
  offerPending?: boolean;
}

export interface OfferOptions {
  offerToReceiveAudio?: boolean;
  offerToReceiveVideo?: boolean;
}

function properties(element: ElementRow): WebRtcProperties {
  return element.properties as WebRtcProperties;
}

/** The direction a WebRtcEndpoint was built for (Kurento constructor flags recvonly/sendonly). */
export function endpointDirection(element: ElementRow): NegotiationPlan["direction"] {
  if (element.constructorParams.recvonly === true) return "recvonly";
  if (element.constructorParams.sendonly === true) return "sendonly";
  return "sendrecv";
}

export class WebRtcService {
  readonly #pipelines: PipelineService;
  readonly #settings: WebRtcSettings;

  constructor(pipelines: PipelineService, settings: WebRtcSettings) {
    this.#pipelines = pipelines;
    this.#settings = settings;
  }

  /** What the ICE property getters return where nothing was set on the endpoint. */
  iceDefaults(): Record<string, unknown> {
    return iceDefaults(this.#settings);
  }

  #endpoint(elementId: string): ElementRow {
    const element = this.#pipelines.getElement(elementId);
    if (element.type !== "WebRtcEndpoint") throw new PipewrightError("OPERATION_NOT_SUPPORTED", `${elementId} is a ${element.type}; SDP and ICE operations belong to WebRtcEndpoints`);
    return element;
  }

  #requireFresh(element: ElementRow): void {
    if (properties(element).localSessionDescriptor !== undefined && element.state !== "media-lost") {
      throw new PipewrightError("SDP_ALREADY_NEGOTIATED", `WebRtcEndpoint ${element.id} has already negotiated; create a new one to negotiate again`);
    }
  }

  /** Codecs of what is connected into the endpoint, per kind, when already negotiated. */
  #sourceCodecs(element: ElementRow): Partial<Record<MediaKind, { codec: CodecChoice; profile?: string }>> {
    const result: Partial<Record<MediaKind, { codec: CodecChoice; profile?: string }>> = {};
    for (const connection of this.#pipelines.sourceConnections(element.id)) {
      const source = this.#pipelines.getElement(connection.sourceId);
      const sourceProps = properties(source);
      for (const kind of ["audio", "video"] as const) {
        if (connection.mediaType !== null && connection.mediaType !== kind.toUpperCase()) continue;
        const codec = sourceProps.codecs?.[kind];
        if (codec && source.id !== element.id) result[kind] = { codec, profile: kind === "video" ? sourceProps.videoProfile : undefined };
      }
    }
    return result;
  }

  /** processOffer: answers with `plan`, or with the plan a Kurento WebRtcEndpoint gets. */
  async processOffer(elementId: string, offer: string, plan?: NegotiationPlan): Promise<string> {
    const element = this.#endpoint(elementId);
    this.#requireFresh(element);
    const chosen = plan ?? planEndpoint(offer, endpointDirection(element), this.#sourceCodecs(element));
    const { answer, negotiated } = await this.#pipelines.media.request(element.pipelineId, "webrtc.processOffer", {
      elementId,
      offer,
      plan: chosen,
      ice: endpointIce(this.#settings, element.properties),
    });
    this.#negotiated(element, negotiated, { localSessionDescriptor: answer, remoteSessionDescriptor: offer });
    return answer;
  }

  /** generateOffer: offers every codec Pipewright forwards; processAnswer completes it. */
  async generateOffer(elementId: string, options: OfferOptions = {}): Promise<string> {
    const element = this.#endpoint(elementId);
    this.#requireFresh(element);
    const { offer } = await this.#pipelines.media.request(element.pipelineId, "webrtc.generateOffer", {
      elementId,
      direction: endpointDirection(element),
      audio: options.offerToReceiveAudio !== false,
      video: options.offerToReceiveVideo !== false,
      ice: endpointIce(this.#settings, element.properties),
    });
    this.#pipelines.updateProperties(elementId, { localSessionDescriptor: offer, offerPending: true } satisfies WebRtcProperties);
    return offer;
  }

  async processAnswer(elementId: string, answer: string): Promise<string> {
    const element = this.#endpoint(elementId);
    if (!properties(element).offerPending) throw new PipewrightError("SDP_NOT_OFFER_GENERATED", `WebRtcEndpoint ${elementId} has no offer waiting for an answer (call generateOffer first)`);
    const { negotiated } = await this.#pipelines.media.request(element.pipelineId, "webrtc.processAnswer", { elementId, answer });
    this.#negotiated(element, negotiated, { remoteSessionDescriptor: answer, offerPending: false });
    return properties(element).localSessionDescriptor ?? "";
  }

  #negotiated(element: ElementRow, negotiated: NegotiatedMedia, descriptors: WebRtcProperties): void {
    this.#pipelines.updateProperties(element.id, { ...descriptors, codecs: negotiated.codecs, directions: negotiated.directions } satisfies WebRtcProperties);
    if (element.state === "media-lost") this.#pipelines.setElementState(element.id, "ready");
  }

  async addIceCandidates(elementId: string, candidates: IceCandidateInit[]): Promise<void> {
    const element = this.#endpoint(elementId);
    await this.#pipelines.media.request(element.pipelineId, "webrtc.addIceCandidates", { elementId, candidates });
  }

  /** gatherCandidates: local candidates then arrive as `element.iceCandidateFound` events. */
  async gatherCandidates(elementId: string): Promise<void> {
    const element = this.#endpoint(elementId);
    await this.#pipelines.media.request(element.pipelineId, "webrtc.gatherCandidates", { elementId });
  }

  /** The local candidates of the endpoint's description (empty before it negotiated). */
  localCandidates(elementId: string): IceCandidateInit[] {
    const sdp = properties(this.#endpoint(elementId)).localSessionDescriptor;
    return sdp === undefined ? [] : localCandidates(sdp);
  }

  localSessionDescriptor(elementId: string): string {
    const sdp = properties(this.#endpoint(elementId)).localSessionDescriptor;
    if (sdp === undefined) throw new PipewrightError("SDP_NO_LOCAL_DESCRIPTION", `WebRtcEndpoint ${elementId} has no local session descriptor yet`);
    return sdp;
  }

  remoteSessionDescriptor(elementId: string): string {
    const sdp = properties(this.#endpoint(elementId)).remoteSessionDescriptor;
    if (sdp === undefined) throw new PipewrightError("SDP_NO_REMOTE_DESCRIPTION", `WebRtcEndpoint ${elementId} has no remote session descriptor yet`);
    return sdp;
  }
}
