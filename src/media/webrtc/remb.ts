/**
 * Periodic REMB (draft-alvestrand-rmcat-remb) to a publisher: the bitrate we let it send. We
 * negotiate no transport-cc with publishers, so for browsers this is the bandwidth estimate
 * that lifts them out of their slow start; the figure is the configured (or per-endpoint,
 * Kurento's maxVideoRecvBandwidth) maximum.
 */
import { ReceiverEstimatedMaxBitrate, RtcpPayloadSpecificFeedback, type RTCRtpTransceiver } from "werift";

const INTERVAL_MS = 1000;

/** Bitrate as a 6-bit exponent and 18-bit mantissa (draft-alvestrand-rmcat-remb §2.2). */
export function rembFields(bitrate: number): { brExp: number; brMantissa: number } {
  let brExp = 0;
  let brMantissa = Math.max(0, Math.floor(bitrate));
  while (brMantissa >= 1 << 18) {
    brMantissa = Math.floor(brMantissa / 2);
    brExp++;
  }
  return { brExp, brMantissa };
}

export class RembSender {
  #bitrate: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #target: () => { transceiver: RTCRtpTransceiver; ssrc: number } | undefined;

  constructor(bitrate: number, target: () => { transceiver: RTCRtpTransceiver; ssrc: number } | undefined) {
    this.#bitrate = bitrate;
    this.#target = target;
  }

  /** The bitrate announced while running, undefined while stopped. */
  get sending(): number | undefined {
    return this.#timer ? this.#bitrate : undefined;
  }

  setBitrate(bitrate: number): void {
    this.#bitrate = bitrate;
    if (this.#timer) this.#send();
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#send(), INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #send(): void {
    const target = this.#target();
    if (!target) return;
    const { brExp, brMantissa } = rembFields(this.#bitrate);
    const receiver = target.transceiver.receiver;
    const feedback = new ReceiverEstimatedMaxBitrate({ senderSsrc: receiver.rtcpSsrc, mediaSsrc: 0, brExp, brMantissa, ssrcNum: 1, ssrcFeedbacks: [target.ssrc] });
    receiver.dtlsTransport.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback })]).catch(() => {});
  }
}
