/**
 * Reads what a user of the built-in pages would see, from inside the page: the publisher's
 * camera resolution and sent codec (`window.pipewrightPublisher`, RTCPeerConnection stats), and
 * the player's decoded frames, their resolution and the negotiated codec, and the audio it
 * receives (`window.pipewrightPlayer`). Waits poll in the page and fail with the last value they saw.
 */
import type { Page } from "playwright-core";

export interface PublisherVideo {
  connectionState: string;
  /** Capture resolution (media-source stats). */
  width: number;
  height: number;
  /** What the encoder sends (outbound-rtp stats). */
  frameWidth: number;
  frameHeight: number;
  framesSent: number;
  mimeType: string;
  status: string;
}

export interface PlayerVideo {
  connectionState: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  mimeType: string;
  /** `performance.now()` in the page when the connection reached 'connected', or null. */
  connectedAt: number | null;
  status: string;
}

interface StatsEntry {
  type: string;
  kind?: string;
  [key: string]: unknown;
}
type PageWindow = Record<string, { pc: { connectionState: string; getStats(): Promise<Map<string, StatsEntry>> } | null; connectedAt?: number | null }>;
// The functions given to page.evaluate run in the browser; tsconfig has no DOM types.
declare const window: unknown;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

export function publisherVideo(page: Page): Promise<PublisherVideo> {
  return page.evaluate(async () => {
    const publisher = (window as unknown as PageWindow).pipewrightPublisher;
    const video: PublisherVideo = { connectionState: "new", width: 0, height: 0, frameWidth: 0, frameHeight: 0, framesSent: 0, mimeType: "", status: document.getElementById("status")?.textContent ?? "" };
    if (!publisher?.pc) return video;
    video.connectionState = publisher.pc.connectionState;
    const report = await publisher.pc.getStats();
    for (const entry of report.values()) {
      if (entry.type === "media-source" && entry.kind === "video") Object.assign(video, { width: entry.width ?? 0, height: entry.height ?? 0 });
      if (entry.type === "outbound-rtp" && entry.kind === "video") {
        Object.assign(video, { frameWidth: entry.frameWidth ?? 0, frameHeight: entry.frameHeight ?? 0, framesSent: entry.framesSent ?? 0 });
        video.mimeType = String(report.get(String(entry.codecId))?.mimeType ?? "");
      }
    }
    return video;
  });
}

export function playerVideo(page: Page): Promise<PlayerVideo> {
  return page.evaluate(async () => {
    const player = (window as unknown as PageWindow).pipewrightPlayer;
    const video: PlayerVideo = { connectionState: "new", framesDecoded: 0, frameWidth: 0, frameHeight: 0, mimeType: "", connectedAt: player?.connectedAt ?? null, status: document.getElementById("status")?.textContent ?? "" };
    if (!player?.pc) return video;
    video.connectionState = player.pc.connectionState;
    const report = await player.pc.getStats();
    for (const entry of report.values()) {
      if (entry.type !== "inbound-rtp" || entry.kind !== "video") continue;
      Object.assign(video, { framesDecoded: entry.framesDecoded ?? 0, frameWidth: entry.frameWidth ?? 0, frameHeight: entry.frameHeight ?? 0 });
      video.mimeType = String(report.get(String(entry.codecId))?.mimeType ?? "");
    }
    return video;
  });
}

export interface PlayerAudio {
  packetsReceived: number;
  totalSamplesReceived: number;
  mimeType: string;
}

/** The player's inbound audio (inbound-rtp stats): packets and decoded samples, and its codec. */
export function playerAudio(page: Page): Promise<PlayerAudio> {
  return page.evaluate(async () => {
    const player = (window as unknown as PageWindow).pipewrightPlayer;
    const audio: PlayerAudio = { packetsReceived: 0, totalSamplesReceived: 0, mimeType: "" };
    if (!player?.pc) return audio;
    const report = await player.pc.getStats();
    for (const entry of report.values()) {
      if (entry.type !== "inbound-rtp" || entry.kind !== "audio") continue;
      Object.assign(audio, { packetsReceived: entry.packetsReceived ?? 0, totalSamplesReceived: entry.totalSamplesReceived ?? 0 });
      audio.mimeType = String(report.get(String(entry.codecId))?.mimeType ?? "");
    }
    return audio;
  });
}

/** Polls `read` until `done` holds; on timeout throws with the last value read. */
export async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

/**
 * Milliseconds from the player's connection reaching 'connected' to its first decoded frame,
 * sampled every 20 ms inside the page. Called right after the page loads; if the first frame was
 * decoded before sampling began, the result is later than the truth, never earlier.
 */
export function firstFrameAfterConnect(page: Page, timeoutMs: number): Promise<{ delayMs: number; framesDecoded: number }> {
  return page.evaluate(async (timeout) => {
    const player = (window as unknown as PageWindow).pipewrightPlayer;
    const deadline = performance.now() + timeout;
    while (performance.now() < deadline) {
      const pc = player.pc;
      if (pc && player.connectedAt != null) {
        let framesDecoded = 0;
        for (const entry of (await pc.getStats()).values()) {
          if (entry.type === "inbound-rtp" && entry.kind === "video") framesDecoded = Number(entry.framesDecoded ?? 0);
        }
        if (framesDecoded > 0) return { delayMs: performance.now() - player.connectedAt, framesDecoded };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no frame decoded within ${timeout} ms (connectedAt ${player.connectedAt})`);
  }, timeoutMs);
}

export interface CandidateFacts {
  candidateType: string;
  protocol: string;
  address: string;
}

export interface ConnectionFacts {
  connectionState: string;
  /** The selected candidate pair (transport stats), once there is one. */
  local?: CandidateFacts;
  remote?: CandidateFacts;
  /** The STUN/TURN servers the page configured its RTCPeerConnection with. */
  iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  iceTransportPolicy: string;
  /** ICE server errors the page reported (icecandidateerror). */
  iceErrors: string[];
}

/** How a built-in page's peer connection connects: `pipewrightPublisher` or `pipewrightPlayer`. */
export function connectionFacts(page: Page, global: "pipewrightPublisher" | "pipewrightPlayer"): Promise<ConnectionFacts> {
  return page.evaluate(async (name) => {
    type Pc = { connectionState: string; getStats(): Promise<Map<string, StatsEntry>>; getConfiguration(): { iceServers?: ConnectionFacts["iceServers"]; iceTransportPolicy?: string } };
    const state = (window as unknown as Record<string, { pc: Pc | null; iceErrors?: string[] }>)[name];
    const facts: ConnectionFacts = { connectionState: "new", iceServers: [], iceTransportPolicy: "", iceErrors: state?.iceErrors ?? [] };
    if (!state?.pc) return facts;
    const configuration = state.pc.getConfiguration();
    Object.assign(facts, { connectionState: state.pc.connectionState, iceServers: configuration.iceServers ?? [], iceTransportPolicy: configuration.iceTransportPolicy ?? "" });
    const report = await state.pc.getStats();
    const candidate = (id: unknown): CandidateFacts | undefined => {
      const entry = report.get(String(id));
      return entry ? { candidateType: String(entry.candidateType), protocol: String(entry.protocol), address: String(entry.address ?? entry.ip) } : undefined;
    };
    for (const entry of report.values()) {
      if (entry.type !== "transport" || !entry.selectedCandidatePairId) continue;
      const pair = report.get(String(entry.selectedCandidatePairId));
      facts.local = candidate(pair?.localCandidateId);
      facts.remote = candidate(pair?.remoteCandidateId);
    }
    return facts;
  }, global);
}
