/**
 * A small JSON client for the `/v1` REST API in tests: every call returns status, headers and
 * parsed body, and `ok` helpers fail the test with the problem details when the status is not
 * the expected one.
 */
import assert from "node:assert/strict";

export interface RestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class Rest {
  readonly base: string;
  readonly #headers: Record<string, string>;

  constructor(base: string, token?: string) {
    this.base = base;
    this.#headers = token ? { Authorization: `Bearer ${token}` } : {};
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestResponse<T>> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...this.#headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("json") && text !== "") parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** The call, asserting its status. */
  async expect<T = Record<string, any>>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call<T>(method, path, body);
    assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
    return response.body;
  }
}
