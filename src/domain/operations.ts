/**
 * Kurento's `invoke`: any method or property accessor of any object, by name, with named
 * parameters checked against the kmd definitions. Property getters and setters are derived from
 * the kmd properties (`getMaxVideoSendBandwidth`, `setName`…) and stored on the object; the
 * methods Pipewright implements are dispatched to the services; a method it does not implement
 * is a 501 naming it. The REST routes and the Kurento protocol both invoke through here, so an
 * operation behaves the same whichever face calls it.
 */
import type { ElementRow, MediaTypeName, PipelineRow } from "../store/pipelines.ts";
import type { KmdMethod, KmdProperty, RemoteClass } from "./catalogue/kmd.ts";
import { checkValue } from "./catalogue/values.ts";
import { checkIceProperty } from "./endpoint-ice.ts";
import { PipewrightError } from "./errors.ts";
import { elementMethods, type MethodTable, objectTags, type UriEndpointServices } from "./element-methods.ts";
import type { PipelineService } from "./pipelines.ts";
import type { WebRtcService } from "./webrtc.ts";

/** Values a property reads as before anything set it (KMS defaults where Kurento documents one). */
const PROPERTY_DEFAULTS: Record<string, unknown> = {
  sendTagsInEvents: false,
  maxVideoSendBandwidth: 500,
  minVideoSendBandwidth: 100,
  maxVideoRecvBandwidth: 0,
  maxAudioRecvBandwidth: 0,
  minVideoRecvBandwidth: 100,
  mtu: 1200,
  mediaState: "DISCONNECTED",
  connectionState: "DISCONNECTED",
  state: "STOP",
};

export type MediaObjectRow = { kind: "pipeline"; row: PipelineRow } | { kind: "element"; row: ElementRow };

function accessorName(prefix: "get" | "set", property: string): string {
  return `${prefix}${property.charAt(0).toUpperCase()}${property.slice(1)}`;
}

export class OperationService {
  readonly #pipelines: PipelineService;
  readonly #methods: MethodTable;
  readonly #defaults: Record<string, unknown>;

  constructor(pipelines: PipelineService, webrtc: WebRtcService, uriEndpoints?: UriEndpointServices) {
    this.#pipelines = pipelines;
    this.#methods = elementMethods(pipelines, webrtc, uriEndpoints);
    this.#defaults = { ...PROPERTY_DEFAULTS, ...webrtc.iceDefaults() };
  }

  /** A stored pipeline or element by id. */
  object(id: string): MediaObjectRow {
    const pipeline = this.#pipelines.resolveType(id) === "MediaPipeline" ? this.#pipelines.getPipeline(id) : undefined;
    if (pipeline) return { kind: "pipeline", row: pipeline };
    return { kind: "element", row: this.#pipelines.getElement(id) };
  }

  classOf(object: MediaObjectRow): RemoteClass {
    return this.#pipelines.catalogue.get(object.kind === "pipeline" ? "MediaPipeline" : object.row.type)!;
  }

  async invoke(objectId: string, operation: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const object = this.object(objectId);
    const cls = this.classOf(object);
    const accessor = this.#accessor(cls, operation);
    const implementation = this.#methods[operation];
    if (accessor && implementation && object.kind === "element") {
      // A property the media reads or acts on (PlayerEndpoint position): checked, then live.
      if (accessor.kind === "set") this.#settableValue(cls, accessor.property, params);
      return implementation(object, params);
    }
    if (accessor) return accessor.kind === "get" ? this.#get(object, accessor.property) : this.#set(object, cls, accessor.property, params);
    const method = cls.methods.get(operation);
    if (!method) {
      throw new PipewrightError("UNKNOWN_OPERATION", `Method '${operation}' with ${Object.keys(params).length} parameters not found on ${cls.name}`);
    }
    const args = this.#checkParams(cls, method, params);
    if (!implementation) throw new PipewrightError("NOT_IMPLEMENTED", `${cls.name}.${operation} is not implemented by Pipewright`, { operation });
    return implementation(object, args);
  }

  /** The kmd types of an operation's parameters and of its return value (undefined: void). */
  signature(cls: RemoteClass, operation: string): { params: Map<string, string>; returns: string | undefined } | undefined {
    const accessor = this.#accessor(cls, operation);
    if (accessor) {
      const type = cls.properties.get(accessor.property)!.type;
      return accessor.kind === "get" ? { params: new Map(), returns: type } : { params: new Map([[accessor.property, type]]), returns: undefined };
    }
    const method = cls.methods.get(operation);
    return method ? { params: new Map(method.params.map((param) => [param.name, param.type])), returns: method.return?.type } : undefined;
  }

  #accessor(cls: RemoteClass, operation: string): { kind: "get" | "set"; property: string } | undefined {
    for (const property of cls.properties.values()) {
      if (operation === accessorName("get", property.name)) return { kind: "get", property: property.name };
      if (operation === accessorName("set", property.name) && !property.readOnly && !property.final) return { kind: "set", property: property.name };
    }
    return undefined;
  }

  #checkParams(cls: RemoteClass, method: KmdMethod, params: Record<string, unknown>): Record<string, unknown> {
    const known = new Set(method.params.map((param) => param.name));
    const unknown = Object.keys(params).filter((name) => !known.has(name));
    if (unknown.length > 0) throw new PipewrightError("INVALID_REQUEST", `${cls.name}.${method.name} has no parameter ${unknown.join(", ")}`);
    const args: Record<string, unknown> = {};
    for (const param of method.params) {
      if (params[param.name] === undefined) {
        if (!param.optional) throw new PipewrightError("INVALID_REQUEST", `'${param.name}' parameter is required`);
        continue;
      }
      args[param.name] = checkValue(this.#pipelines.catalogue, param.type, params[param.name], param.name, this.#pipelines.resolveType);
    }
    return args;
  }

  /** The tags an object's events carry: its tags when its `sendTagsInEvents` is on, else none. */
  eventTags(objectId: string): Array<{ key: string; value: string }> {
    if (this.#pipelines.resolveType(objectId) === undefined) return [];
    const object = this.object(objectId);
    return this.#get(object, "sendTagsInEvents") === true ? objectTags(object) : [];
  }

  /** The value of a property: identity ones computed, the rest as stored or defaulted. */
  property(object: MediaObjectRow, name: string): unknown {
    return this.#get(object, name);
  }

  #get(object: MediaObjectRow, name: string): unknown {
    const row = object.row;
    switch (name) {
      case "id":
        return row.id;
      case "mediaPipeline":
        return object.kind === "pipeline" ? row.id : (row as ElementRow).pipelineId;
      case "parent":
        return object.kind === "pipeline" ? null : (row as ElementRow).pipelineId;
      case "children":
        return object.kind === "pipeline" ? this.#pipelines.listElements(row.id).map((element) => element.id) : [];
      case "creationTime":
        return Math.floor(row.createdAt / 1000);
      case "name":
        return (object.kind === "pipeline" ? (row as PipelineRow).name : (row as ElementRow).properties.name) ?? row.id;
    }
    const stored = row.properties[name];
    if (stored !== undefined) return stored;
    // Final properties of an element are its constructor parameters (a UriEndpoint's uri).
    if (object.kind === "element" && (row as ElementRow).constructorParams[name] !== undefined) return (row as ElementRow).constructorParams[name];
    return this.#defaults[name] ?? null;
  }

  /** The checked value of a `set<Name>` call's one parameter. */
  #settableValue(cls: RemoteClass, name: string, params: Record<string, unknown>): unknown {
    const property = cls.properties.get(name)!;
    const keys = Object.keys(params);
    if (keys.length !== 1 || keys[0] !== name) throw new PipewrightError("INVALID_REQUEST", `${accessorName("set", name)} takes one parameter, '${name}'`);
    return this.#checkProperty(cls, property, params[name]);
  }

  /** A property value checked against its kmd type and, for a WebRtcEndpoint's ICE properties, their format. */
  #checkProperty(cls: RemoteClass, property: KmdProperty, value: unknown): unknown {
    const checked = checkValue(this.#pipelines.catalogue, property.type, value, property.name, this.#pipelines.resolveType);
    if (cls.name === "WebRtcEndpoint") checkIceProperty(property.name, checked);
    return checked;
  }

  async #set(object: MediaObjectRow, cls: RemoteClass, name: string, params: Record<string, unknown>): Promise<null> {
    const value = this.#settableValue(cls, name, params);
    if (object.kind === "pipeline") {
      if (name === "name") this.#pipelines.renamePipeline(object.row.id, value as string);
      else this.#pipelines.setPipelineProperties(object.row.id, { [name]: value });
      return null;
    }
    this.#pipelines.updateProperties(object.row.id, { [name]: value });
    if (name === "maxVideoRecvBandwidth" && object.row.type === "WebRtcEndpoint") {
      const kbps = value as number;
      await this.#pipelines.media.request(object.row.pipelineId, "webrtc.configure", { elementId: object.row.id, maxIncomingBitrate: kbps > 0 ? kbps * 1000 : 100_000_000 });
    }
    return null;
  }

  /**
   * Throws unless every entry is a settable property of the class with a value of its kmd type;
   * checked before anything is changed, so a refused request changes nothing.
   */
  checkProperties(type: string, properties: Record<string, unknown>): void {
    const cls = this.#pipelines.catalogue.get(type);
    if (!cls) throw new PipewrightError("UNKNOWN_TYPE", `Factory '${type}' not found: there is no such Kurento type`);
    for (const [name, value] of Object.entries(properties)) this.#checkProperty(cls, this.#settable(cls, name), value);
  }

  #settable(cls: RemoteClass, name: string): KmdProperty {
    const property = cls.properties.get(name);
    if (!property) throw new PipewrightError("INVALID_REQUEST", `${cls.name} has no property ${name}`);
    if (property.readOnly || property.final) throw new PipewrightError("INVALID_REQUEST", `${cls.name}.${name} is read-only`);
    return property;
  }

  /** Sets properties as `set<Name>` calls would, after checking them all (a refused one changes nothing). */
  async setProperties(objectId: string, properties: Record<string, unknown>): Promise<void> {
    const object = this.object(objectId);
    this.checkProperties(this.classOf(object).name, properties);
    for (const [name, value] of Object.entries(properties)) await this.invoke(objectId, accessorName("set", name), { [name]: value });
  }

  isMediaFlowing(element: ElementRow, direction: "in" | "out", mediaType: MediaTypeName): boolean {
    return element.mediaFlow[direction][mediaType] === "FLOWING";
  }
}
