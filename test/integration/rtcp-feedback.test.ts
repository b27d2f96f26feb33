/**
 * Feedback between viewers and publishers, observed at the peers: a viewer's PLI reaches the
 * publisher (a burst of them as one), a FIR arrives as a PLI, the publisher is told its
 * bandwidth by REMB, and video packets a viewer loses are retransmitted on its NACKs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RtcpPayloadSpecificFeedback, type RTCRtpTransceiver } from "werift";
import { startLiveStream } from "../helpers/live-stream.ts";
import { waitFor, type Viewer } from "../helpers/werift-peer.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A FIR (RFC 5104 §4.3.1): PSFB format 4, one FCI entry naming the media SSRC. */
function firFor(senderSsrc: number, mediaSsrc: number) {
  const payload = Buffer.alloc(16);
  payload.writeUInt32BE(senderSsrc, 0);
  payload.writeUInt32BE(mediaSsrc, 8);
  payload[12] = 1; // command sequence number
  return { count: 4, length: payload.length / 4, serialize: () => payload };
}

function videoReceiver(viewer: Viewer): RTCRtpTransceiver {
  return viewer.pc.getTransceivers().find((transceiver) => transceiver.kind === "video")!;
}

describe("RTCP feedback through the server", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ webrtc: { maxIncomingBitrate: 2_000_000, pliMinIntervalMs: 500 } });
  });
  after(async () => {
    await server.close();
  });

  it("forwards viewer PLI to the publisher at most once per interval, and turns FIR into PLI", async () => {
    const { publisher, viewer, stop } = await startLiveStream(server, "pli");
    let plis = 0;
    publisher.video.sender.onPictureLossIndication.subscribe(() => plis++);
    const receiver = videoReceiver(viewer).receiver;
    const ssrc = viewer.received.video[0].header.ssrc;
    for (let index = 0; index < 10; index++) {
      await receiver.sendRtcpPLI(ssrc);
      await sleep(10);
    }
    await waitFor(() => plis >= 1, 2000, "a PLI at the publisher");
    await sleep(300);
    assert.equal(plis, 1, "ten PLIs within 100 ms reach the publisher as one");

    await sleep(500);
    await receiver.dtlsTransport.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback: firFor(receiver.rtcpSsrc, ssrc) as never })]);
    await waitFor(() => plis === 2, 2000, "the FIR to arrive as a PLI");
    await stop();
  });

  it("tells the publisher its bandwidth with REMB", async () => {
    const { publisher, stop } = await startLiveStream(server, "remb");
    await waitFor(() => publisher.video.sender.receiverEstimatedMaxBitrate !== undefined && publisher.video.sender.receiverEstimatedMaxBitrate > 0n, 3000, "a REMB");
    const bitrate = Number(publisher.video.sender.receiverEstimatedMaxBitrate);
    assert.ok(bitrate > 1_990_000 && bitrate <= 2_000_000, `REMB says ${bitrate} bit/s`);
    await stop();
  });

  it("retransmits video a viewer lost when it NACKs", async (t) => {
    const { viewer, stop } = await startLiveStream(server, "nack");
    // werift drops inbound datagrams when inboundPacketLoss/100 < random: 90 means ~10 % loss.
    (viewer.pc.config.debug as { inboundPacketLoss?: number }).inboundPacketLoss = 90;
    const from = { video: viewer.received.video.length, audio: viewer.received.audio.length };
    await sleep(4000);
    const lossy = { video: viewer.received.video.slice(from.video), audio: viewer.received.audio.slice(from.audio) };
    (viewer.pc.config.debug as { inboundPacketLoss?: number }).inboundPacketLoss = undefined;
    await sleep(1000);
    await stop();
    /** Share of the sequence numbers sent during the lossy window that arrived at all. */
    const coverage = (window: typeof viewer.received.video, all: typeof viewer.received.video) => {
      const first = window[0].header.sequenceNumber;
      const last = window[window.length - 1].header.sequenceNumber;
      const arrived = new Set(all.map((packet) => packet.header.sequenceNumber).filter((seq) => seq >= first && seq <= last));
      return arrived.size / (last - first + 1);
    };
    const video = coverage(lossy.video, viewer.received.video);
    const audio = coverage(lossy.audio, viewer.received.audio);
    t.diagnostic(`with ~10 % inbound loss: ${(video * 100).toFixed(1)} % of video and ${(audio * 100).toFixed(1)} % of audio arrived`);
    assert.ok(audio < 0.97, `audio, which has no NACK, really lost packets (${(audio * 100).toFixed(1)} % arrived)`);
    assert.ok(video > 0.995, `video lost packets were retransmitted (${(video * 100).toFixed(1)} % arrived)`);
  });
});
