/**
 * werift peers negotiated with WebRtcEndpoints through the REST API only (process-offer), for
 * tests that build pipelines over HTTP: a publisher that starts sending synthetic media (its
 * video payloads filled with a byte that names it) and a viewer that records what arrives.
 * `close()` stops every sender and closes every peer, also after a failed test.
 */
import type { Rest } from "./rest.ts";
import { createPublisher, createViewer, type Publisher, sendSyntheticMedia, type Viewer, waitFor } from "./werift-peer.ts";

export class RestPeers {
  readonly #api: Rest;
  readonly #peers: Array<{ pc: { close(): Promise<void> } }> = [];
  readonly #senders: AbortController[] = [];

  constructor(api: Rest) {
    this.#api = api;
  }

  /** A new WebRtcEndpoint in the pipeline; returns its id. */
  async endpoint(pipelineId: string): Promise<string> {
    return (await this.#api.expect(201, "POST", `/v1/pipelines/${pipelineId}/elements`, { type: "WebRtcEndpoint" })).id as string;
  }

  /** Negotiates a publisher with `endpointId` (a new endpoint if omitted) and starts 2 minutes of media filled with `fill`. */
  async publishing(pipelineId: string, fill: number, endpointId?: string): Promise<{ id: string; publisher: Publisher }> {
    const id = endpointId ?? (await this.endpoint(pipelineId));
    const publisher = await createPublisher();
    this.#peers.push(publisher);
    await this.#negotiate(pipelineId, id, publisher);
    const sending = new AbortController();
    this.#senders.push(sending);
    void sendSyntheticMedia(publisher, 120, 15, sending.signal, fill);
    return { id, publisher };
  }

  /** Negotiates a recording viewer with `endpointId` (a new endpoint if omitted). */
  async viewing(pipelineId: string, endpointId?: string): Promise<{ id: string; viewer: Viewer }> {
    const id = endpointId ?? (await this.endpoint(pipelineId));
    const viewer = await createViewer();
    this.#peers.push(viewer);
    await this.#negotiate(pipelineId, id, viewer);
    return { id, viewer };
  }

  async #negotiate(pipelineId: string, id: string, peer: Publisher | Viewer): Promise<void> {
    const { answer } = await this.#api.expect(200, "POST", `/v1/pipelines/${pipelineId}/elements/${id}/process-offer`, { offer: peer.offer });
    await peer.pc.setRemoteDescription({ type: "answer", sdp: answer });
    await waitFor(() => peer.pc.connectionState === "connected", 10_000, "the peer connected");
  }

  async close(): Promise<void> {
    for (const sender of this.#senders) sender.abort();
    await Promise.all(this.#peers.map((peer) => peer.pc.close()));
  }
}

/** The fill byte of the newest video packet a viewer got: which publisher it is watching. */
export function fillOf(viewer: Viewer): number | undefined {
  return viewer.received.video.at(-1)?.payload[5];
}
