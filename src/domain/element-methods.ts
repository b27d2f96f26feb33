/**
 * The Kurento methods Pipewright implements, by name, for OperationService.invoke: tags,
 * connections, media-flow queries and stats of MediaObjects and MediaElements, SDP and ICE of
 * WebRtcEndpoints, keyframe requests, hub routing (Dispatcher, DispatcherOneToMany), and the
 * UriEndpoints: RecorderEndpoint record/pause/stop/stopAndWait, PlayerEndpoint play/pause/stop
 * and its live `position` (get and set = seek). Parameters arrive already checked against the
 * kmd definitions.
 */
import type { ElementRow, MediaTypeName, PipelineRow } from "../store/pipelines.ts";
import { kurentoStats } from "./element-stats.ts";
import { PipewrightError } from "./errors.ts";
import type { MediaObjectRow } from "./operations.ts";
import type { PipelineService } from "./pipelines.ts";
import type { PlayerService } from "./players.ts";
import type { RecordingService } from "./recordings.ts";
import type { OfferOptions, WebRtcService } from "./webrtc.ts";

/** The services behind RecorderEndpoint and PlayerEndpoint operations. */
export interface UriEndpointServices {
  recordings: RecordingService;
  players: PlayerService;
}

export type MethodTable = Record<string, (object: MediaObjectRow, args: Record<string, unknown>) => Promise<unknown> | unknown>;

type Tag = { key: string; value: string };

function element(object: MediaObjectRow): ElementRow {
  if (object.kind !== "element") throw new PipewrightError("INVALID_REQUEST", "a MediaPipeline has no such operation");
  return object.row;
}

function connectionData(
  rows: Array<{ sourceId: string; sinkId: string; mediaType: MediaTypeName | null; sourceDescription: string; sinkDescription: string }>,
  mediaType: unknown,
): unknown[] {
  // A connection of every media type is reported once per type, as KMS lists one per pad.
  const types = (row: { mediaType: MediaTypeName | null }) => (row.mediaType ? [row.mediaType] : (["AUDIO", "VIDEO", "DATA"] as const)).filter((type) => mediaType === undefined || type === mediaType);
  return rows.flatMap((row) =>
    types(row).map((type) => ({
      __module__: "kurento",
      __type__: "ElementConnectionData",
      source: row.sourceId,
      sink: row.sinkId,
      type,
      sourceDescription: row.sourceDescription,
      sinkDescription: row.sinkDescription,
    })),
  );
}

/** Recorder and player operations; `pause` and `stop` go to whichever the element is. */
function uriEndpointMethods(services: UriEndpointServices | undefined): MethodTable {
  if (!services) return {};
  const { recordings, players } = services;
  const isPlayer = (object: MediaObjectRow) => element(object).type === "PlayerEndpoint";
  const done = () => null;
  return {
    record: (object) => recordings.record(element(object).id).then(done),
    stopAndWait: (object) => recordings.stopAndWait(element(object).id).then(done),
    pause: (object) => (isPlayer(object) ? players.pause(object.row.id) : recordings.pause(element(object).id)).then(done),
    stop: (object) => (isPlayer(object) ? players.stop(object.row.id) : recordings.stop(element(object).id)).then(done),
    play: (object) => players.play(element(object).id).then(done),
    getPosition: (object) => players.position(element(object).id),
    setPosition: (object, { position }) => players.seek(element(object).id, position as number).then(done),
  };
}

/** An object's tags (addTag/getTags): a pipeline's column, an element's stored property. */
export function objectTags(object: MediaObjectRow): Tag[] {
  return object.kind === "pipeline" ? (object.row as PipelineRow).tags : ((object.row as ElementRow).properties.tags as Tag[] | undefined) ?? [];
}

export function elementMethods(pipelines: PipelineService, webrtc: WebRtcService, uriEndpoints?: UriEndpointServices): MethodTable {
  const tags = objectTags;
  const saveTags = (object: MediaObjectRow, next: Tag[]) => {
    if (object.kind === "pipeline") pipelines.setPipelineTags(object.row.id, next);
    else pipelines.updateProperties(object.row.id, { tags: next });
  };
  const hub = (object: MediaObjectRow, type: string) => {
    const row = element(object);
    if (row.type !== type) throw new PipewrightError("INVALID_REQUEST", `${row.id} is a ${row.type}, not a ${type}`);
    return row;
  };
  const port = (hubRow: ElementRow, portId: unknown) => {
    const row = pipelines.getElement(String(portId));
    if (row.type !== "HubPort" || row.constructorParams.hub !== hubRow.id) throw new PipewrightError("INVALID_REQUEST", `${String(portId)} is not a HubPort of ${hubRow.id}`);
    return row;
  };

  return {
    ...uriEndpointMethods(uriEndpoints),
    addTag: (object, { key, value }) => saveTags(object, [...tags(object).filter((tag) => tag.key !== key), { key: key as string, value: value as string }]),
    removeTag: (object, { key }) => saveTags(object, tags(object).filter((tag) => tag.key !== key)),
    getTag: (object, { key }) => {
      const tag = tags(object).find((item) => item.key === key);
      if (!tag) throw new PipewrightError("TAG_KEY_NOT_FOUND", `tag '${String(key)}' not found`);
      return tag.value;
    },
    getTags: (object) => tags(object).map((tag) => ({ __module__: "kurento", __type__: "Tag", ...tag })),

    connect: async (object, { source, sink, mediaType, sourceMediaDescription, sinkMediaDescription }) => {
      if (object.kind === "element" && object.row.type === "Dispatcher") {
        // Dispatcher.connect(source, sink): route one HubPort's incoming media out of another.
        const row = object.row;
        const from = port(row, source);
        const to = port(row, sink);
        await pipelines.media.request(row.pipelineId, "hub.connect", { hubId: row.id, sourcePortId: from.id, sinkPortId: to.id });
        const routes = ((row.properties.routes as Array<{ source: string; sink: string }> | undefined) ?? []).filter((route) => route.sink !== to.id);
        pipelines.updateProperties(row.id, { routes: [...routes, { source: from.id, sink: to.id }] });
        return null;
      }
      await pipelines.connect(element(object).id, sink as string, (mediaType as MediaTypeName | undefined) ?? null, {
        source: sourceMediaDescription as string | undefined,
        sink: sinkMediaDescription as string | undefined,
      });
      return null;
    },
    disconnect: async (object, { sink, mediaType }) => {
      await pipelines.disconnect(element(object).id, sink as string, (mediaType as MediaTypeName | undefined) ?? null);
      return null;
    },
    getSourceConnections: (object, { mediaType }) => connectionData(pipelines.sourceConnections(element(object).id, mediaType as MediaTypeName | undefined), mediaType),
    getSinkConnections: (object, { mediaType }) => connectionData(pipelines.sinkConnections(element(object).id, mediaType as MediaTypeName | undefined), mediaType),
    isMediaFlowingIn: (object, { mediaType }) => element(object).mediaFlow.in[mediaType as string] === "FLOWING",
    isMediaFlowingOut: (object, { mediaType }) => element(object).mediaFlow.out[mediaType as string] === "FLOWING",
    isMediaTranscoding: () => false,
    getStats: async (object, { mediaType }) => {
      const row = element(object);
      return kurentoStats(row.type, await pipelines.elementStats(row.id), mediaType as MediaTypeName | undefined);
    },

    processOffer: (object, { offer }) => webrtc.processOffer(element(object).id, offer as string),
    generateOffer: (object, { options }) => webrtc.generateOffer(element(object).id, (options as OfferOptions | undefined) ?? {}),
    processAnswer: (object, { answer }) => webrtc.processAnswer(element(object).id, answer as string),
    getLocalSessionDescriptor: (object) => webrtc.localSessionDescriptor(element(object).id),
    getRemoteSessionDescriptor: (object) => webrtc.remoteSessionDescriptor(element(object).id),
    addIceCandidate: async (object, { candidate }) => {
      const { candidate: line, sdpMid, sdpMLineIndex } = candidate as { candidate: string; sdpMid: string; sdpMLineIndex: number };
      await webrtc.addIceCandidates(element(object).id, [{ candidate: line, sdpMid, sdpMLineIndex }]);
      return null;
    },
    gatherCandidates: async (object) => {
      await webrtc.gatherCandidates(element(object).id);
      return null;
    },
    requestKeyframe: async (object) => {
      const row = element(object);
      await pipelines.media.request(row.pipelineId, "element.requestKeyframe", { elementId: row.id });
      return null;
    },

    setSource: async (object, { source }) => {
      const row = hub(object, "DispatcherOneToMany");
      port(row, source);
      await pipelines.media.request(row.pipelineId, "hub.setSource", { hubId: row.id, portId: source as string });
      pipelines.updateProperties(row.id, { source });
      return null;
    },
    removeSource: async (object) => {
      const row = hub(object, "DispatcherOneToMany");
      await pipelines.media.request(row.pipelineId, "hub.removeSource", { hubId: row.id });
      pipelines.updateProperties(row.id, { source: null });
      return null;
    },
  };
}
