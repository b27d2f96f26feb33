/**
 * Operations on elements as sub-resources: WebRtcEndpoint SDP (process an offer, generate an
 * offer, process the answer), ICE candidates in and out and gathering, keyframe requests,
 * stats — and `invoke/{operation}`, which reaches any Kurento method or property accessor by
 * its kmd name with named parameters (e.g. `setSource` on a DispatcherOneToMany), exactly as
 * the Kurento protocol's `invoke` does.
 */
import { z } from "zod";
import { type ApiRoute, route } from "../api/route.ts";
import { named } from "../api/schemas-registry.ts";
import type { HttpDeps } from "../context.ts";
import { ElementParams } from "./elements.ts";

const SdpText = z.string().min(1).max(65536);
const CandidateSchema = named(
  "IceCandidate",
  z.strictObject({
    candidate: z.string().min(1).max(1024).describe("`candidate:…` as in SDP, without `a=`."),
    sdpMid: z.string().max(64).optional(),
    sdpMLineIndex: z.number().int().min(0).max(63).optional(),
  }),
);

/** Every WebRTC operation is refused on other element types. */
const NOT_AN_ENDPOINT = { 422: { description: "The element is not a WebRtcEndpoint." } };

export function operationRoutes(deps: HttpDeps): ApiRoute[] {
  const { pipelines, webrtc, operations } = deps;
  const element = (params: { pipelineId: string; elementId: string }) => pipelines.getElement(params.elementId, params.pipelineId).id;
  const path = (tail: string) => `/v1/pipelines/{pipelineId}/elements/{elementId}/${tail}`;
  return [
    route({
      method: "post",
      path: path("process-offer"),
      operationId: "processOffer",
      summary: "WebRtcEndpoint: answer an SDP offer",
      description:
        "The answer carries every server candidate (no trickle needed). Per media kind it picks the codec of what is connected into the endpoint when the offer has it, " +
        "else the offer's first codec Pipewright forwards (VP8, VP9, H264, AV1; Opus, PCMU, PCMA, G722) — Pipewright forwards, it never transcodes.",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      body: z.strictObject({ offer: SdpText }),
      responses: {
        200: { description: "The SDP answer.", schema: z.object({ answer: z.string() }) },
        409: { description: "Already negotiated." },
        422: { description: "No common codec, more than one track per kind, or the element is not a WebRtcEndpoint." },
      },
      handle: async ({ params, body }) => ({ status: 200, body: { answer: await webrtc.processOffer(element(params), body.offer) } }),
    }),
    route({
      method: "post",
      path: path("generate-offer"),
      operationId: "generateOffer",
      summary: "WebRtcEndpoint: make an SDP offer (every forwarded codec)",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      body: z.strictObject({ offerToReceiveAudio: z.boolean().optional(), offerToReceiveVideo: z.boolean().optional() }),
      responses: { 200: { description: "The SDP offer.", schema: z.object({ offer: z.string() }) }, ...NOT_AN_ENDPOINT },
      handle: async ({ params, body }) => ({ status: 200, body: { offer: await webrtc.generateOffer(element(params), body) } }),
    }),
    route({
      method: "post",
      path: path("process-answer"),
      operationId: "processAnswer",
      summary: "WebRtcEndpoint: apply the remote answer to our offer",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      body: z.strictObject({ answer: SdpText }),
      responses: { 200: { description: "Our offer, as negotiated.", schema: z.object({ offer: z.string() }) }, 409: { description: "No offer is waiting for an answer." }, ...NOT_AN_ENDPOINT },
      handle: async ({ params, body }) => ({ status: 200, body: { offer: await webrtc.processAnswer(element(params), body.answer) } }),
    }),
    route({
      method: "post",
      path: path("ice-candidates"),
      operationId: "addIceCandidate",
      summary: "WebRtcEndpoint: add a remote ICE candidate",
      description: "Candidates sent before the SDP is processed are kept and applied once it is. `.local` (mDNS) candidates are ignored.",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      body: CandidateSchema,
      responses: { 204: { description: "Added." }, ...NOT_AN_ENDPOINT },
      handle: async ({ params, body }) => {
        await webrtc.addIceCandidates(element(params), [{ candidate: body.candidate, sdpMid: body.sdpMid, sdpMLineIndex: body.sdpMLineIndex }]);
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: path("ice-candidates"),
      operationId: "listLocalCandidates",
      summary: "WebRtcEndpoint: the server's local ICE candidates",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      responses: { 200: { description: "Local candidates (empty before negotiation).", schema: z.object({ items: z.array(CandidateSchema) }) }, ...NOT_AN_ENDPOINT },
      handle: ({ params }) => ({ status: 200, body: { items: webrtc.localCandidates(element(params)) } }),
    }),
    route({
      method: "post",
      path: path("gather-candidates"),
      operationId: "gatherCandidates",
      summary: "WebRtcEndpoint: report local candidates as events",
      description: "Each local candidate is published as an `element.iceCandidateFound` event, then `element.iceGatheringDone` (see GET /v1/events).",
      tag: "WebRTC",
      access: "admin",
      params: ElementParams,
      responses: { 202: { description: "Candidates follow as events." }, ...NOT_AN_ENDPOINT },
      handle: async ({ params }) => {
        await webrtc.gatherCandidates(element(params));
        return { status: 202 };
      },
    }),
    route({
      method: "post",
      path: path("request-keyframe"),
      operationId: "requestKeyframe",
      summary: "Ask the element's video source for a keyframe",
      tag: "Elements",
      access: "admin",
      params: ElementParams,
      responses: { 204: { description: "Requested (at most one request per interval reaches a publisher)." } },
      handle: async ({ params }) => {
        await operations.invoke(element(params), "requestKeyframe", {});
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: path("stats"),
      operationId: "getStats",
      summary: "Packet counters and state of the element",
      description:
        "Pipewright's own counters: packets into the element's inputs, out of its outputs and forwarded, keyframe requests, and for a WebRtcEndpoint its connection state and RTP streams. " +
        "`invoke/getStats` returns the same figures in Kurento's Stats shapes.",
      tag: "Elements",
      access: "admin",
      params: ElementParams,
      responses: { 200: { description: "Stats.", schema: z.record(z.string(), z.unknown()) } },
      handle: async ({ params }) => ({ status: 200, body: (await pipelines.elementStats(element(params))) as unknown as Record<string, unknown> }),
    }),
    route({
      method: "post",
      path: path("invoke/{operation}"),
      operationId: "invoke",
      summary: "Invoke any Kurento operation by name",
      description:
        "`operation` is a method or property accessor of the element's Kurento class (kmd), e.g. `setSource` on a DispatcherOneToMany with `{\"params\": {\"source\": \"<HubPort id>\"}}`, " +
        "`connect` on a Dispatcher with `{\"params\": {\"source\": …, \"sink\": …}}`, `getMaxVideoSendBandwidth`. Unknown operations answer 404, methods Pipewright does not implement 501.",
      tag: "Elements",
      access: "admin",
      params: ElementParams.extend({ operation: z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9]*$/) }),
      body: z.strictObject({ params: z.record(z.string(), z.unknown()).optional() }),
      responses: { 200: { description: "The operation's return value (null for void operations).", schema: z.object({ value: z.unknown() }) }, 501: { description: "Not implemented by Pipewright." } },
      handle: async ({ params, body }) => ({ status: 200, body: { value: (await operations.invoke(element(params), params.operation, body.params ?? {})) ?? null } }),
    }),
  ];
}
