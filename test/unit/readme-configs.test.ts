/**
 * The configurations the README offers for copy and paste are valid: every YAML block that sets
 * Pipewright settings loads through the real loader (schema, Kurento translation) without error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README configurations", () => {
  it("every YAML block loads", () => {
    const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
    assert.ok(blocks.length >= 4, `${blocks.length} YAML blocks`);
    const dir = mkdtempSync(join(tmpdir(), "pw-readme-"));
    for (const [index, block] of blocks.entries()) {
      // The Kurento example names /etc/kurento, which this machine need not have.
      if (block.includes("configDir:")) continue;
      const file = join(dir, `block-${index}.yaml`);
      writeFileSync(file, block);
      assert.doesNotThrow(() => loadConfig({ file, env: {} }), `README YAML block ${index}:\n${block}`);
    }
  });
});
