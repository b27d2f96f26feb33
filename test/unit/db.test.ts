/**
 * The database connection the control plane works on: WAL journal, foreign keys enforced, a
 * busy timeout so a second connection (the token CLI while the server runs) waits instead of
 * failing, `synchronous=FULL`, and every migration applied — read back from SQLite itself.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { closeDatabase, openDatabase } from "../../src/store/db.ts";

describe("openDatabase", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-db-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("opens a WAL database with foreign keys, a busy timeout and full sync, migrated", () => {
    const db = openDatabase(join(dir, "nested", "pipewright.db"));
    try {
      const pragma = (name: string) => db.$client.pragma(name, { simple: true });
      assert.equal(pragma("journal_mode"), "wal");
      assert.equal(pragma("foreign_keys"), 1);
      assert.equal(pragma("busy_timeout"), 5000);
      assert.equal(pragma("synchronous"), 2, "FULL");
      const tables = (db.$client.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((row) => row.name);
      for (const table of ["media_pipelines", "media_elements", "element_connections", "webrtc_sessions", "api_tokens", "events", "webhooks", "webhook_deliveries"]) {
        assert.ok(tables.includes(table), `table ${table} exists`);
      }
      assert.throws(
        () => db.$client.prepare("insert into media_elements (id, pipeline_id, type) values ('e', 'no-such-pipeline', 'PassThrough')").run(),
        /FOREIGN KEY constraint failed/,
        "foreign keys are enforced",
      );
    } finally {
      closeDatabase(db);
    }
  });
});
