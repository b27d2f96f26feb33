/**
 * A werift publisher that sends real encoded media — the VP8+Opus and H.264+Opus clips in
 * test/fixtures (made with ffmpeg's testsrc2 and a sine tone; see test/fixtures/README.md) —
 * paced in real time and looped, so what a recorder writes can be decoded and checked. werift's
 * own packetizers make the RTP; werift's sender adds RTCP sender reports as a browser does.
 */
import { fileURLToPath } from "node:url";
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input, type InputTrack } from "mediabunny";
import { H264Packetizer, OpusPacketizer, parseAvcDecoderConfigurationRecord, type RtpPacket, Vp8Packetizer } from "werift";
import { createPublisher, H264, type Publisher, VP8 } from "./werift-peer.ts";

export const FIXTURES = {
  vp8: fileURLToPath(new URL("../fixtures/vp8-opus.webm", import.meta.url)),
  h264: fileURLToPath(new URL("../fixtures/h264-opus.mp4", import.meta.url)),
};

interface Frame {
  kind: "audio" | "video";
  time: number;
  packets: (rtpTimestamp: number) => RtpPacket[];
}

async function readFrames(file: string): Promise<{ frames: Frame[]; duration: number }> {
  const input = new Input({ formats: ALL_FORMATS, source: new FilePathSource(file) });
  const frames: Frame[] = [];
  const video = (await input.getPrimaryVideoTrack())!;
  const audio = (await input.getPrimaryAudioTrack())!;
  const videoPacketizer = await packetizerFor(video);
  const opus = new OpusPacketizer({ ssrc: 2 });
  for await (const packet of new EncodedPacketSink(video).packets()) {
    const data = Buffer.from(packet.data);
    frames.push({ kind: "video", time: packet.timestamp, packets: (ts) => videoPacketizer.packetize(data, ts) });
  }
  for await (const packet of new EncodedPacketSink(audio).packets()) {
    const data = Buffer.from(packet.data);
    frames.push({ kind: "audio", time: packet.timestamp, packets: (ts) => opus.packetize(data, ts) });
  }
  const duration = await input.computeDuration();
  input.dispose();
  frames.sort((a, b) => a.time - b.time);
  return { frames, duration };
}

async function packetizerFor(track: InputTrack): Promise<{ packetize(data: Buffer, ts: number): RtpPacket[] }> {
  if (!track.isVideoTrack()) throw new Error("not video");
  if ((await track.getCodec()) === "vp8") return new Vp8Packetizer({ ssrc: 1 });
  const config = await track.getDecoderConfig();
  const record = parseAvcDecoderConfigurationRecord(config!.description!);
  return new H264Packetizer({ ssrc: 1, inputFormat: "length-prefixed", naluLengthSize: record.naluLengthSize, parameterSets: record.parameterSets });
}

export interface FilePublisher {
  publisher: Publisher;
  /** Starts sending (looping the clip) until `stop`. */
  start(): void;
  /** Stops sending; resolves with the seconds of media sent. */
  stop(): Promise<number>;
}

export async function createFilePublisher(codec: "vp8" | "h264"): Promise<FilePublisher> {
  const publisher = await createPublisher(codec === "vp8" ? VP8 : H264);
  const { frames, duration } = await readFrames(FIXTURES[codec]);
  let running: Promise<number> | undefined;
  let stopped = false;
  const send = async (): Promise<number> => {
    const start = performance.now();
    for (let loop = 0; !stopped; loop++) {
      for (const frame of frames) {
        const mediaTime = loop * duration + frame.time;
        const wait = start + mediaTime * 1000 - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped) break;
        const rate = frame.kind === "video" ? 90000 : 48000;
        const sender = frame.kind === "video" ? publisher.video.sender : publisher.audio.sender;
        for (const rtp of frame.packets(Math.round(mediaTime * rate) >>> 0)) await sender.sendRtp(rtp);
      }
    }
    return (performance.now() - start) / 1000;
  };
  return {
    publisher,
    start() {
      running ??= send();
    },
    async stop() {
      stopped = true;
      return (await running) ?? 0;
    },
  };
}
