/**
 * `/v1/pipelines`: MediaPipelines as resources — create (name, tags), list (filter by name or
 * tag, cursor pagination), get, delete (releasing every element and its media), and the graph
 * of elements and connections as JSON or as an SVG picture. WHIP/WHEP streams appear here too
 * (origin `stream`): one model, several faces.
 */
import { z } from "zod";
import { type ApiRoute, route } from "../api/route.ts";
import { type AppContext, type HttpDeps, publicBase } from "../context.ts";
import { type PipelineGraph, renderPipelineGraph } from "../../web/graph-svg.ts";
import { connectionJson, NewPipelineSchema, PipelineSchema, pipelineJson } from "./pipeline-schemas.ts";

export const PipelineParams = z.strictObject({ pipelineId: z.string().min(1).max(64).describe("Pipeline id.") });

const ListQuery = z.strictObject({
  name: z.string().max(256).optional().describe("Only pipelines with this name (a stream name for WHIP/WHEP streams)."),
  tag: z.string().max(512).optional().describe("`key` or `key:value`: only pipelines carrying that tag."),
  limit: z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(1000)).optional().describe("Page size, default 50."),
  after: z.string().max(80).optional().describe("The `next` cursor of the previous page. It stays valid when pipelines are deleted; a string that is not a cursor is a 400."),
});

const GraphSchema = z.object({
  pipeline: z.object({ id: z.string(), name: z.string().nullable() }),
  nodes: z.array(z.object({ id: z.string(), type: z.string(), label: z.string().nullable(), state: z.string(), mediaFlow: z.unknown() })),
  edges: z.array(z.object({ id: z.string(), source: z.string(), sink: z.string(), mediaType: z.enum(["AUDIO", "VIDEO", "DATA"]).nullable() })),
});

function location(c: AppContext, deps: HttpDeps, id: string): string {
  return `${publicBase(c, deps.config)}/v1/pipelines/${id}`;
}

export function pipelineRoutes(deps: HttpDeps): ApiRoute[] {
  const { pipelines } = deps;
  const json = (id: string) => pipelineJson(pipelines.getPipeline(id), pipelines.listElements(id).length);
  const graph = (id: string) => {
    const pipeline = pipelines.getPipeline(id);
    const elements = pipelines.listElements(id);
    return {
      pipeline: { id: pipeline.id, name: pipeline.name },
      nodes: elements.map((element) => ({ id: element.id, type: element.type, label: (element.properties.name as string | undefined) ?? null, state: element.state, mediaFlow: element.mediaFlow })),
      edges: pipelines.connections(id).map((connection) => {
        const edge = connectionJson(connection);
        return { id: String(edge.id), source: edge.source, sink: edge.sink, mediaType: edge.mediaType };
      }),
    };
  };
  return [
    route({
      method: "post",
      path: "/v1/pipelines",
      operationId: "createPipeline",
      summary: "Create a MediaPipeline",
      tag: "Pipelines",
      access: "admin",
      body: NewPipelineSchema,
      responses: { 201: { description: "Created.", schema: PipelineSchema, headers: { Location: "URL of the pipeline." } } },
      handle: ({ body, c }) => {
        const row = pipelines.createPipeline({ origin: "api", name: body.name, tags: body.tags });
        return { status: 201, body: pipelineJson(row, 0), headers: { Location: location(c, deps, row.id) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines",
      operationId: "listPipelines",
      summary: "List MediaPipelines",
      tag: "Pipelines",
      access: "admin",
      query: ListQuery,
      responses: { 200: { description: "A page of pipelines, oldest first.", schema: z.object({ items: z.array(PipelineSchema), next: z.string().nullable().describe("Cursor of the next page (pass it as `after`); null on the last page.") }) } },
      handle: ({ query }) => {
        const [key, ...value] = (query.tag ?? "").split(":");
        const tag = query.tag === undefined ? undefined : { key, value: value.length > 0 ? value.join(":") : undefined };
        const page = pipelines.listPipelines({ name: query.name, tag, limit: query.limit ?? 50, after: query.after });
        return { status: 200, body: { items: page.items.map((row) => pipelineJson(row, pipelines.listElements(row.id).length)), next: page.next } };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines/{pipelineId}",
      operationId: "getPipeline",
      summary: "Get a MediaPipeline",
      tag: "Pipelines",
      access: "admin",
      params: PipelineParams,
      responses: { 200: { description: "The pipeline.", schema: PipelineSchema } },
      handle: ({ params }) => ({ status: 200, body: json(params.pipelineId) }),
    }),
    route({
      method: "delete",
      path: "/v1/pipelines/{pipelineId}",
      operationId: "deletePipeline",
      summary: "Release a MediaPipeline, its elements and their media",
      tag: "Pipelines",
      access: "admin",
      params: PipelineParams,
      responses: { 204: { description: "Released." } },
      handle: async ({ params }) => {
        pipelines.getPipeline(params.pipelineId);
        await pipelines.releasePipeline(params.pipelineId);
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines/{pipelineId}/graph",
      operationId: "getPipelineGraph",
      summary: "The pipeline's elements and connections, as JSON or SVG",
      description: "JSON by default; `?format=svg` or `Accept: image/svg+xml` returns a picture of the graph.",
      tag: "Pipelines",
      access: "admin",
      params: PipelineParams,
      query: z.strictObject({ format: z.enum(["json", "svg"]).optional() }),
      responses: { 200: { description: "Nodes and edges (JSON), or with format=svg an SVG image.", schema: GraphSchema, contentType: "image/svg+xml" } },
      handle: ({ params, query, c }) => {
        const data = graph(params.pipelineId);
        const svg = query.format === "svg" || (query.format === undefined && (c.req.header("accept") ?? "").includes("image/svg+xml"));
        if (!svg) return { status: 200, body: data };
        return new Response(renderPipelineGraph(data as PipelineGraph), { headers: { "Content-Type": "image/svg+xml; charset=utf-8" } });
      },
    }),
  ];
}
