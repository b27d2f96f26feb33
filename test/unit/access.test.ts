/**
 * Access rules: loopback-only while no token exists, then bearer tokens with scopes and stream
 * globs; tokens are stored only as hashes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccessControl, hashToken, isLoopback } from "../../src/domain/access.ts";
import { PipewrightError } from "../../src/domain/errors.ts";
import { openDatabase } from "../../src/store/db.ts";
import { TokenStore } from "../../src/store/tokens.ts";

function codeOf(work: () => void): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as PipewrightError).code;
  }
}

describe("AccessControl", () => {
  it("lets only loopback clients in while no token exists", () => {
    const access = new AccessControl(new TokenStore(openDatabase(":memory:")));
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.5.6.7"]) assert.equal(isLoopback(address), true, address);
    for (const address of ["10.0.0.1", "::ffff:10.0.0.1", "192.168.1.5", "fe80::1", undefined]) assert.equal(isLoopback(address), false, String(address));
    assert.equal(codeOf(() => access.authorize({ remoteAddress: "127.0.0.1", action: "publish", stream: "a" })), undefined);
    assert.equal(codeOf(() => access.authorize({ remoteAddress: "192.0.2.10", action: "publish", stream: "a" })), "FORBIDDEN");
    assert.equal(codeOf(() => access.authorize({ remoteAddress: "192.0.2.10", bearer: "pw_anything", action: "play", stream: "a" })), "FORBIDDEN");
  });

  it("requires a token from everyone, loopback included, once one exists", () => {
    const db = openDatabase(":memory:");
    const access = new AccessControl(new TokenStore(db));
    const { token, row } = access.createToken({ name: "obs", scope: "publish", streamPattern: "cam?-*" });
    assert.match(token, /^pw_[A-Za-z0-9_-]{43}$/);
    const stored = db.$client.prepare("select token_hash from api_tokens").get() as { token_hash: string };
    assert.equal(stored.token_hash, hashToken(token));
    assert.ok(!JSON.stringify(db.$client.prepare("select * from api_tokens").all()).includes(token), "the token itself is not stored");

    assert.equal(codeOf(() => access.authorize({ remoteAddress: "127.0.0.1", action: "publish", stream: "cam1-a" })), "UNAUTHORIZED");
    assert.equal(codeOf(() => access.authorize({ bearer: token, action: "publish", stream: "cam1-a" })), undefined);
    assert.equal(codeOf(() => access.authorize({ bearer: token, action: "publish", stream: "cam12-a" })), "FORBIDDEN");
    assert.equal(codeOf(() => access.authorize({ bearer: token, action: "play", stream: "cam1-a" })), "FORBIDDEN");
    const admin = access.createToken({ name: "ops", scope: "admin" });
    assert.equal(codeOf(() => access.authorize({ bearer: admin.token, action: "play", stream: "anything" })), undefined);
    assert.equal(access.revokeToken(row.id), true);
    assert.equal(codeOf(() => access.authorize({ bearer: token, action: "publish", stream: "cam1-a" })), "UNAUTHORIZED");
    assert.equal(access.revokeToken(row.id), false, "revoking twice changes nothing");
  });
});
