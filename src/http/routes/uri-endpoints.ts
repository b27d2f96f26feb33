/**
 * RecorderEndpoint and PlayerEndpoint operations as sub-resources of the element: record,
 * pause, stop (`?wait=true`: Kurento's stopAndWait, answering once the file is finished), play,
 * and the player's position (get, and put to seek). Each goes through OperationService.invoke
 * with the Kurento method name, exactly as the Kurento protocol does.
 */
import { z } from "zod";
import { type ApiRoute, route } from "../api/route.ts";
import type { HttpDeps } from "../context.ts";
import { ElementParams } from "./elements.ts";

export function uriEndpointRoutes(deps: HttpDeps): ApiRoute[] {
  const { pipelines, operations } = deps;
  const element = (params: { pipelineId: string; elementId: string }) => pipelines.getElement(params.elementId, params.pipelineId).id;
  const path = (tail: string) => `/v1/pipelines/{pipelineId}/elements/{elementId}/${tail}`;
  const action = (name: string, operationId: string, summary: string, description: string) =>
    route({
      method: "post",
      path: path(name),
      operationId,
      summary,
      description,
      tag: "Recording and playback",
      access: "admin",
      params: ElementParams,
      responses: { 204: { description: "Done." }, 409: { description: "Not possible in the element's state." }, 422: { description: "The media cannot be recorded or played as asked." } },
      handle: async ({ params }) => {
        await operations.invoke(element(params), name, {});
        return { status: 204 };
      },
    });
  return [
    action(
      "record",
      "record",
      "RecorderEndpoint: start (or resume) recording",
      "Opens the file and records what is connected; a profile that cannot hold the source's codec is refused with 422 naming one that can. " +
        "`element.recording` follows when the first frame is written, and a Recording resource appears under /v1/recordings.",
    ),
    action("pause", "pause", "RecorderEndpoint or PlayerEndpoint: pause", "A paused recording resumes with `record` without a gap in the file's timeline; a paused player resumes with `play`."),
    action("play", "play", "PlayerEndpoint: play (or resume)", "Sends the file in real time to what is connected; `element.endOfStream` follows at its end."),
    route({
      method: "post",
      path: path("stop"),
      operationId: "stop",
      summary: "RecorderEndpoint or PlayerEndpoint: stop",
      description: "A recorder stops taking media at once and finishes its file (`element.stopped` follows); with `?wait=true` (Kurento's stopAndWait) the answer comes once the file is finished. A player goes back to the start.",
      tag: "Recording and playback",
      access: "admin",
      params: ElementParams,
      query: z.strictObject({ wait: z.enum(["true", "false"]).optional() }),
      responses: { 204: { description: "Stopped." } },
      handle: async ({ params, query }) => {
        const id = element(params);
        const waits = query.wait === "true" && pipelines.getElement(id).type === "RecorderEndpoint";
        await operations.invoke(id, waits ? "stopAndWait" : "stop", {});
        return { status: 204 };
      },
    }),
    route({
      method: "get",
      path: path("position"),
      operationId: "getPosition",
      summary: "PlayerEndpoint: the position in the file",
      tag: "Recording and playback",
      access: "admin",
      params: ElementParams,
      responses: { 200: { description: "Milliseconds from the start.", schema: z.object({ position: z.number().int() }) } },
      handle: async ({ params }) => ({ status: 200, body: { position: (await operations.invoke(element(params), "getPosition", {})) as number } }),
    }),
    route({
      method: "put",
      path: path("position"),
      operationId: "setPosition",
      summary: "PlayerEndpoint: seek",
      description: "Playing continues from the keyframe at or before `position` (ms).",
      tag: "Recording and playback",
      access: "admin",
      params: ElementParams,
      body: z.strictObject({ position: z.number().int().min(0) }),
      responses: { 204: { description: "Moved." }, 400: { description: "The position lies outside the file." } },
      handle: async ({ params, body }) => {
        await operations.invoke(element(params), "setPosition", { position: body.position });
        return { status: 204 };
      },
    }),
  ];
}
