/**
 * The packets of several tracks of one file in presentation order across tracks (by timestamp,
 * ties to the earlier track), each track read in its own decode order. Remuxing needs it so the
 * muxer never queues a whole track waiting for the other, and the player needs it to send
 * audio and video on one clock.
 */
import { EncodedPacketSink, type EncodedPacket, type InputTrack } from "mediabunny";

export interface TrackPacket<T> {
  track: T;
  packet: EncodedPacket;
}

export interface TrackStart<T> {
  track: T;
  input: InputTrack;
  /** First packet to yield (e.g. the keyframe a seek lands on); from the start when omitted. */
  from?: EncodedPacket;
}

export async function* mergedPackets<T>(starts: readonly TrackStart<T>[], options: { metadataOnly?: boolean } = {}): AsyncGenerator<TrackPacket<T>> {
  const iterators = starts.map((start) => new EncodedPacketSink(start.input).packets(start.from, undefined, options));
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  try {
    for (;;) {
      let best = -1;
      for (let index = 0; index < heads.length; index++) {
        const head = heads[index];
        if (!head.done && (best < 0 || head.value.timestamp < (heads[best].value as EncodedPacket).timestamp)) best = index;
      }
      if (best < 0) return;
      yield { track: starts[best].track, packet: heads[best].value as EncodedPacket };
      heads[best] = await iterators[best].next();
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return(undefined)));
  }
}
