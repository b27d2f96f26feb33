/**
 * The README's curl walk-through, run as a user would paste it: the first `sh` block after
 * "A walk-through with curl" is executed by bash (with `set -euo pipefail`, so any failing
 * command — `curl --fail-with-body` on a 4xx — fails the test) against a running server, with
 * only its `API=` and `TOKEN=` lines filled in, and the SDP offers of two werift peers in
 * `offer-a.sdp` and `offer-b.sdp`. Needs bash, curl and jq (Debian packages; `.ci/run`
 * installs them): without them the test fails with a message saying so, it never skips.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Rest } from "../helpers/rest.ts";
import { settledLeftovers, startTestServer, type TestServer } from "../helpers/server.ts";
import { createPublisher, createViewer } from "../helpers/werift-peer.ts";

function readmeWalkthrough(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("A walk-through with curl");
  assert.ok(start >= 0, "the README has the walk-through");
  return /```sh\n([^]*?)```/.exec(readme.slice(start))![1];
}

function requireTools(): void {
  for (const tool of ["bash", "curl", "jq"]) {
    try {
      execFileSync(tool, ["--version"], { stdio: "ignore" });
    } catch {
      throw new Error(`the README walk-through test needs ${tool} (Debian package ${tool}; .ci/run installs it)`);
    }
  }
}

describe("the README's curl walk-through", () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "pipewright-readme-"));
  before(async () => {
    requireTools();
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs as written, with the server's address and an admin token filled in", async () => {
    const { token } = server.access.createToken({ name: "readme", scope: "admin" });
    const [a, b] = [await createPublisher(), await createViewer()];
    writeFileSync(join(dir, "offer-a.sdp"), a.offer);
    writeFileSync(join(dir, "offer-b.sdp"), b.offer);
    const block = readmeWalkthrough();
    assert.equal(block.match(/^API=.*$/gm)?.length, 1, "one API= line");
    assert.equal(block.match(/^TOKEN=.*$/gm)?.length, 1, "one TOKEN= line");
    const script = block.replace(/^API=.*$/m, `API=${server.url}/v1`).replace(/^TOKEN=.*$/m, `TOKEN=${token}`);

    const { stdout } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, timeout: 60_000 }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the walk-through failed: ${error.message}\nstdout: ${error.stdout}\nstderr: ${error.stderr}`);
    });

    const answers = ["answer-a.sdp", "answer-b.sdp"].map((file) => readFileSync(join(dir, file), "utf8"));
    assert.match(answers[0], /^v=0\r\n[^]*a=recvonly[^]*a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 /, "A's answer takes the publisher's media");
    assert.match(answers[1], /^v=0\r\n[^]*a=sendonly[^]*a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 /, "B's answer sends to the viewer");
    await a.pc.setRemoteDescription({ type: "answer", sdp: answers[0].trimEnd() + "\r\n" });
    await b.pc.setRemoteDescription({ type: "answer", sdp: answers[1].trimEnd() + "\r\n" });
    assert.match(stdout, /^\{"id":\d+,"pipelineId":"[0-9a-f-]{36}","source":"[0-9a-f-]{36}","sink":"[0-9a-f-]{36}","mediaType":null/m, "the connection");
    assert.match(stdout, /"codecs": \{\s*"audio": "audio\/opus",\s*"video": "video\/VP8"\s*\}/, "B's negotiated codecs");
    assert.match(stdout, /^\{"value":null\}$/m, "setSource answered");
    assert.match(readFileSync(join(dir, "call.svg"), "utf8"), /^<\?xml[^]*<svg[^]*WebRtcEndpoint[^]*<\/svg>\s*$/);

    const api = new Rest(server.url, token);
    const events = (await api.expect(200, "GET", "/v1/events/log?type=pipeline.created,element.created,element.connected,pipeline.released&limit=100")).events as Array<{ type: string; data: Record<string, unknown> }>;
    assert.deepEqual(
      events.map((event) => (event.type === "element.created" ? `${event.type} ${event.data.type}` : event.type)),
      ["pipeline.created", "element.created WebRtcEndpoint", "element.created WebRtcEndpoint", "element.connected", "element.created DispatcherOneToMany", "element.created HubPort", "pipeline.released"],
      "every step of the walk-through happened",
    );
    assert.deepEqual((await api.expect(200, "GET", "/v1/pipelines")).items, [], "and the pipeline is gone");
    const nothing = { pipelines: 0, elements: 0, sessions: 0, workerElements: 0, udpSockets: 0 };
    assert.deepEqual(await settledLeftovers(server, nothing), nothing);
    await Promise.all([a.pc.close(), b.pc.close()]);
  });
});
