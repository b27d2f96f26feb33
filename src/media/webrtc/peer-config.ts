/**
 * Turns worker settings and a negotiation plan into a werift RTCPeerConnection configuration.
 * The codec list is exactly the plan (werift then answers with the offer's matching entry),
 * only the MID header extension is negotiated (needed for BUNDLE demux when a client signals
 * no SSRCs), and candidates come from the interfaces or, with `announceOnly`, from the
 * configured addresses alone — one socket each, all taken from `portRange`. No STUN or TURN
 * server is contacted unless configured (see no-default-stun.ts).
 */
import { RTCRtpCodecParameters, useSdesMid, type PeerConfig } from "werift";
import { OFFERED_CODECS } from "../codecs.ts";
import { ACCEPTED_FEEDBACK } from "../codecs.ts";
import type { CodecChoice, MediaKind, NegotiationPlan, WorkerSettings } from "../protocol.ts";
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

/** Addresses announced as host candidates. */
export function announcedAddresses(settings: WorkerSettings): string[] {
  const extra = settings.announceOnly && settings.listenAddress ? [settings.listenAddress] : [];
  return [...new Set([...settings.announcedAddresses, ...extra])];
}

export function peerConfiguration(settings: WorkerSettings, plan: NegotiationPlan): Partial<PeerConfig> {
  return transportConfiguration(settings, {
    audio: plan.codecs.audio ? [codecParameters("audio", plan.codecs.audio)] : [],
    video: plan.codecs.video ? [codecParameters("video", plan.codecs.video)] : [],
  });
}

/** When we offer (generateOffer): every codec we forward, the remote's answer picks. */
export function offerConfiguration(settings: WorkerSettings): Partial<PeerConfig> {
  return transportConfiguration(settings, {
    audio: OFFERED_CODECS.audio.map((codec) => codecParameters("audio", codec)),
    video: OFFERED_CODECS.video.map((codec) => codecParameters("video", codec)),
  });
}

function transportConfiguration(settings: WorkerSettings, codecs: PeerConfig["codecs"]): Partial<PeerConfig> {
  return {
    codecs,
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    iceServers: [],
    icePortRange: settings.portRange,
    iceUseIpv4: !settings.announceOnly,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: announcedAddresses(settings),
    iceInterfaceAddresses: settings.listenAddress ? { udp4: settings.listenAddress } : undefined,
    bundlePolicy: "max-bundle",
  };
}
