/**
 * The URI tables of issue 5 (notes/reliability.md §1.3 item 5): what a RecorderEndpoint may
 * write and a PlayerEndpoint may read. Path traversal — `..` in every spelling (relative
 * references are URIs: `%2e%2e` is `..`), encoded separators, NUL, other hosts, symlinks out
 * (direct, chained, through a directory), FIFOs, sockets, devices, the root itself — is refused,
 * and ordinary names inside the recordings directory resolve there. SSRF — loopback, private, CGNAT, link-local and cloud metadata
 * addresses in every notation (decimal, hex, octal, short, IPv4-mapped/compatible, NAT64, 6to4),
 * `localhost` names, names resolving to such addresses (DNS answers are injected: no lookup
 * leaves the machine), credentials in the URL — is refused, public addresses pass. The
 * connection-time guard refuses the same addresses before any socket is opened.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PipewrightError } from "../../src/domain/errors.ts";
import { playerSource, recorderPath, type UriPolicy } from "../../src/domain/media-uris.ts";
import { guardedConnector } from "../../src/media/net/address-policy.ts";

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (!(error instanceof PipewrightError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe("RecorderEndpoint URIs: path traversal", () => {
  let base: string;
  let root: string;
  let policy: UriPolicy;
  const socket = createServer();

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "pipewright-uris-"));
    root = join(base, "recordings");
    mkdirSync(join(root, "sub"), { recursive: true });
    mkdirSync(join(base, "outside"));
    mkdirSync(`${root}-evil`);
    writeFileSync(join(root, "existing.webm"), "old");
    symlinkSync(join(base, "outside"), join(root, "link-out"));
    symlinkSync("/etc", join(root, "link-etc"));
    symlinkSync(join(root, "existing.webm"), join(root, "link-file.webm"));
    symlinkSync(join(base, "outside", "target.webm"), join(root, "dangling.webm"));
    symlinkSync(join(root, "link-out"), join(root, "chain"));
    execFileSync("mkfifo", [join(root, "fifo.webm")]);
    await new Promise<void>((resolve) => socket.listen(join(root, "socket.webm"), resolve));
    policy = { recordingsRoot: root, mediaRoots: [], allowPrivateAddresses: false };
  });
  after(() => {
    socket.close();
    rmSync(base, { recursive: true, force: true });
  });

  const REFUSED: Array<[string | (() => string), string]> = [
    ["file:///etc/passwd", "FORBIDDEN"],
    ["/etc/passwd", "FORBIDDEN"],
    ["//etc/passwd", "FORBIDDEN"],
    ["../outside.webm", "FORBIDDEN"],
    ["../../etc/cron.d/job", "FORBIDDEN"],
    ["sub/../../outside.webm", "FORBIDDEN"],
    ["sub/../../../../../../etc/passwd", "FORBIDDEN"],
    [() => `file://${root}/../outside.webm`, "FORBIDDEN"],
    [() => `file://${root}/%2e%2e/outside.webm`, "FORBIDDEN"],
    [() => `file://${root}/%2E%2E/%2E%2E/etc/passwd`, "FORBIDDEN"],
    [() => `file://${root}/sub/%2e%2e/%2e%2e/outside.webm`, "FORBIDDEN"],
    [() => `file://${root}/.%2e/outside.webm`, "FORBIDDEN"],
    [() => `file://${root}/..%2foutside.webm`, "INVALID_REQUEST"],
    [() => `file://${root}/..%2Foutside.webm`, "INVALID_REQUEST"],
    [() => `file://${root}/a%00.webm`, "INVALID_REQUEST"],
    ["name\u0000.webm", "INVALID_REQUEST"],
    ["name\n.webm", "INVALID_REQUEST"],
    ["name\r.webm", "INVALID_REQUEST"],
    [() => `file://otherhost${root}/x.webm`, "FORBIDDEN"],
    [() => `file://127.0.0.1${root}/x.webm`, "FORBIDDEN"],
    [() => `file://${root}/link-out/x.webm`, "FORBIDDEN"],
    [() => `file://${root}/link-out`, "FORBIDDEN"],
    ["link-etc/passwd", "FORBIDDEN"],
    ["link-file.webm", "FORBIDDEN"],
    ["dangling.webm", "FORBIDDEN"],
    ["chain/x.webm", "FORBIDDEN"],
    ["chain/new/dir/x.webm", "FORBIDDEN"],
    ["fifo.webm", "FORBIDDEN"],
    ["socket.webm", "FORBIDDEN"],
    ["sub", "FORBIDDEN"],
    [() => `file://${root}/`, "FORBIDDEN"],
    [".", "FORBIDDEN"],
    ["/dev/null", "FORBIDDEN"],
    ["/proc/self/environ", "FORBIDDEN"],
    ["file:///proc/self/fd/1", "FORBIDDEN"],
    [() => `${root}-evil/x.webm`, "FORBIDDEN"],
    [() => `file://${root}-evil/x.webm`, "FORBIDDEN"],
    ["../recordings-evil/x.webm", "FORBIDDEN"],
    [() => `file://${root}/x.webm?download=1`, "INVALID_REQUEST"],
    [() => `file://${root}/x.webm#t=10`, "INVALID_REQUEST"],
    ["http://example.com/upload", "NOT_IMPLEMENTED"],
    ["https://example.com/upload", "NOT_IMPLEMENTED"],
    ["ftp://example.com/x.webm", "INVALID_REQUEST"],
    ["data:video/webm;base64,AAAA", "INVALID_REQUEST"],
    ["javascript:alert(1)", "INVALID_REQUEST"],
    ["", "INVALID_REQUEST"],
    ["not a uri", "INVALID_REQUEST"],
    ["%2e%2e/outside.webm", "FORBIDDEN"],
    ["sub/%2E%2E/%2e%2e/outside.webm", "FORBIDDEN"],
    [`${"a/".repeat(1100)}x.webm`, "INVALID_REQUEST"],
  ];

  it(`refuses ${REFUSED.length} ways out`, async () => {
    assert.ok(REFUSED.length >= 40);
    for (const [candidate, code] of REFUSED) {
      const uri = typeof candidate === "function" ? candidate() : candidate;
      const refused = await refusal(recorderPath(uri, policy));
      assert.ok(refused, `${JSON.stringify(uri)} was accepted`);
      assert.equal(refused.code, code, `${JSON.stringify(uri)}: ${refused.message}`);
    }
  });

  it("resolves ordinary names inside the recordings directory", async () => {
    const allowed: Array<[string, string]> = [
      ["a.webm", join(root, "a.webm")],
      ["sub/dir/b.webm", join(root, "sub/dir/b.webm")],
      [`file://${root}/c.webm`, join(root, "c.webm")],
      [`file://localhost${root}/d.webm`, join(root, "d.webm")],
      [`${root}/e.webm`, join(root, "e.webm")],
      ["sub/../f.webm", join(root, "f.webm")],
      ["g%20h.webm", join(root, "g h.webm")],
      [`file://${root}/h%20i.webm`, join(root, "h i.webm")],
      ["existing.webm", join(root, "existing.webm")],
    ];
    for (const [uri, path] of allowed) assert.equal(await recorderPath(uri, policy), path, uri);
  });

  it("refuses a device file even inside the directory it is confined to", async () => {
    const refused = await refusal(recorderPath("null", { ...policy, recordingsRoot: "/dev" }));
    assert.equal(refused?.code, "FORBIDDEN");
    assert.match(refused!.message, /not a regular file/);
  });
});

describe("PlayerEndpoint URIs: SSRF", () => {
  const answers: Record<string, string[]> = {
    "metadata.google.internal": ["169.254.169.254"],
    "rebind.example": ["93.184.215.14", "10.0.0.1"],
    "internal.example": ["fd12:3456::1"],
    "mapped.example": ["::ffff:192.168.0.1"],
    "cgnat.example": ["100.100.100.200"],
    "example.com": ["93.184.215.14"],
    "v6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
  };
  const lookups: string[] = [];
  const policy: UriPolicy = {
    recordingsRoot: "/nonexistent/recordings",
    mediaRoots: [],
    allowPrivateAddresses: false,
    lookup: async (hostname) => {
      lookups.push(hostname);
      const found = answers[hostname];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return found.map((address) => ({ address }));
    },
  };

  const REFUSED: Array<[string, string]> = [
    ["http://127.0.0.1/a.webm", "FORBIDDEN"],
    ["http://127.1/a.webm", "FORBIDDEN"],
    ["http://2130706433/a.webm", "FORBIDDEN"],
    ["http://0x7f000001/a.webm", "FORBIDDEN"],
    ["http://0177.0.0.1/a.webm", "FORBIDDEN"],
    ["http://0/a.webm", "FORBIDDEN"],
    ["http://0.0.0.0:8888/a.webm", "FORBIDDEN"],
    ["http://[::1]/a.webm", "FORBIDDEN"],
    ["http://[::]/a.webm", "FORBIDDEN"],
    ["http://[::ffff:127.0.0.1]/a.webm", "FORBIDDEN"],
    ["http://[::ffff:7f00:1]/a.webm", "FORBIDDEN"],
    ["http://[0:0:0:0:0:ffff:7f00:1]/a.webm", "FORBIDDEN"],
    ["http://[::127.0.0.1]/a.webm", "FORBIDDEN"],
    ["http://[64:ff9b::7f00:1]/a.webm", "FORBIDDEN"],
    ["http://[2002:7f00:1::]/a.webm", "FORBIDDEN"],
    ["http://[::ffff:a9fe:a9fe]/latest", "FORBIDDEN"],
    ["http://10.0.0.1/a.webm", "FORBIDDEN"],
    ["http://10.255.255.255/a.webm", "FORBIDDEN"],
    ["http://172.16.0.1/a.webm", "FORBIDDEN"],
    ["http://172.31.255.255/a.webm", "FORBIDDEN"],
    ["http://192.168.1.1/a.webm", "FORBIDDEN"],
    ["http://169.254.169.254/latest/meta-data/", "FORBIDDEN"],
    ["http://169.254.170.2/v2/credentials", "FORBIDDEN"],
    ["http://[fd00:ec2::254]/latest/meta-data/", "FORBIDDEN"],
    ["http://100.100.100.200/latest/meta-data", "FORBIDDEN"],
    ["http://100.64.0.1/a.webm", "FORBIDDEN"],
    ["http://192.0.0.192/opc/v2/instance", "FORBIDDEN"],
    ["http://[fe80::1]/a.webm", "FORBIDDEN"],
    ["http://[fc00::1]/a.webm", "FORBIDDEN"],
    ["http://224.0.0.1/a.webm", "FORBIDDEN"],
    ["http://255.255.255.255/a.webm", "FORBIDDEN"],
    ["http://240.0.0.1/a.webm", "FORBIDDEN"],
    ["http://198.18.0.1/a.webm", "FORBIDDEN"],
    ["https://localhost/a.webm", "FORBIDDEN"],
    ["http://localhost.:8080/a.webm", "FORBIDDEN"],
    ["http://LOCALHOST/a.webm", "FORBIDDEN"],
    ["http://media.localhost/a.webm", "FORBIDDEN"],
    ["http://metadata.google.internal/computeMetadata/v1/", "FORBIDDEN"],
    ["http://rebind.example/a.webm", "FORBIDDEN"],
    ["http://internal.example/a.webm", "FORBIDDEN"],
    ["http://mapped.example/a.webm", "FORBIDDEN"],
    ["http://cgnat.example/a.webm", "FORBIDDEN"],
    ["http://user:secret@example.com/a.webm", "INVALID_REQUEST"],
    ["http://127.0.0.1:8888@example.com/a.webm", "INVALID_REQUEST"],
    ["http://example.com@127.0.0.1/a.webm", "INVALID_REQUEST"],
    ["http://[::1%25lo]/a.webm", "INVALID_REQUEST"],
    ["http://nowhere.example/a.webm", "NOT_FOUND"],
    ["rtsp://127.0.0.1/stream", "NOT_IMPLEMENTED"],
    ["gopher://127.0.0.1:6379/_INFO", "INVALID_REQUEST"],
    ["file:///etc/passwd", "FORBIDDEN"],
  ];

  it(`refuses ${REFUSED.length} internal destinations`, async () => {
    assert.ok(REFUSED.length >= 40);
    for (const [uri, code] of REFUSED) {
      const refused = await refusal(playerSource(uri, policy));
      assert.ok(refused, `${uri} was accepted`);
      assert.equal(refused.code, code, `${uri}: ${refused.message}`);
      if (code === "FORBIDDEN" && uri.startsWith("http")) assert.match(refused.message, /player.allowPrivateAddresses is false/, uri);
    }
  });

  it("lets public addresses through, and everything when private addresses are allowed", async () => {
    for (const uri of ["http://93.184.215.14/a.webm", "http://example.com/a.webm", "https://v6.example/a.mp4", "https://[2606:2800:220:1:248:1893:25c8:1946]/a.mp4", "http://8.8.8.8:8080/x.mkv"]) {
      assert.deepEqual(await playerSource(uri, policy), { kind: "http", url: new URL(uri).href }, uri);
    }
    assert.deepEqual(await playerSource("http://127.0.0.1:9/a.webm", { ...policy, allowPrivateAddresses: true }), { kind: "http", url: "http://127.0.0.1:9/a.webm" });
    assert.ok(!lookups.includes("127.0.0.1"), "literal addresses are judged without DNS");
  });

  it("refuses internal addresses again at connection time, before any socket is opened", async () => {
    const connect = guardedConnector("player.allowPrivateAddresses", 1000);
    for (const hostname of ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "[::ffff:192.168.1.1]", "localhost"]) {
      const error = await new Promise<Error | null>((resolve) =>
        connect({ hostname, host: hostname, protocol: "http:", port: "80" }, (err, socket) => {
          socket?.destroy();
          resolve(err);
        }),
      );
      assert.equal((error as NodeJS.ErrnoException | null)?.code, "EPRIVATEADDRESS", hostname);
    }
  });
});
