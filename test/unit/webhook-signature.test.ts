/**
 * Webhook signing as a receiver checks it, the retry schedule, and which targets count as
 * private when an operator turns private targets off.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { isPrivateAddress, isPrivateHost, publicOnlyLookup } from "../../src/domain/webhook-address.ts";
import { retryDelay } from "../../src/domain/webhook-delivery.ts";
import { signatureHeader, verifySignature } from "../../src/domain/webhook-signature.ts";

const SECRET = "whsec_test_secret_0123456789";
const BODY = '{"id":7,"type":"element.connected"}';

describe("webhook signature", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const header = signatureHeader(SECRET, BODY, 1_700_000_000);
    const expected = createHmac("sha256", SECRET).update(`1700000000.${BODY}`).digest("hex");
    assert.equal(header, `t=1700000000,v1=${expected}`);
  });

  it("verifies with the secret, and not with another secret or another body", () => {
    const header = signatureHeader(SECRET, BODY);
    assert.equal(verifySignature(SECRET, BODY, header), true);
    assert.equal(verifySignature(`${SECRET}x`, BODY, header), false);
    assert.equal(verifySignature(SECRET, BODY.replace("7", "8"), header), false);
    assert.equal(verifySignature(SECRET, BODY, undefined), false);
    assert.equal(verifySignature(SECRET, BODY, "t=abc,v1=00"), false);
  });

  it("refuses a timestamp outside the tolerance (a replayed delivery)", () => {
    const header = signatureHeader(SECRET, BODY, 1_700_000_000);
    assert.equal(verifySignature(SECRET, BODY, header, { now: 1_700_000_000 + 299 }), true);
    assert.equal(verifySignature(SECRET, BODY, header, { now: 1_700_000_000 + 301 }), false);
    assert.equal(verifySignature(SECRET, BODY, header, { now: 1_700_000_000 - 301 }), false);
  });

  it("accepts any of several v1 signatures (secret rotation)", () => {
    const header = signatureHeader(SECRET, BODY);
    const other = signatureHeader("another-secret-of-some-length", BODY).split(",")[1];
    assert.equal(verifySignature(SECRET, BODY, `${header.split(",")[0]},${other},${header.split(",")[1]}`), true);
  });
});

describe("retry schedule", () => {
  it("doubles from the base with equal jitter, up to the cap", () => {
    assert.deepEqual([1, 2, 3, 4].map((failed) => retryDelay(failed, 1000, 60_000, () => 0)), [500, 1000, 2000, 4000]);
    assert.deepEqual([1, 2, 3, 4].map((failed) => retryDelay(failed, 1000, 60_000, () => 1)), [1000, 2000, 4000, 8000]);
    assert.equal(retryDelay(20, 1000, 60_000, () => 1), 60_000);
    assert.equal(retryDelay(20, 1000, 60_000, () => 0), 30_000);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelay(3, 1000, 60_000);
      assert.ok(delay >= 2000 && delay <= 4000, String(delay));
    }
  });
});

describe("private webhook targets", () => {
  it("classifies addresses", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1"]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ["203.0.113.7", "8.8.8.8", "172.32.0.1", "2001:db8::1", "not-an-ip"]) {
      assert.equal(isPrivateAddress(address), false, address);
    }
    assert.equal(isPrivateHost("localhost"), true);
    assert.equal(isPrivateHost("api.localhost"), true);
    assert.equal(isPrivateHost("[::1]"), true);
    assert.equal(isPrivateHost("hooks.example.com"), false);
  });

  it("refuses a name that resolves to a private address when connecting", async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup("localhost", { all: true }, (err) => resolve(err)));
    assert.equal(error?.code, "EPRIVATEADDRESS");
    assert.match(error!.message, /localhost resolves to \S+, a loopback address \(webhooks.allowPrivateAddresses is false\)/);
  });
});
