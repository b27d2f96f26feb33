/**
 * `/v1/pipelines/{pipelineId}/connections`: `source.connect(sink, mediaType)` as a resource.
 * Creating one replaces whatever fed the sink for that media type (Kurento's rule); deleting it
 * is `disconnect`. Elements of different pipelines cannot be connected (422).
 */
import { z } from "zod";
import { type ApiRoute, route } from "../api/route.ts";
import { type AppContext, type HttpDeps, publicBase } from "../context.ts";
import { ConnectionSchema, connectionJson, NewConnectionSchema } from "./pipeline-schemas.ts";
import { PipelineParams } from "./pipelines.ts";

const ConnectionParams = PipelineParams.extend({ connectionId: z.string().regex(/^\d{1,12}$/).transform(Number).describe("Connection id.") });

export function connectionRoutes(deps: HttpDeps): ApiRoute[] {
  const { pipelines } = deps;
  const location = (c: AppContext, pipelineId: string, id: number) => `${publicBase(c, deps.config)}/v1/pipelines/${pipelineId}/connections/${id}`;
  return [
    route({
      method: "post",
      path: "/v1/pipelines/{pipelineId}/connections",
      operationId: "connect",
      summary: "Connect a source element to a sink element",
      description: "Without `mediaType` every media type is connected. The sink's previous source for the same media type is disconnected, as in Kurento.",
      tag: "Connections",
      access: "admin",
      params: PipelineParams,
      body: NewConnectionSchema,
      responses: { 201: { description: "Connected.", schema: ConnectionSchema, headers: { Location: "URL of the connection." } }, 422: { description: "The elements cannot be connected." } },
      handle: async ({ params, body, c }) => {
        pipelines.getElement(body.source, params.pipelineId);
        pipelines.getElement(body.sink, params.pipelineId);
        const row = await pipelines.connect(body.source, body.sink, body.mediaType ?? null, { source: body.sourceDescription, sink: body.sinkDescription });
        return { status: 201, body: connectionJson(row), headers: { Location: location(c, params.pipelineId, row.id) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/pipelines/{pipelineId}/connections",
      operationId: "listConnections",
      summary: "List the pipeline's connections",
      tag: "Connections",
      access: "admin",
      params: PipelineParams,
      responses: { 200: { description: "Connections.", schema: z.object({ items: z.array(ConnectionSchema) }) } },
      handle: ({ params }) => {
        pipelines.getPipeline(params.pipelineId);
        return { status: 200, body: { items: pipelines.connections(params.pipelineId).map(connectionJson) } };
      },
    }),
    route({
      method: "delete",
      path: "/v1/pipelines/{pipelineId}/connections/{connectionId}",
      operationId: "disconnect",
      summary: "Disconnect",
      tag: "Connections",
      access: "admin",
      params: ConnectionParams,
      responses: { 204: { description: "Disconnected." } },
      handle: async ({ params }) => {
        const row = pipelines.getConnection(params.pipelineId, params.connectionId);
        await pipelines.disconnect(row.sourceId, row.sinkId, row.mediaType);
        return { status: 204 };
      },
    }),
  ];
}
