/**
 * Converts values between the Kurento wire and the domain, guided by kmd types: a remote-object
 * reference is a Kurento id on the wire and a domain id inside (an unknown one is 40101, as KMS
 * answers); registers such as IceCandidate or ElementConnectionData carry `__module__` and
 * `__type__` on the wire (notes/kurento-protocol.md §2.4); lists and maps convert item by item.
 */
import type { KmdCatalogue } from "../domain/catalogue/kmd.ts";
import { KurentoError } from "./errors.ts";
import type { KurentoIds } from "./ids.ts";

export class KurentoValues {
  readonly #catalogue: KmdCatalogue;
  readonly #ids: KurentoIds;

  constructor(catalogue: KmdCatalogue, ids: KurentoIds) {
    this.#catalogue = catalogue;
    this.#ids = ids;
  }

  #registerFields(type: string): Array<{ name: string; type: string }> {
    const complex = this.#catalogue.complexTypes.get(type);
    if (!complex || complex.typeFormat !== "REGISTER") return [];
    return [...(complex.extends ? this.#registerFields(complex.extends) : []), ...(complex.properties ?? [])];
  }

  /** Wire → domain. */
  inbound(type: string, value: unknown): unknown {
    if (value === undefined || value === null) return value;
    if (type.endsWith("[]")) return Array.isArray(value) ? value.map((item) => this.inbound(type.slice(0, -2), item)) : value;
    if (type.endsWith("<>")) return this.#mapValues(value, (item) => this.inbound(type.slice(0, -2), item));
    if (this.#catalogue.get(type)) {
      if (typeof value !== "string") return value; // the domain reports the type error
      const id = this.#ids.fromKurento(value);
      if (id === undefined) throw new KurentoError(40101, `Object '${value}' not found`);
      return id;
    }
    const fields = this.#registerFields(type);
    if (fields.length > 0 && typeof value === "object" && !Array.isArray(value)) {
      const result: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      delete result.__module__;
      delete result.__type__;
      for (const field of fields) if (field.name in result) result[field.name] = this.inbound(field.type, result[field.name]);
      return result;
    }
    return value;
  }

  /** Domain → wire. */
  outbound(type: string, value: unknown): unknown {
    if (value === undefined || value === null) return value;
    if (type.endsWith("[]")) return Array.isArray(value) ? value.map((item) => this.outbound(type.slice(0, -2), item)) : value;
    if (type.endsWith("<>")) return this.#mapValues(value, (item) => this.outbound(type.slice(0, -2), item));
    if (this.#catalogue.get(type)) return typeof value === "string" ? this.#ids.toKurento(value) : value;
    if (typeof value === "object" && !Array.isArray(value) && this.#isSubtype((value as { __type__?: unknown }).__type__, type)) {
      // A subtype travels as itself (getStats: Stats<> values are RTCInboundRTPStreamStats…).
      type = (value as { __type__: string }).__type__;
    }
    const fields = this.#registerFields(type);
    if (fields.length > 0 && typeof value === "object" && !Array.isArray(value)) {
      const input = value as Record<string, unknown>;
      const result: Record<string, unknown> = { __module__: "kurento", __type__: type };
      for (const field of fields) if (input[field.name] !== undefined) result[field.name] = this.outbound(field.type, input[field.name]);
      return result;
    }
    return value;
  }

  #isSubtype(candidate: unknown, type: string): boolean {
    let current = typeof candidate === "string" ? this.#catalogue.complexTypes.get(candidate) : undefined;
    while (current) {
      if (current.name === type) return true;
      current = current.extends ? this.#catalogue.complexTypes.get(current.extends) : undefined;
    }
    return false;
  }

  #mapValues(value: unknown, convert: (item: unknown) => unknown): unknown {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, convert(item)]));
  }
}
