/**
 * STUN/TURN URIs (RFC 7064, RFC 7065) and TURN REST credentials: what parses to what, what is
 * refused with which explanation, and the HMAC against a value computed independently with
 * `openssl dgst -sha1 -hmac`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatIceUri, parseIceUri } from "../../src/config/ice-uri.ts";
import { turnRestCredential } from "../../src/domain/turn-credentials.ts";

describe("STUN/TURN URIs", () => {
  it("parses hosts, ports with their defaults, and transports", () => {
    assert.deepEqual(parseIceUri("stun:stun.example.test"), { scheme: "stun", host: "stun.example.test", port: 3478 });
    assert.deepEqual(parseIceUri("stuns:stun.example.test"), { scheme: "stuns", host: "stun.example.test", port: 5349 });
    assert.deepEqual(parseIceUri("turn:203.0.113.9:3479?transport=udp"), { scheme: "turn", host: "203.0.113.9", port: 3479, transport: "udp" });
    assert.deepEqual(parseIceUri("TURN:[2001:db8::1]?transport=TCP"), { scheme: "turn", host: "2001:db8::1", port: 3478, transport: "tcp" });
    assert.deepEqual(parseIceUri("turns:turn.example.test:443?transport=tcp"), { scheme: "turns", host: "turn.example.test", port: 443, transport: "tcp" });
    assert.equal(formatIceUri(parseIceUri("turn:[2001:db8::1]:3478?transport=tcp")), "turn:[2001:db8::1]:3478?transport=tcp");
  });

  it("refuses malformed URIs with a reason", () => {
    const refusals: Array<[string, RegExp]> = [
      ["http://turn.example.test", /not a STUN or TURN URI/],
      ["turn:user:pass@turn.example.test:3478", /carry no user or password/],
      ["turn://turn.example.test", /no "\/\/"/],
      ["turn:", /no host/],
      ["turn:turn.example.test:99999", /port "99999"/],
      ["turn:turn.example.test:", /port ""/],
      ["turn:2001:db8::1", /in brackets/],
      ["turn:[2001:db8::1", /unclosed/],
      ["turn:bad_host!", /not a host name/],
      ["turn:1.2.3", /not a host name/],
      ["stun:stun.example.test?transport=udp", /take no query/],
      ["turn:turn.example.test?transport=sctp", /transport=udp or \?transport=tcp/],
      ["turns:turn.example.test?transport=udp", /DTLS/],
    ];
    for (const [text, reason] of refusals) assert.throws(() => parseIceUri(text), reason, text);
  });
});

describe("TURN REST credentials", () => {
  it("are `<expiry>:<id>` and base64 HMAC-SHA1 of it with the shared secret", () => {
    const issued = turnRestCredential("north-wind", "alice", 3600, 1_700_000_000_123);
    // printf '%s' '1700003600:alice' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
    assert.deepEqual(issued, { username: "1700003600:alice", credential: "iRtTIZ3N38dm9S+dP+UkHfnN9Qo=", expiresAt: 1_700_003_600_000 });
  });
});
