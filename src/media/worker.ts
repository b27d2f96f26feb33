/**
 * Entry point of a media worker process, forked by media/supervisor.ts. It speaks only the IPC
 * protocol (media/protocol.ts) over Node's IPC channel and exits when the control plane goes
 * away, so no worker outlives the process that owns its sessions.
 */
import pino from "pino";
import type { ControlMessage, WorkerMessage } from "./protocol.ts";
import { WorkerRuntime } from "./worker-runtime.ts";

const log = pino({ name: "media-worker", base: { pid: process.pid } }, pino.destination(2));

if (!process.send) {
  log.fatal("media worker must be started by the supervisor (no IPC channel)");
  process.exit(2);
}

function send(message: WorkerMessage): void {
  // The control plane may go away between the check and the write (shutdown): that is not an error.
  if (process.connected) process.send!(message, undefined, undefined, () => {});
}

// A write on an IPC channel the parent already closed reports EPIPE as an 'error' event.
process.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_IPC_CHANNEL_CLOSED") log.error({ err: error }, "media worker process error");
});

const runtime = new WorkerRuntime(send, log);

process.on("message", (message: ControlMessage) => void runtime.handle(message));
process.on("disconnect", () => {
  const exit = () => process.exit(0);
  runtime.releaseAll().then(exit, exit);
  setTimeout(exit, 1000).unref();
});
// werift settles many internal promises on its own timers; a stray rejection there (a packet
// that could not be sent while a transport closed) must not take every session down with it.
process.on("unhandledRejection", (reason) => log.warn({ err: reason }, "unhandled rejection in media worker"));

send({ kind: "ready" });
