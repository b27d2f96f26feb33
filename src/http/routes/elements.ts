/**
 * `/v1/pipelines/{pipelineId}/elements`: MediaElements by Kurento type with Kurento's
 * constructor parameters (checked against the kmd definitions) — create, list, get (type,
 * parameters, properties, state, media flow per type), update settable properties, delete — and
 * an element's source and sink connections (Kurento's getSourceConnections/getSinkConnections).
 */
import { z } from "zod";
import { PipewrightError } from "../../domain/errors.ts";
import { type ApiRoute, route } from "../api/route.ts";
import { type AppContext, type HttpDeps, publicBase } from "../context.ts";
import { ConnectionSchema, connectionJson, ElementPatchSchema, ElementSchema, elementJson, MediaTypeSchema, NewElementSchema } from "./pipeline-schemas.ts";
import { PipelineParams } from "./pipelines.ts";

export const ElementParams = PipelineParams.extend({ elementId: z.string().min(1).max(64).describe("Element id.") });

export function elementRoutes(deps: HttpDeps): ApiRoute[] {
  const { pipelines, operations } = deps;
  const location = (c: AppContext, pipelineId: string, id: string) => `${publicBase(c, deps.config)}/v1/pipelines/${pipelineId}/elements/${id}`;
  const connectionsRoute = (which: "source" | "sink") =>
    route({
      method: "get",
      path: `/v1/pipelines/{pipelineId}/elements/{elementId}/${which}-connections`,
      operationId: which === "source" ? "getSourceConnections" : "getSinkConnections",
      summary: which === "source" ? "Connections feeding the element" : "Connections the element feeds",
      tag: "Connections",
      access: "admin",
      params: ElementParams,
      query: z.strictObject({ mediaType: MediaTypeSchema.optional() }),
      responses: { 200: { description: "Connections.", schema: z.object({ items: z.array(ConnectionSchema) }) } },
      handle: ({ params, query }) => {
        pipelines.getElement(params.elementId, params.pipelineId);
        const rows = which === "source" ? pipelines.sourceConnections(params.elementId, query.mediaType) : pipelines.sinkConnections(params.elementId, query.mediaType);
        return { status: 200, body: { items: rows.map(connectionJson) } };
      },
    });

  return [
    route({
      method: "post",
      path: "/v1/pipelines/{pipelineId}/elements",
      operationId: "createElement",
      summary: "Create a MediaElement",
      description:
        "Types with media: WebRtcEndpoint, PassThrough, Dispatcher, DispatcherOneToMany, HubPort, RecorderEndpoint (`uri`: a relative URI or file:// inside the recordings " +
        "directory, `mediaProfile`) and PlayerEndpoint (`uri`: file:// inside the media roots, or http(s)://). A URI outside the allowed directories or on a private " +
        "address is refused here (403). A player whose source cannot be read yet is created, as in Kurento: `properties.openError` says why, an `element.error` " +
        "(RESOURCE_ERROR_OPEN) is published, and `play` opens it again. Types that need decoded media (filters, Composite, Mixer…) answer 501.",
      tag: "Elements",
      access: "admin",
      params: PipelineParams,
      body: NewElementSchema,
      responses: {
        201: { description: "Created.", schema: ElementSchema, headers: { Location: "URL of the element." } },
        403: { description: "A recorder or player URI outside the allowed directories, or on a private address." },
        422: { description: "Unknown type." },
        501: { description: "A type (or media profile, or URI scheme) Pipewright does not support." },
      },
      handle: async ({ params, body, c }) => {
        pipelines.getPipeline(params.pipelineId);
        operations.checkProperties(body.type, body.properties ?? {});
        const row = await pipelines.createElement(params.pipelineId, body.type, body.params ?? {});
        await operations.setProperties(row.id, body.properties ?? {});
        return { status: 201, body: elementJson(pipelines.getElement(row.id)), headers: { Location: location(c, params.pipelineId, row.id) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines/{pipelineId}/elements",
      operationId: "listElements",
      summary: "List the pipeline's elements",
      tag: "Elements",
      access: "admin",
      params: PipelineParams,
      responses: { 200: { description: "Elements, oldest first.", schema: z.object({ items: z.array(ElementSchema) }) } },
      handle: ({ params }) => {
        pipelines.getPipeline(params.pipelineId);
        return { status: 200, body: { items: pipelines.listElements(params.pipelineId).map(elementJson) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines/{pipelineId}/elements/{elementId}",
      operationId: "getElement",
      summary: "Get a MediaElement",
      tag: "Elements",
      access: "admin",
      params: ElementParams,
      responses: { 200: { description: "The element.", schema: ElementSchema } },
      handle: ({ params }) => ({ status: 200, body: elementJson(pipelines.getElement(params.elementId, params.pipelineId)) }),
    }),
    route({
      method: "patch",
      path: "/v1/pipelines/{pipelineId}/elements/{elementId}",
      operationId: "updateElement",
      summary: "Set settable properties",
      description:
        "Property names and types are Kurento's (kmd); read-only and unknown properties are refused with 400 and nothing is changed. " +
        "One property has a media effect: `maxVideoRecvBandwidth` (kbit/s, WebRtcEndpoint) becomes the REMB the endpoint sends its remote peer, " +
        "so a browser or OBS publishing into it sends at most that much video (0 lifts the limit). Every other property — `maxVideoSendBandwidth`, " +
        "`minVideoSendBandwidth`, `minVideoRecvBandwidth`, `maxAudioRecvBandwidth`, `mtu`, `name`, … — is stored and returned by GET and the `get…` " +
        "operations, but changes nothing in the media: Pipewright forwards what it receives and does not pace or re-encode it.",
      tag: "Elements",
      access: "admin",
      params: ElementParams,
      body: ElementPatchSchema,
      responses: { 200: { description: "The updated element.", schema: ElementSchema } },
      handle: async ({ params, body }) => {
        const element = pipelines.getElement(params.elementId, params.pipelineId);
        const entries = Object.entries(body.properties);
        if (entries.length === 0) throw new PipewrightError("INVALID_REQUEST", "no property to set");
        await operations.setProperties(element.id, body.properties);
        return { status: 200, body: elementJson(pipelines.getElement(element.id)) };
      },
    }),
    route({
      method: "delete",
      path: "/v1/pipelines/{pipelineId}/elements/{elementId}",
      operationId: "deleteElement",
      summary: "Release a MediaElement and its connections",
      tag: "Elements",
      access: "admin",
      params: ElementParams,
      responses: { 204: { description: "Released." } },
      handle: async ({ params }) => {
        pipelines.getElement(params.elementId, params.pipelineId);
        await pipelines.releaseElement(params.elementId);
        return { status: 204 };
      },
    }),
    connectionsRoute("source"),
    connectionsRoute("sink"),
  ];
}
