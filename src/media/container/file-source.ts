/**
 * A mediabunny Source reading an already opened file handle, so a file is read through the
 * descriptor whose path was checked (confined-path.ts) rather than reopened by name.
 */
import type { FileHandle } from "node:fs/promises";
import { CustomSource } from "mediabunny";

export function fileHandleSource(handle: FileHandle, size: number): CustomSource {
  return new CustomSource({
    getSize: () => size,
    read: async (start, end) => {
      const buffer = new Uint8Array(end - start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    },
    prefetchProfile: "fileSystem",
  });
}
