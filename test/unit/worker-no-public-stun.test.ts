/**
 * The media worker itself never contacts a public STUN server. werift falls back to
 * stun.l.google.com:19302 whenever no STUN server is configured; the worker must apply
 * src/media/webrtc/no-default-stun.ts through its own imports. This file runs the worker's code
 * (WorkerRuntime, exactly what worker.ts drives over IPC) in-process with the settings the
 * server derives from its default configuration, and imports nothing else that could apply the
 * patch — test runner files run in their own process, and the werift test helpers, which import
 * the patch, are left out on purpose. Every UDP send and DNS lookup is intercepted: sends to
 * anything but 127.0.0.1 are recorded and dropped, lookups recorded and failed, so nothing leaks
 * even when the patch is missing. Removing the import from peer-config.ts makes this fail.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config/load.ts";
import type { ControlMessage, WorkerMessage } from "../../src/media/protocol.ts";
import { WorkerRuntime } from "../../src/media/worker-runtime.ts";
import { endpointIce } from "../../src/domain/endpoint-ice.ts";
import { workerSettings } from "../../src/server.ts";
import { testPortRange } from "../helpers/server.ts";

const sends: string[] = [];
const lookups: string[] = [];
const originals = { send: dgram.Socket.prototype.send, lookup: dns.lookup, promisesLookup: dns.promises.lookup };

function intercept(): void {
  dgram.Socket.prototype.send = function interceptedSend(this: dgram.Socket, ...args: unknown[]) {
    // send(msg, port, address, cb) or send(msg, offset, length, port, address, cb)
    const address = String(typeof args[3] === "number" ? args[4] : args[2]);
    sends.push(address);
    if (address === "127.0.0.1") return (originals.send as (...values: unknown[]) => void).apply(this, args);
    (args.find((value) => typeof value === "function") as (() => void) | undefined)?.();
  } as typeof dgram.Socket.prototype.send;
  const refuse = (hostname: string) => {
    lookups.push(hostname);
    return Object.assign(new Error(`lookup of ${hostname} refused by the test`), { code: "ENOTFOUND" });
  };
  dns.lookup = ((hostname: string, ...rest: unknown[]) => {
    // An address literal needs no resolver (ICE-TCP listeners resolve their bind address).
    if (isIP(hostname)) return (originals.lookup as (...values: unknown[]) => void)(hostname, ...rest);
    const callback = rest.find((value) => typeof value === "function") as (error: Error) => void;
    process.nextTick(() => callback(refuse(hostname)));
  }) as typeof dns.lookup;
  dns.promises.lookup = (async (hostname: string, ...rest: unknown[]) => {
    if (isIP(hostname)) return (originals.promisesLookup as (...values: unknown[]) => unknown)(hostname, ...rest);
    throw refuse(hostname);
  }) as typeof dns.promises.lookup;
}

function restore(): void {
  dgram.Socket.prototype.send = originals.send;
  dns.lookup = originals.lookup;
  dns.promises.lookup = originals.promisesLookup;
}

/** An in-process media worker: `call` sends one IPC request and resolves with its result. */
function inProcessWorker(): { call(method: ControlMessage["method"], params: unknown): Promise<unknown> } {
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const runtime = new WorkerRuntime((message: WorkerMessage) => {
    if (message.kind !== "response") return;
    const pending = waiting.get(message.id)!;
    waiting.delete(message.id);
    if (message.error) pending.reject(new Error(`${message.error.code}: ${message.error.message}`));
    else pending.resolve(message.result);
  }, pino({ level: "silent" }));
  let nextId = 1;
  return {
    call: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        void runtime.handle({ kind: "request", id, method, params });
      }),
  };
}

describe("the media worker's own peer connections", () => {
  before(intercept);
  after(restore);

  it("gather candidates without any DNS lookup or STUN request (default settings, full ICE)", async () => {
    const config = loadConfig({ env: {}, file: undefined, overrides: { webrtc: { listenAddress: "127.0.0.1", announceOnly: true, portRange: testPortRange() } } });
    const settings = workerSettings(config);
    assert.deepEqual(config.webrtc.iceServers, [], "the default configuration names no STUN server");
    const worker = inProcessWorker();
    await worker.call("worker.configure", settings);
    await worker.call("element.create", { pipelineId: "p", elementId: "e", type: "WebRtcEndpoint" });
    // The endpoint's ICE settings exactly as the control plane derives them from this configuration.
    const ice = endpointIce(config.webrtc, {});
    const { offer } = (await worker.call("webrtc.generateOffer", { elementId: "e", direction: "sendrecv", audio: true, video: true, ice })) as { offer: string };
    await worker.call("pipeline.release", { pipelineId: "p" });

    assert.match(offer, /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m, "gathering ran and found the host candidate");
    assert.doesNotMatch(offer, /typ srflx/);
    assert.deepEqual(lookups, [], "no name was looked up (stun.l.google.com would be)");
    assert.deepEqual(sends.filter((address) => address !== "127.0.0.1"), [], "nothing was sent off this machine");
  });
});
