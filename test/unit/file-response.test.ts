/**
 * Byte ranges as a browser's `<video>` asks for them (RFC 9110 §14.1.2): first-last, open-ended,
 * suffix; a range past the end is unsatisfiable, an inverted or multi-range request is answered
 * with the whole file.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRange } from "../../src/http/file-response.ts";

describe("parseRange", () => {
  it("reads the forms browsers send", () => {
    assert.deepEqual(parseRange("bytes=0-", 1000), { start: 0, end: 999 });
    assert.deepEqual(parseRange("bytes=100-199", 1000), { start: 100, end: 199 });
    assert.deepEqual(parseRange("bytes=900-5000", 1000), { start: 900, end: 999 }, "clamped to the end");
    assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 999 }, "the last 100 bytes");
    assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 999 });
  });

  it("tells unsatisfiable from ignorable", () => {
    assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
    assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
    assert.equal(parseRange(undefined, 1000), undefined);
    assert.equal(parseRange("bytes=200-100", 1000), undefined, "inverted: ignored");
    assert.equal(parseRange("bytes=0-1,5-9", 1000), undefined, "several ranges: the whole file");
    assert.equal(parseRange("items=0-1", 1000), undefined, "another unit");
  });
});
