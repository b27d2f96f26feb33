/**
 * Opens what a PlayerEndpoint plays as a mediabunny Input: a file inside the media roots, read
 * through the descriptor whose path was checked, or an http(s) URL read with HTTP range requests
 * through undici — with a connector that refuses loopback, private, link-local and metadata
 * addresses on every connection (redirects included) unless the operator allowed them. Errors
 * come out as WorkerErrors a user can act on: FORBIDDEN for a refused path or address,
 * NOT_FOUND for what cannot be read, UNSUPPORTED_MEDIA for what is not a media file.
 */
import { ALL_FORMATS, Input, UnsupportedInputFormatError, UrlSource } from "mediabunny";
import { Agent, fetch as undiciFetch } from "undici";
import { fileHandleSource } from "../container/file-source.ts";
import { openForReading } from "../files/confined-path.ts";
import { guardedConnector } from "../net/address-policy.ts";
import type { PlayerSettings, PlayerSource } from "../protocol.ts";
import { WorkerError } from "../worker-error.ts";

export interface PlayerInput {
  input: Input;
  close(): Promise<void>;
}

function causes(error: unknown): Array<{ code?: string; message?: string }> {
  const chain: Array<{ code?: string; message?: string }> = [];
  for (let current = error as { cause?: unknown } | undefined; current && chain.length < 8; current = current.cause as { cause?: unknown } | undefined) {
    chain.push(current as { code?: string; message?: string });
  }
  return chain;
}

/** A failure to open or read as the WorkerError the user sees. */
export function openError(error: unknown, what: string): WorkerError {
  if (error instanceof WorkerError) return error; // a refused path included
  if (error instanceof UnsupportedInputFormatError) return new WorkerError("UNSUPPORTED_MEDIA", `${what} is not a media file Pipewright can read (MP4, WebM, Matroska)`);
  const chain = causes(error);
  const refused = chain.find((item) => item.code === "EPRIVATEADDRESS");
  if (refused) return new WorkerError("FORBIDDEN", refused.message ?? "a restricted address");
  if (chain.some((item) => item.code === "ENOENT")) return new WorkerError("NOT_FOUND", `${what} does not exist`);
  const detail = chain.map((item) => item.message).filter(Boolean).join(": ");
  return new WorkerError("NOT_FOUND", `cannot read ${what}: ${detail}`);
}

async function openFile(source: Extract<PlayerSource, { kind: "file" }>): Promise<PlayerInput> {
  const handle = await openForReading(source.roots, source.path, "media");
  const { size } = await handle.stat();
  const input = new Input({ formats: ALL_FORMATS, source: fileHandleSource(handle, size) });
  return {
    input,
    close: async () => {
      input.dispose();
      await handle.close();
    },
  };
}

function openUrl(source: Extract<PlayerSource, { kind: "http" }>, settings: PlayerSettings): PlayerInput {
  const agent = new Agent({
    connect: settings.allowPrivateAddresses ? { timeout: settings.httpTimeoutMs } : guardedConnector("player.allowPrivateAddresses", settings.httpTimeoutMs),
    headersTimeout: settings.httpTimeoutMs,
    bodyTimeout: settings.httpTimeoutMs,
  });
  const fetchFn = ((url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
  const input = new Input({
    formats: ALL_FORMATS,
    source: new UrlSource(source.url, { fetchFn, getRetryDelay: (attempts) => (attempts < 2 ? 0.5 : null), maxCacheSize: 16 * 1024 * 1024 }),
  });
  return {
    input,
    close: async () => {
      input.dispose();
      await agent.close().catch(() => {});
    },
  };
}

/** Opens the source and reads its track list; refuses what cannot be played. */
export async function openPlayerInput(source: PlayerSource, settings: PlayerSettings): Promise<PlayerInput> {
  const what = source.kind === "file" ? source.path : source.url;
  let opened: PlayerInput | undefined;
  try {
    opened = source.kind === "file" ? await openFile(source) : openUrl(source, settings);
    await opened.input.getTracks();
    return opened;
  } catch (error) {
    await opened?.close().catch(() => {});
    throw openError(error, what);
  }
}
