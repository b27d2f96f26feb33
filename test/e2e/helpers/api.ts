/**
 * REST calls from inside the namespace: the server listens on the namespace's loopback, which
 * the test process cannot reach, so calls are made with fetch from a page of the server's own
 * origin (as the built-in pages do).
 */
import type { Page } from "playwright-core";

export interface PageResponse<T> {
  status: number;
  body: T;
}

export function apiCall<T = Record<string, any>>(page: Page, method: string, path: string, body?: unknown): Promise<PageResponse<T>> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text && (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text };
    },
    { method, path, body },
  ) as Promise<PageResponse<T>>;
}

/** The call, failing with the problem details unless it answers `status`. */
export async function apiExpect<T = Record<string, any>>(page: Page, status: number, method: string, path: string, body?: unknown): Promise<T> {
  const response = await apiCall<T>(page, method, path, body);
  if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
