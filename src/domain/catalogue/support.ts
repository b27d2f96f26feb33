/**
 * Which Kurento types Pipewright can create, and why it refuses the others. Pipewright routes
 * media without decoding it, so every type that needs decoded video or audio (filters,
 * Composite, Mixer, AlphaBlending) is refused with 501 naming the type — never accepted
 * silently. Constructor parameters are checked against the kmd definitions (a UriEndpoint's
 * `uri` is checked in full — URI syntax, confinement, addresses — by domain/media-uris.ts).
 */
import type { WorkerElementType } from "../../media/protocol.ts";
import { PipewrightError } from "../errors.ts";
import type { KmdCatalogue, RemoteClass } from "./kmd.ts";
import { checkValue, type ObjectResolver } from "./values.ts";

/** Element types created in a media worker (MediaPipeline is created by the pipeline service). */
export const ELEMENT_TYPES: readonly WorkerElementType[] = [
  "WebRtcEndpoint",
  "PassThrough",
  "Dispatcher",
  "DispatcherOneToMany",
  "HubPort",
  "RecorderEndpoint",
  "PlayerEndpoint",
];

const DECODING: Record<string, string> = {
  Composite: "mixes video, which needs decoding",
  Mixer: "mixes audio, which needs decoding",
  AlphaBlending: "blends video, which needs decoding",
  FaceOverlayFilter: "analyses decoded video",
  GStreamerFilter: "runs a GStreamer pipeline on decoded media",
  ImageOverlayFilter: "draws on decoded video",
  ZBarFilter: "reads barcodes from decoded video",
  OpenCVFilter: "runs OpenCV on decoded video",
};

/** The class of a type Pipewright can create; 422 for unknown types, 501 for the rest. */
export function creatableClass(catalogue: KmdCatalogue, type: string): RemoteClass {
  const cls = catalogue.get(type);
  if (!cls) throw new PipewrightError("UNKNOWN_TYPE", `Factory '${type}' not found: there is no such Kurento type`);
  if (cls.name === "MediaPipeline" || ELEMENT_TYPES.includes(cls.name as WorkerElementType)) return cls;
  const why = DECODING[cls.name];
  const detail = why
    ? `${cls.name} ${why}; Pipewright forwards media without transcoding and does not support it`
    : cls.abstract
      ? `${cls.name} is abstract and cannot be created`
      : `${cls.name} is not supported by Pipewright yet`;
  throw new PipewrightError("NOT_IMPLEMENTED", detail, { type: cls.name });
}

/**
 * Validates constructor parameters: required ones present, each of its kmd type, no unknown
 * ones; returns them with kmd defaults filled in.
 */
export function checkConstructorParams(catalogue: KmdCatalogue, cls: RemoteClass, params: Record<string, unknown>, resolve: ObjectResolver): Record<string, unknown> {
  const known = new Map(cls.constructorParams.map((param) => [param.name, param]));
  const unknown = Object.keys(params).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new PipewrightError("INVALID_REQUEST", `${cls.name} has no constructor parameter ${unknown.join(", ")}`);
  const result: Record<string, unknown> = {};
  for (const param of cls.constructorParams) {
    const value = params[param.name];
    if (value === undefined) {
      if (!param.optional) throw new PipewrightError("INVALID_REQUEST", `'${param.name}' parameter is required to create a ${cls.name}`);
      if (param.defaultValue !== undefined) result[param.name] = param.defaultValue;
      continue;
    }
    result[param.name] = checkValue(catalogue, param.type, value, param.name, resolve);
  }
  return result;
}
