/**
 * Domain events as Kurento events: which Kurento event each domain event is, on which object,
 * with which fields (kmd event definitions; notes/kurento-protocol.md §1.5, §2.3), plus the 6.x
 * event names older clients subscribe to. Field values are in domain terms here; the notifier
 * converts object references to Kurento ids and adds source, timestampMillis and tags.
 */
import type { DomainEvent } from "../domain/events.ts";
import { iceComponentState } from "../domain/media-events.ts";
import { SERVER_MANAGER_ID } from "./ids.ts";

export interface KurentoEvent {
  /** Domain id of the object raising it (or the ServerManager's id). */
  objectId: string;
  type: string;
  data: Record<string, unknown>;
}

/** 6.x event names that 7.x renamed or merged (kurento-client ≤ 6.18 subscribes to these). */
export const LEGACY_EVENT_NAMES: Record<string, string> = {
  OnIceCandidate: "IceCandidateFound",
  OnIceGatheringDone: "IceGatheringDone",
  OnIceComponentStateChanged: "IceComponentStateChanged",
  IceComponentStateChange: "IceComponentStateChanged",
  OnDataChannelOpened: "DataChannelOpened",
  DataChannelOpen: "DataChannelOpened",
  OnDataChannelClosed: "DataChannelClosed",
  DataChannelClose: "DataChannelClosed",
  MediaFlowOutStateChange: "MediaFlowOutStateChanged",
  MediaFlowInStateChange: "MediaFlowInStateChanged",
  MediaTranscodingStateChange: "MediaTranscodingStateChanged",
};

export function kurentoEvents(event: DomainEvent): KurentoEvent[] {
  const objectId = event.objectId ?? "";
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case "element.created":
    case "pipeline.created":
      return [{ objectId: SERVER_MANAGER_ID, type: "ObjectCreated", data: { object: objectId } }];
    case "element.released":
    case "pipeline.released":
      return [{ objectId: SERVER_MANAGER_ID, type: "ObjectDestroyed", data: { objectId } }];
    case "element.connected":
    case "element.disconnected":
      return [
        {
          objectId,
          type: event.type === "element.connected" ? "ElementConnected" : "ElementDisconnected",
          data: { sink: data.sink, mediaType: data.mediaType ?? "VIDEO", sourceMediaDescription: "default", sinkMediaDescription: "default" },
        },
      ];
    case "element.mediaFlowIn":
    case "element.mediaFlowOut":
      return [
        {
          objectId,
          type: event.type === "element.mediaFlowIn" ? "MediaFlowInStateChanged" : "MediaFlowOutStateChanged",
          data: { state: data.state, padName: "default", mediaType: data.mediaType },
        },
      ];
    case "element.connectionStateChanged":
      return [{ objectId, type: "ConnectionStateChanged", data: { oldState: data.oldState, newState: data.newState } }];
    case "element.mediaStateChanged":
      return [
        { objectId, type: "MediaStateChanged", data: { oldState: data.oldState, newState: data.newState } },
        { objectId, type: data.newState === "CONNECTED" ? "MediaSessionStarted" : "MediaSessionTerminated", data: {} },
      ];
    case "element.dtlsStateChanged":
      return [{ objectId, type: "DtlsConnectionStateChange", data: { streamId: "1", componentId: "1", connectionId: "1", state: data.state } }];
    case "element.candidatePairSelected":
      return [
        {
          objectId,
          type: "NewCandidatePairSelected",
          data: { candidatePair: { streamId: "1", componentId: 1, localCandidate: data.localCandidate, remoteCandidate: data.remoteCandidate } },
        },
      ];
    case "element.iceStateChanged":
      return [{ objectId, type: "IceComponentStateChanged", data: { streamId: 1, componentId: 1, state: iceComponentState(String(data.state)) } }];
    case "element.iceCandidateFound":
      return [{ objectId, type: "IceCandidateFound", data: { candidate: { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex } } }];
    case "element.iceGatheringDone":
      return [{ objectId, type: "IceGatheringDone", data: {} }];
    case "element.error":
      return [{ objectId, type: "Error", data: { description: data.description, errorCode: data.errorCode ?? 40003, type: data.errorType } }];
    case "element.uriStateChanged":
      return [{ objectId, type: "UriEndpointStateChanged", data: { state: data.state } }];
    case "element.recording":
      return [{ objectId, type: "Recording", data: {} }];
    case "element.paused":
      return [{ objectId, type: "Paused", data: {} }];
    case "element.stopped":
      return [{ objectId, type: "Stopped", data: {} }];
    case "element.endOfStream":
      return [{ objectId, type: "EndOfStream", data: {} }];
    default:
      return [];
  }
}

/** kmd types of the fields of the events above that reference objects or registers. */
export const EVENT_FIELD_TYPES: Record<string, Record<string, string>> = {
  ObjectCreated: { object: "MediaObject" },
  ElementConnected: { sink: "MediaElement" },
  ElementDisconnected: { sink: "MediaElement" },
  IceCandidateFound: { candidate: "IceCandidate" },
  NewCandidatePairSelected: { candidatePair: "IceCandidatePair" },
};
