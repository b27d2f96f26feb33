/**
 * The Kurento protocol's methods (notes/kurento-protocol.md §1.4) mapped onto the domain:
 * `create`, `invoke`, `release`, `describe` and `subscribe` work on the same pipelines and
 * elements as REST and WHIP/WHEP; `ping`, `connect`, `keepAlive`, `closeSession`, `ref`/`unref`
 * and `transaction` (with `newref:N`) are session bookkeeping. Session ids are injected and
 * bound as KMS does: the request's own id, else the socket's session, else a new one.
 */
import { randomUUID } from "node:crypto";
import type { KmdCatalogue } from "../domain/catalogue/kmd.ts";
import type { OperationService } from "../domain/operations.ts";
import type { PipelineService } from "../domain/pipelines.ts";
import { KurentoError, METHOD_NOT_FOUND, toRpcError } from "./errors.ts";
import { LEGACY_EVENT_NAMES } from "./events.ts";
import { type KurentoIds, SERVER_MANAGER_ID } from "./ids.ts";
import type { RpcRequest } from "./jsonrpc.ts";
import type { ServerManager } from "./server-manager.ts";
import type { KurentoSession, SessionRegistry, SessionSocket } from "./sessions.ts";
import type { KurentoValues } from "./values.ts";

/** One WebSocket connection: its socket and the session currently bound to it. */
export interface KurentoConnection {
  socket: SessionSocket;
}

export interface ProtocolDeps {
  pipelines: PipelineService;
  operations: OperationService;
  catalogue: KmdCatalogue;
  sessions: SessionRegistry;
  ids: KurentoIds;
  values: KurentoValues;
  serverManager: ServerManager;
  maxObjectsPerSession: number;
}

class MethodNotFound extends Error {}

/** Methods that cannot run without `params` (-32602, as KMS answers). */
const OBJECT_METHODS = new Set(["create", "invoke", "release", "describe", "subscribe", "unsubscribe", "ref", "unref", "transaction"]);

function required(params: Record<string, unknown>, name: string): unknown {
  if (params[name] === undefined) throw new KurentoError(-32000, `'${name}' parameter is required`);
  return params[name];
}

export class KurentoProtocol {
  readonly #deps: ProtocolDeps;

  constructor(deps: ProtocolDeps) {
    this.#deps = deps;
  }

  /** Runs one request; resolves to its result, rejects with what becomes its error. */
  async handle(connection: KurentoConnection, request: RpcRequest): Promise<unknown> {
    const params = request.params ?? {};
    const { sessions } = this.#deps;
    switch (request.method) {
      case "ping":
        return typeof params.sessionId === "string" ? { value: "pong", sessionId: params.sessionId } : { value: "pong" };
      case "connect": {
        const known = sessions.get(params.sessionId as string | undefined);
        if (params.sessionId !== undefined && !known) throw new KurentoError(40007, "Invalid session");
        const session = known ?? sessions.obtain();
        sessions.bind(session, connection.socket);
        return { sessionId: session.id, serverId: sessions.serverId };
      }
      case "keepAlive": {
        const session = sessions.get(params.sessionId as string | undefined);
        if (!session) throw new KurentoError(40007, "Invalid session");
        sessions.bind(session, connection.socket);
        return { sessionId: session.id };
      }
      case "closeSession": {
        const session = this.#session(connection, params);
        await sessions.close(session, params.release === true);
        return null;
      }
    }
    if (request.params === undefined && OBJECT_METHODS.has(request.method)) throw new KurentoError(-32602, "'params' is required");
    const session = this.#session(connection, params);
    sessions.bind(session, connection.socket);
    const value = await this.#objectMethod(session, connection, request.method, params);
    // describe answers with its fields at the top of the result, not under `value`.
    if (request.method === "describe") return { ...(value as Record<string, unknown>), sessionId: session.id };
    return value === undefined ? { sessionId: session.id } : { value, sessionId: session.id };
  }

  /** The session a request belongs to (KMS adopts unknown ids on create/invoke). */
  #session(connection: KurentoConnection, params: Record<string, unknown>): KurentoSession {
    const { sessions } = this.#deps;
    if (typeof params.sessionId === "string") return sessions.obtain(params.sessionId);
    return sessions.boundTo(connection.socket) ?? sessions.obtain();
  }

  async #objectMethod(session: KurentoSession, connection: KurentoConnection, method: string, params: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case "create":
        return this.#create(session, params);
      case "invoke":
        return this.#invoke(session, params);
      case "release":
        await this.#release(String(required(params, "object")));
        return undefined;
      case "describe":
        return this.#describe(session, params);
      case "subscribe":
        return this.#subscribe(session, params);
      case "unsubscribe":
        session.subscriptions.delete(String(required(params, "subscription")));
        return undefined;
      case "ref":
      case "unref": {
        const id = this.#domainId(String(required(params, "object")));
        if (method === "ref") this.#hold(session, id);
        else session.objects.delete(id);
        return undefined;
      }
      case "transaction":
        return this.#transaction(connection, params);
      default:
        throw new MethodNotFound();
    }
  }

  #domainId(kurentoId: string): string {
    const id = this.#deps.ids.fromKurento(kurentoId);
    if (id === undefined) throw new KurentoError(40101, `Object '${kurentoId}' not found`);
    return id;
  }

  /** The session holds the object and its pipeline. */
  #hold(session: KurentoSession, id: string): void {
    session.objects.add(id);
    const type = this.#deps.pipelines.resolveType(id);
    if (type !== undefined && type !== "MediaPipeline") session.objects.add(this.#deps.pipelines.getElement(id).pipelineId);
  }

  async #create(session: KurentoSession, params: Record<string, unknown>): Promise<string> {
    const { catalogue, pipelines, values, ids } = this.#deps;
    const requested = String(required(params, "type"));
    const type = requested.replace(/^kurento\./, "");
    const cls = catalogue.get(type);
    if (!cls || type.includes(".")) throw new KurentoError(40108, `Factory '${requested}' not found`);
    if (session.objects.size >= this.#deps.maxObjectsPerSession) {
      throw new KurentoError(40009, `a session may hold at most ${this.#deps.maxObjectsPerSession} objects`);
    }
    const raw = (params.constructorParams ?? {}) as Record<string, unknown>;
    const types = new Map(cls.constructorParams.map((param) => [param.name, param.type]));
    const constructorParams = Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, types.has(name) ? values.inbound(types.get(name)!, value) : value]));
    let id: string;
    if (cls.name === "MediaPipeline") {
      id = pipelines.createPipeline({ origin: "kurento" }).id;
    } else {
      const pipelineId = constructorParams.mediaPipeline ?? (constructorParams.hub ? pipelines.getElement(String(constructorParams.hub)).pipelineId : undefined);
      if (pipelineId === undefined) throw new KurentoError(-32000, "'mediaPipeline' parameter is required");
      id = (await pipelines.createElement(String(pipelineId), cls.name, constructorParams)).id;
    }
    this.#deps.sessions.created(id);
    this.#hold(session, id);
    return ids.toKurento(id);
  }

  async #invoke(session: KurentoSession, params: Record<string, unknown>): Promise<unknown> {
    const { operations, values, serverManager } = this.#deps;
    const object = String(required(params, "object"));
    const operation = String(required(params, "operation"));
    const operationParams = (params.operationParams ?? {}) as Record<string, unknown>;
    if (object === SERVER_MANAGER_ID) {
      const value = await serverManager.invoke(operation, operationParams);
      return operation === "getPipelines" ? (value as string[]).map((id) => this.#deps.ids.toKurento(id)) : value;
    }
    const id = this.#domainId(object);
    this.#hold(session, id);
    const cls = operations.classOf(operations.object(id));
    const signature = operations.signature(cls, operation);
    const converted = Object.fromEntries(
      Object.entries(operationParams).map(([name, value]) => [name, signature?.params.has(name) ? values.inbound(signature.params.get(name)!, value) : value]),
    );
    const value = await operations.invoke(id, operation, converted);
    // An object's name defaults to its id — its Kurento id, on this face.
    if (operation === "getName" && value === id) return this.#deps.ids.toKurento(id);
    return signature?.returns === undefined ? null : values.outbound(signature.returns, value);
  }

  /** Releases at once whatever sessions hold it (as KMS does); the release events make sessions forget it. */
  async #release(kurentoId: string): Promise<void> {
    if (kurentoId === SERVER_MANAGER_ID) return;
    const id = this.#deps.ids.fromKurento(kurentoId);
    if (id === undefined) return; // KMS releases unknown ids silently
    await this.#deps.pipelines.releaseObject(id);
  }

  #describe(session: KurentoSession, params: Record<string, unknown>): Record<string, unknown> {
    const object = String(required(params, "object"));
    if (object === SERVER_MANAGER_ID) return { type: "ServerManager", qualifiedType: "kurento.ServerManager", hierarchy: ["kurento.MediaObject"] };
    const id = this.#domainId(object);
    this.#hold(session, id);
    const cls = this.#deps.operations.classOf(this.#deps.operations.object(id));
    return { type: cls.name, qualifiedType: `kurento.${cls.name}`, hierarchy: cls.hierarchy };
  }

  #subscribe(session: KurentoSession, params: Record<string, unknown>): string {
    const object = String(required(params, "object"));
    const requested = String(required(params, "type"));
    const type = LEGACY_EVENT_NAMES[requested] ?? requested;
    const id = object === SERVER_MANAGER_ID ? SERVER_MANAGER_ID : this.#domainId(object);
    const cls = id === SERVER_MANAGER_ID ? this.#deps.catalogue.get("ServerManager")! : this.#deps.operations.classOf(this.#deps.operations.object(id));
    if (!cls.events.has(type)) throw new KurentoError(40106, `Event '${requested}' not supported`);
    if (id !== SERVER_MANAGER_ID) this.#hold(session, id);
    const subscription = { id: randomUUID(), objectId: id, type };
    session.subscriptions.set(subscription.id, subscription);
    return subscription.id;
  }

  /** `transaction`: the operations in order, `newref:N` replaced by op N's value; stops at the first error. */
  async #transaction(connection: KurentoConnection, params: Record<string, unknown>): Promise<unknown[]> {
    const operations = required(params, "operations");
    if (!Array.isArray(operations)) throw new KurentoError(40008, "'operations' must be a list");
    const responses: Array<Record<string, unknown>> = [];
    for (const [index, operation] of operations.entries()) {
      const request = operation as { id?: unknown; method?: unknown; params?: Record<string, unknown> };
      if (request?.id !== index || typeof request.method !== "string") throw new KurentoError(40008, `operation ${index} must have id ${index}`);
      const resolved = replaceNewRefs(request.params ?? {}, responses) as Record<string, unknown>;
      try {
        const result = await this.handle(connection, { id: index, method: request.method, params: { ...resolved, sessionId: params.sessionId } });
        responses.push({ id: index, jsonrpc: "2.0", result });
      } catch (error) {
        responses.push({ id: index, jsonrpc: "2.0", error: error instanceof MethodNotFound ? METHOD_NOT_FOUND : toRpcError(error) });
        break;
      }
    }
    return responses;
  }

  static isMethodNotFound(error: unknown): boolean {
    return error instanceof MethodNotFound;
  }
}

function replaceNewRefs(value: unknown, responses: Array<Record<string, unknown>>): unknown {
  if (typeof value === "string" && value.startsWith("newref:")) {
    const result = responses[Number(value.slice(7))]?.result as { value?: unknown } | undefined;
    if (result?.value === undefined) throw new KurentoError(40109, `no object for ${value}`);
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item) => replaceNewRefs(item, responses));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceNewRefs(item, responses)]));
  return value;
}
