/**
 * The token CLI as an operator uses it: `node src/main.ts token create|list|revoke` as separate
 * processes on the server's data directory. A created token works against a running server
 * with exactly its rights; revoking it (while the server runs) shuts it out at once; an unknown
 * id, or a stream pattern on an admin token, is refused with exit code 1 and a message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCommand } from "../helpers/server-process.ts";
import { post, startTestServer } from "../helpers/server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pipewright-tokens-"));

/** `token create …`: checks the exit code and returns the printed id and token. */
async function create(...args: string[]): Promise<{ id: string; token: string; stdout: string }> {
  const result = await runCommand(dataDir, ["token", "create", ...args]);
  assert.equal(result.code, 0, result.stderr);
  const created = /^Created \w+ token (\S+) \(streams: [^)]*\)\. It is shown only now:\n\n {2}(pw_[A-Za-z0-9_-]{43})\n/.exec(result.stdout);
  assert.ok(created, result.stdout);
  return { id: created[1], token: created[2], stdout: result.stdout };
}

describe("the token CLI", () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("creates, lists and revokes tokens that a running server honours", async () => {
    const publish = await create("--scope", "publish", "--stream", "cam*", "--name", "obs");
    assert.match(publish.stdout, /^Created publish token \S+ \(streams: cam\*\)/);
    const play = await create("--scope", "play");
    const admin = await create("--scope", "admin", "--name", "ops");

    const listed = await runCommand(dataDir, ["token", "list"]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines.find((line) => line.startsWith(publish.id))!, /publish\s+streams=cam\*\s+active\s+obs$/);
    assert.match(lines.find((line) => line.startsWith(play.id))!, /play\s+streams=\*\s+active\s+play token$/);
    assert.match(lines.find((line) => line.startsWith(admin.id))!, /admin\s+streams=\*\s+active\s+ops$/);
    assert.ok(!listed.stdout.includes(publish.token), "a token is never shown again");

    const server = await startTestServer({}, { dataDir });
    try {
      const streams = (token?: string) => fetch(`${server.url}/v1/streams`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).then((response) => response.status);
      const whip = (stream: string, token: string) => post(`${server.url}/whip/${stream}`, "v=0\r\n", { "Content-Type": "application/sdp", Authorization: `Bearer ${token}` }).then((response) => response.status);
      assert.equal(await streams(), 401, "tokens exist: anonymous requests are refused");
      assert.equal(await streams(play.token), 200);
      assert.equal(await whip("cam1", publish.token), 400, "past access control (the offer is malformed)");
      assert.equal(await whip("studio", publish.token), 403, "outside the token's stream pattern");
      assert.equal(await whip("cam1", play.token), 403, "a play token may not publish");
      assert.equal((await fetch(`${server.url}/v1/pipelines`, { headers: { Authorization: `Bearer ${admin.token}` } })).status, 200);

      const revoked = await runCommand(dataDir, ["token", "revoke", play.id]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout.trim(), `revoked ${play.id}`);
      assert.equal(await streams(play.token), 401, "a revoked token is refused by the running server");
    } finally {
      await server.close();
    }
    const after = await runCommand(dataDir, ["token", "list"]);
    assert.match(after.stdout.split("\n").find((line) => line.startsWith(play.id))!, /play\s+streams=\*\s+revoked \d{4}-\d\d-\d\dT/);
  });

  it("refuses an unknown id, a second revoke, and a stream pattern on an admin token", async () => {
    const { id } = await create("--scope", "play");
    assert.equal((await runCommand(dataDir, ["token", "revoke", id])).code, 0);
    const before = (await runCommand(dataDir, ["token", "list"])).stdout;
    for (const [args, message] of [
      [["token", "revoke", "00000000-0000-4000-8000-000000000000"], /no active token 00000000-0000-4000-8000-000000000000/],
      [["token", "revoke", id], new RegExp(`no active token ${id}`)],
      [["token", "create", "--scope", "admin", "--stream", "cam*"], /an admin token may do everything/],
      [["token", "create", "--scope", "viewer"], /--scope must be one of admin, publish, play/],
    ] as const) {
      const refused = await runCommand(dataDir, [...args]);
      assert.equal(refused.code, 1, `${args.join(" ")}: ${refused.stdout}`);
      assert.match(refused.stderr, message);
      assert.equal(refused.stdout, "");
    }
    assert.equal((await runCommand(dataDir, ["token", "list"])).stdout, before, "nothing changed");
  });
});
