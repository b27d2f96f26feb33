/**
 * Keyset cursors for lists ordered by creation time then id (pipelines): a cursor names the
 * position after the last row of a page — its `createdAt` and `id` — not the row itself, so it
 * stays valid when that row or any other is deleted, and the next page starts exactly after it.
 * A string that is not such a cursor is refused rather than read as "from the start".
 */
import { PipewrightError } from "./errors.ts";

export interface PagePosition {
  createdAt: number;
  id: string;
}

const CURSOR = /^(\d{1,15})_([A-Za-z0-9-]{1,48})$/;

export function encodeCursor(row: PagePosition): string {
  return `${row.createdAt}_${row.id}`;
}

export function decodeCursor(cursor: string): PagePosition {
  const match = CURSOR.exec(cursor);
  if (!match) throw new PipewrightError("INVALID_REQUEST", `after: '${cursor.slice(0, 64)}' is not a cursor this API gave out (use the \`next\` of the previous page)`);
  return { createdAt: Number(match[1]), id: match[2] };
}

/** Whether `row` comes after `position` in (createdAt, id) order. */
export function isAfter(row: PagePosition, position: PagePosition): boolean {
  return row.createdAt > position.createdAt || (row.createdAt === position.createdAt && row.id > position.id);
}
