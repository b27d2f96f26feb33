/**
 * An HTTP request made from inside the test's network namespace, by a Node process started
 * there with `ip netns exec`: the way a client on another machine of the namespace's network
 * reaches the server. The request's source address is whatever the namespace routes it from, so
 * a request to the veth address comes from that address, not from loopback.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Namespace } from "./netns.ts";

export interface NamespaceResponse {
  status: number;
  contentType: string | null;
  body: string;
}

const SCRIPT = `
const [url, init] = JSON.parse(process.argv[1]);
const response = await fetch(url, init);
process.stdout.write(JSON.stringify({ status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }));
`;

export async function fetchInNamespace(ns: Namespace, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<NamespaceResponse> {
  const [command, ...prefix] = ns.exec;
  const { stdout } = await promisify(execFile)(command, [...prefix, process.execPath, "--input-type=module", "-e", SCRIPT, JSON.stringify([url, init])], { timeout: 15_000 });
  return JSON.parse(stdout) as NamespaceResponse;
}
