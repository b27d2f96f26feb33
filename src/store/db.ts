/**
 * Opens the SQLite database the control plane owns: WAL journal, foreign keys on, a busy
 * timeout, `synchronous=FULL` (every acknowledged write survives power loss; affordable at
 * control-plane rates, notes/reliability.md §3), and the migrations under migrations/
 * applied before anything else runs. Only the control plane opens it; media workers never do.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");

/**
 * Opens (creating if needed) the database at `file` — or an in-memory one for `":memory:"` —
 * and applies pending migrations.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  const client = new Database(file, { timeout: 5000 });
  client.pragma("journal_mode = WAL");
  client.pragma("synchronous = FULL");
  // drizzle applies all pending migrations in one transaction, where turning foreign keys
  // off is a no-op; a table-rebuild migration would then cascade-delete child rows
  // (drizzle-orm#5782). Turn them off around migrate() and verify afterwards instead.
  client.pragma("foreign_keys = OFF");
  const db = drizzle({ client, schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  const violations = client.pragma("foreign_key_check") as unknown[];
  if (violations.length > 0) {
    client.close();
    throw new Error(`database ${file}: ${violations.length} foreign key violations after migration`);
  }
  client.pragma("foreign_keys = ON");
  return db as Db;
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}
