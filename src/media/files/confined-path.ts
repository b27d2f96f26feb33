/**
 * Files a recorder writes and a player reads stay inside the directories the operator gave
 * (the recordings root, the media roots): `..` cannot climb out, a symlink cannot lead out, and
 * only regular files are opened — never a device, FIFO or socket. Paths are checked as strings
 * first, then against the real filesystem (realpath of the deepest existing directory), and the
 * final open uses O_NOFOLLOW and checks what it opened, so a symlink swapped in between the check
 * and the open is refused too. Used by the control plane (to refuse a URI at once) and by the
 * media worker (at the moment it opens the file).
 */
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { WorkerError } from "../worker-error.ts";

/** A path Pipewright will not open: a FORBIDDEN WorkerError, so both sides map it like any other. */
export class PathRefused extends WorkerError {
  override name = "PathRefused";

  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

/** True when `path` is `root` or below it (both absolute, normalised). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Characters no recording or media name may contain: NUL and other control characters. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The absolute path `candidate` names: relative names resolve inside `roots[0]`; absolute paths
 * must lie inside one of `roots`. String check only; see `checkInsideOnDisk`.
 */
export function resolveInside(roots: readonly string[], candidate: string, what: string): string {
  if (candidate.length === 0) throw new PathRefused(`the ${what} path is empty`);
  if (CONTROL.test(candidate)) throw new PathRefused(`the ${what} path contains control characters`);
  const path = isAbsolute(candidate) ? resolve(candidate) : resolve(roots[0], candidate);
  if (!roots.some((root) => isInside(resolve(root), path))) {
    throw new PathRefused(`${path} is outside ${roots.length === 1 ? `the ${what} directory ${resolve(roots[0])}` : `the ${what} directories (${roots.map((root) => resolve(root)).join(", ")})`}`);
  }
  if (roots.some((root) => resolve(root) === path)) throw new PathRefused(`${path} is a directory, not a file`);
  return path;
}

async function realRoot(root: string): Promise<string> {
  return realpath(resolve(root));
}

/** The deepest existing ancestor directory of `path`, resolved through symlinks. */
async function realParent(path: string): Promise<string> {
  for (let directory = dirname(path); ; directory = dirname(directory)) {
    try {
      const real = await realpath(directory);
      return join(real, relative(directory, dirname(path)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || directory === dirname(directory)) throw error;
    }
  }
}

/**
 * Checks `path` against the filesystem: its directory, followed through symlinks, is still
 * inside a root, and if the file exists it is a regular file and not a symlink.
 */
export async function checkInsideOnDisk(roots: readonly string[], path: string, what: string): Promise<void> {
  const parent = await realParent(path);
  const realRoots = await Promise.all(roots.map((root) => realRoot(root).catch(() => resolve(root))));
  if (!realRoots.some((root) => isInside(root, parent))) throw new PathRefused(`${path} leads outside the ${what} directory (through a symlink)`);
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (info.isSymbolicLink()) throw new PathRefused(`${path} is a symlink; Pipewright follows none`);
  if (!info.isFile()) throw new PathRefused(`${path} is not a regular file`);
}

async function openChecked(path: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new PathRefused(`${path} is a symlink; Pipewright follows none`);
    throw error;
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new PathRefused(`${path} is not a regular file`);
  }
  return handle;
}

/** Opens (creating, or emptying) a recording file inside `root`, making missing directories. */
export async function openForWriting(root: string, path: string): Promise<FileHandle> {
  const target = resolveInside([root], path, "recordings");
  await checkInsideOnDisk([root], target, "recordings"); // before mkdir, which would follow a symlink out
  await mkdir(dirname(target), { recursive: true });
  await checkInsideOnDisk([root], target, "recordings");
  const handle = await openChecked(target, constants.O_WRONLY | constants.O_CREAT);
  await handle.truncate(0);
  return handle;
}

/** Opens an existing regular file inside one of `roots` for reading. */
export async function openForReading(roots: readonly string[], path: string, what: string): Promise<FileHandle> {
  const target = resolveInside(roots, path, what);
  await checkInsideOnDisk(roots, target, what);
  return openChecked(target, constants.O_RDONLY);
}
