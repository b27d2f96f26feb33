/**
 * Serves a file with HTTP range requests (RFC 9110 §14), so a browser `<video>` can seek in a
 * recording: `Accept-Ranges: bytes`, a single `bytes=` range answered 206 with `Content-Range`,
 * an unsatisfiable one 416 with `Content-Range: bytes *\/size`; several ranges at once are
 * answered with the whole file (a server may ignore Range, §14.2). `If-Range` with the ETag
 * keeps a range request from mixing two versions of a file. The file is read from an already
 * opened handle (the path was checked when it was opened).
 */
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";

export interface ServedFile {
  handle: FileHandle;
  mimeType: string;
  /** Download name for Content-Disposition. */
  name: string;
}

type ByteRange = { start: number; end: number } | "unsatisfiable" | undefined;

/** The one byte range asked for (RFC 9110 §14.1.2), or undefined to send the whole file. */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!match) return undefined; // several ranges, or another unit: the whole file
  const [first, last] = [match[1], match[2]];
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined; // invalid range: ignored (§14.1.1)
  return { start, end };
}

export async function fileResponse(file: ServedFile, request: { method: string; range?: string; ifRange?: string }): Promise<Response> {
  const info = await file.handle.stat();
  const size = info.size;
  const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "Content-Type": file.mimeType,
    ETag: etag,
    "Last-Modified": info.mtime.toUTCString(),
    "Content-Disposition": `inline; filename="${file.name.replace(/["\\\r\n]/g, "_")}"`,
    "Cache-Control": "no-cache",
  };
  const stale = request.ifRange !== undefined && request.ifRange !== etag;
  const range = stale ? undefined : parseRange(request.range, size);
  if (range === "unsatisfiable") {
    await file.handle.close();
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers["Content-Length"] = String(length);
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  if (request.method === "HEAD" || length === 0) {
    await file.handle.close();
    return new Response(null, { status, headers });
  }
  const stream = file.handle.createReadStream({ start, end, autoClose: true });
  return new Response(Readable.toWeb(stream) as ReadableStream, { status, headers });
}
