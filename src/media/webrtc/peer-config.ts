/**
 * Turns worker settings, an endpoint's ICE settings and a negotiation plan into a werift
 * RTCPeerConnection configuration. The codec list is exactly the plan (werift then answers with
 * the offer's matching entry), only the MID header extension is negotiated (needed for BUNDLE
 * demux when a client signals no SSRCs), host candidates come from host-addresses.ts — one
 * socket each, all taken from `portRange` — plus ICE-TCP ones when enabled, and srflx/relay
 * candidates from the endpoint's STUN/TURN servers. No STUN or TURN server is contacted unless
 * configured (see no-default-stun.ts).
 */
import { RTCRtpCodecParameters, useSdesMid, type PeerConfig } from "werift";
import { OFFERED_CODECS } from "../codecs.ts";
import { ACCEPTED_FEEDBACK } from "../codecs.ts";
import type { CodecChoice, EndpointIce, MediaKind, NegotiationPlan, WorkerSettings } from "../protocol.ts";
import { hostAddresses } from "./host-addresses.ts";
import "./ice-tcp-bind.ts";
import "./no-default-stun.ts";
import "./ntp-time.ts";
import "./srtp-key-objects.ts";

function codecParameters(kind: MediaKind, codec: CodecChoice): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: codec.mimeType,
    clockRate: codec.clockRate,
    channels: codec.channels,
    payloadType: codec.payloadType,
    parameters: codec.parameters,
    rtcpFeedback: ACCEPTED_FEEDBACK[kind].map((name) => {
      const [type, parameter] = name.split(" ");
      return { type, parameter };
    }),
  });
}

export function peerConfiguration(settings: WorkerSettings, ice: EndpointIce, plan: NegotiationPlan): Partial<PeerConfig> {
  return transportConfiguration(settings, ice, {
    audio: plan.codecs.audio ? [codecParameters("audio", plan.codecs.audio)] : [],
    video: plan.codecs.video ? [codecParameters("video", plan.codecs.video)] : [],
  });
}

/** When we offer (generateOffer): every codec we forward, the remote's answer picks. */
export function offerConfiguration(settings: WorkerSettings, ice: EndpointIce): Partial<PeerConfig> {
  return transportConfiguration(settings, ice, {
    audio: OFFERED_CODECS.audio.map((codec) => codecParameters("audio", codec)),
    video: OFFERED_CODECS.video.map((codec) => codecParameters("video", codec)),
  });
}

function transportConfiguration(settings: WorkerSettings, ice: EndpointIce, codecs: PeerConfig["codecs"]): Partial<PeerConfig> {
  const hosts = hostAddresses(settings, ice);
  return {
    codecs,
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    iceServers: ice.servers,
    icePortRange: settings.portRange,
    iceUseIpv4: hosts.enumerate,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: hosts.addresses,
    iceInterfaceAddresses: settings.listenAddress ? { udp4: settings.listenAddress } : undefined,
    iceUseTcp: ice.iceTcp,
    bundlePolicy: "max-bundle",
  };
}
