/**
 * JSON shapes of the pipeline API — MediaPipeline, MediaElement, connection — as zod schemas
 * registered for the OpenAPI document, and the functions that turn stored rows into them. Each
 * resource also carries its Kurento object id (`<uuid>_kurento.<Type>`, elements prefixed with
 * their pipeline's), the id the same object has over the Kurento protocol.
 */
import { z } from "zod";
import type { ElementRow, PipelineRow, ConnectionRow } from "../../store/pipelines.ts";
import { named } from "../api/schemas-registry.ts";

export const MediaTypeSchema = named("MediaType", z.enum(["AUDIO", "VIDEO", "DATA"]).describe("Kurento MediaType."));
export const TagSchema = named("Tag", z.strictObject({ key: z.string().min(1).max(256), value: z.string().max(4096) }));
const FlowSchema = z.enum(["FLOWING", "NOT_FLOWING"]);
const FlowMap = z.record(z.string(), FlowSchema);

export const PipelineSchema = named(
  "Pipeline",
  z.object({
    id: z.string(),
    kurentoId: z.string().describe("The id of this pipeline over the Kurento protocol."),
    name: z.string().nullable(),
    origin: z.enum(["stream", "api", "kurento"]).describe("What created it: a WHIP/WHEP stream, the REST API or the Kurento protocol."),
    tags: z.array(TagSchema),
    elements: z.number().int(),
    createdAt: z.string().describe("ISO 8601."),
  }),
);

export const NewPipelineSchema = named(
  "NewPipeline",
  z.strictObject({ name: z.string().min(1).max(256).optional(), tags: z.array(TagSchema).max(64).optional() }),
);

export const ElementSchema = named(
  "Element",
  z.object({
    id: z.string(),
    kurentoId: z.string(),
    pipelineId: z.string(),
    type: z.string().describe("Kurento type, e.g. WebRtcEndpoint."),
    params: z.record(z.string(), z.unknown()).describe("Constructor parameters, defaults filled in."),
    properties: z.record(z.string(), z.unknown()).describe("Properties that were set (names from Kurento's kmd definitions)."),
    state: z.enum(["ready", "media-lost"]).describe("`media-lost`: its media died with a worker or a restart; a WebRtcEndpoint must negotiate again."),
    mediaFlow: z.object({ in: FlowMap, out: FlowMap }).describe("Kurento media-flow state per media type: in = reaching its sink pads, out = leaving its source pads."),
    negotiated: z
      .object({ codecs: z.record(z.string(), z.string()), connectionState: z.string() })
      .optional()
      .describe("WebRtcEndpoint: the negotiated codec per kind and the connection state."),
    createdAt: z.string(),
  }),
);

export const NewElementSchema = named(
  "NewElement",
  z.strictObject({
    type: z.string().min(1).max(128).describe("Kurento type: WebRtcEndpoint, PassThrough, Dispatcher, DispatcherOneToMany, HubPort, RecorderEndpoint, PlayerEndpoint."),
    params: z.record(z.string(), z.unknown()).optional().describe("Constructor parameters as Kurento names them (e.g. `hub` for a HubPort, `uri` for a RecorderEndpoint)."),
    properties: z.record(z.string(), z.unknown()).optional().describe("Settable properties to set right away."),
  }),
);

export const ElementPatchSchema = named(
  "ElementPatch",
  z.strictObject({ properties: z.record(z.string(), z.unknown()).describe("Settable properties by name, e.g. `{\"maxVideoRecvBandwidth\": 1500}`.") }),
);

export const ConnectionSchema = named(
  "Connection",
  z.object({
    id: z.number().int(),
    pipelineId: z.string(),
    source: z.string(),
    sink: z.string(),
    mediaType: MediaTypeSchema.nullable().describe("null: every media type."),
    sourceDescription: z.string(),
    sinkDescription: z.string(),
    createdAt: z.string(),
  }),
);

export const NewConnectionSchema = named(
  "NewConnection",
  z.strictObject({
    source: z.string().min(1).describe("Element id sending media."),
    sink: z.string().min(1).describe("Element id receiving it; its previous source of that media type is replaced."),
    mediaType: MediaTypeSchema.optional(),
    sourceDescription: z.string().max(256).optional(),
    sinkDescription: z.string().max(256).optional(),
  }),
);

export function kurentoPipelineId(id: string): string {
  return `${id}_kurento.MediaPipeline`;
}

export function pipelineJson(row: PipelineRow, elements: number): z.infer<typeof PipelineSchema> {
  return { id: row.id, kurentoId: kurentoPipelineId(row.id), name: row.name, origin: row.origin, tags: row.tags, elements, createdAt: new Date(row.createdAt).toISOString() };
}

/** Stored properties that are negotiation bookkeeping rather than Kurento properties. */
const INTERNAL = new Set(["codecs", "directions", "localSessionDescriptor", "remoteSessionDescriptor", "offerPending", "videoProfile", "role", "routes", "source", "tags", "connectionState", "mediaState", "ICECandidatePairs", "IceConnectionState", "DtlsConnectionState"]);

export function elementJson(row: ElementRow): z.infer<typeof ElementSchema> {
  const properties = Object.fromEntries(Object.entries(row.properties).filter(([key]) => !INTERNAL.has(key)));
  const codecs = row.properties.codecs as Record<string, { mimeType: string }> | undefined;
  return {
    id: row.id,
    kurentoId: `${kurentoPipelineId(row.pipelineId)}/${row.id}_kurento.${row.type}`,
    pipelineId: row.pipelineId,
    type: row.type,
    params: row.constructorParams,
    properties,
    state: row.state,
    mediaFlow: row.mediaFlow,
    ...(row.type === "WebRtcEndpoint"
      ? {
          negotiated: {
            codecs: Object.fromEntries(Object.entries(codecs ?? {}).map(([kind, codec]) => [kind, codec.mimeType])),
            connectionState: String(row.properties.connectionState ?? "DISCONNECTED"),
          },
        }
      : {}),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function connectionJson(row: ConnectionRow): z.infer<typeof ConnectionSchema> {
  return {
    id: row.id,
    pipelineId: row.pipelineId,
    source: row.sourceId,
    sink: row.sinkId,
    mediaType: row.mediaType,
    sourceDescription: row.sourceDescription,
    sinkDescription: row.sinkDescription,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
