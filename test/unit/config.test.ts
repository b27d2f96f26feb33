/**
 * Configuration: embedded defaults, YAML, `PIPEWRIGHT_*` variables (one per setting, derived
 * from the schema), and errors that name the setting at fault.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, envName, loadConfig, settingLeaves } from "../../src/config/load.ts";
import { endpointIce } from "../../src/domain/endpoint-ice.ts";

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "pw-config-")), "pipewright.yaml");
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  it("has embedded defaults for npm start", () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.port, 8888);
    assert.equal(config.dataDir, "./data");
    assert.equal(config.media.workers, 1);
    assert.deepEqual(config.webrtc.portRange, [40000, 49999]);
    assert.deepEqual(config.webrtc.iceServers, []);
  });

  it("reads the port and data directory from PIPEWRIGHT_PORT and PIPEWRIGHT_DATA_DIR", () => {
    const config = loadConfig({ env: { PIPEWRIGHT_PORT: "9000", PIPEWRIGHT_DATA_DIR: "/var/lib/pw" } });
    assert.equal(config.port, 9000);
    assert.equal(config.dataDir, "/var/lib/pw");
  });

  it("maps every nested setting to one variable, with lists, ranges, booleans and JSON", () => {
    assert.equal(envName(["webrtc", "portRange"]), "PIPEWRIGHT_WEBRTC_PORT_RANGE");
    const names = settingLeaves().map((leaf) => envName(leaf.path));
    assert.equal(new Set(names).size, names.length, "no two settings share a variable");
    const config = loadConfig({
      env: {
        PIPEWRIGHT_WEBRTC_PORT_RANGE: "30000-30999",
        PIPEWRIGHT_WEBRTC_ANNOUNCED_ADDRESSES: "203.0.113.7,198.51.100.2",
        PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY: "true",
        PIPEWRIGHT_WEBRTC_ICE_SERVERS: '[{"urls":"stun:stun.example.test:3478"}]',
        PIPEWRIGHT_MEDIA_WORKERS: "2",
      },
    });
    assert.deepEqual(config.webrtc.portRange, [30000, 30999]);
    assert.deepEqual(config.webrtc.announcedAddresses, ["203.0.113.7", "198.51.100.2"]);
    assert.equal(config.webrtc.announceOnly, true);
    assert.deepEqual(config.webrtc.iceServers, [{ urls: "stun:stun.example.test:3478" }]);
    assert.equal(config.media.workers, 2);
  });

  it("layers YAML under the environment", () => {
    const file = yamlFile("port: 7000\nwebrtc:\n  maxIncomingBitrate: 1500000\n");
    const config = loadConfig({ file, env: { PIPEWRIGHT_PORT: "7001" } });
    assert.equal(config.port, 7001);
    assert.equal(config.webrtc.maxIncomingBitrate, 1_500_000);
  });

  it("takes the Kurento protocol's settings and Kurento's media-server settings from one kurento: section", () => {
    const config = loadConfig({ env: {}, file: yamlFile("kurento:\n  sessionGraceMs: 5000\n  path: /kms\n  stunServerAddress: 127.0.0.1\n  stunServerPort: 3478\n") });
    assert.equal(config.kurento.sessionGraceMs, 5000);
    assert.equal(config.kurento.path, "/kms");
    assert.deepEqual(config.webrtc.serverIceServers, [{ urls: "stun:127.0.0.1:3478" }]);
    assert.throws(() => loadConfig({ env: {}, file: yamlFile("kurento:\n  sessionGraceMs: soon\n") }), /kurento\.sessionGraceMs/);
  });

  it("reads STUN/TURN schemes in any case, as RFC 7064/7065 do, and hands them on lower-cased", () => {
    const config = loadConfig({ env: {}, overrides: { webrtc: { serverIceServers: [{ urls: "TURN:turn.example.com:3478?transport=udp", username: "u", credential: "p" }, { urls: ["STUN:stun.example.com"] }] } } });
    assert.deepEqual(
      config.webrtc.serverIceServers.map((server) => server.urls),
      ["turn:turn.example.com:3478?transport=udp", ["stun:stun.example.com"]],
    );
    assert.deepEqual(
      endpointIce(config.webrtc, {}).servers.map((server) => server.urls),
      ["stun:stun.example.com", "turn:turn.example.com:3478?transport=udp"],
      "the workers gather with both",
    );
  });

  it("stops on unknown or invalid settings, naming them", () => {
    assert.throws(() => loadConfig({ env: { PIPEWRIGHT_PROT: "1" } }), (error: Error) => error instanceof ConfigError && /PIPEWRIGHT_PROT: unknown setting/.test(error.message));
    assert.throws(() => loadConfig({ env: { PIPEWRIGHT_PORT: "eighty" } }), /PIPEWRIGHT_PORT: "eighty" is not a number/);
    assert.throws(() => loadConfig({ env: { PIPEWRIGHT_PORT: "70000" } }), /port \(env PIPEWRIGHT_PORT\)/);
    assert.throws(() => loadConfig({ file: yamlFile("webrtc:\n  portRang: [1, 2]\n"), env: {} }), /unknown setting webrtc\.portRang/);
    assert.throws(() => loadConfig({ file: yamlFile("webrtc:\n  portRange: [5000, 4000]\n"), env: {} }), /webrtc\.portRange/);
    assert.throws(() => loadConfig({ file: "/nonexistent/pipewright.yaml", env: {} }), /does not exist/);
  });

  it("checks ICE servers: URIs, credentials that a Link header can carry, and one STUN and one TURN for the workers", () => {
    const servers = (value: unknown, key = "iceServers") => loadConfig({ env: {}, overrides: { webrtc: { [key]: value } } });
    assert.throws(() => servers([{ urls: "turn:user:pw@turn.example.test", username: "u", credential: "c" }]), /webrtc\.iceServers\.0\.urls \(env PIPEWRIGHT_WEBRTC_ICE_SERVERS\): .*carry no user or password/);
    assert.throws(() => servers([{ urls: ["stun:ok.example.test", "turn:bad host"], username: "u", credential: "c" }]), /webrtc\.iceServers\.0\.urls\.1 .*not a host name/);
    assert.throws(() => servers([{ urls: "turn:turn.example.test" }]), /webrtc\.iceServers\.0 .*: a TURN server needs credentials/);
    assert.throws(() => servers([{ urls: "turn:turn.example.test", username: "u" }]), /username and credential go together/);
    assert.throws(() => servers([{ urls: "turn:turn.example.test", username: "u", credential: "a,b" }]), /webrtc\.iceServers\.0\.credential .*must not contain/);
    assert.throws(() => servers([{ urls: "turn:turn.example.test", secret: "long-enough", username: "u", credential: "c" }]), /either a secret/);
    assert.throws(() => servers([{ urls: "stun:stun.example.test", ttl: 600 }]), /ttl applies to credentials minted from a secret/);
    const twoTurn = [{ urls: ["turn:a.example.test", "turn:b.example.test"], secret: "long-enough" }];
    assert.throws(() => servers(twoTurn, "serverIceServers"), /webrtc\.serverIceServers \(env PIPEWRIGHT_WEBRTC_SERVER_ICE_SERVERS\): the media workers use one TURN server; 2 are listed/);
    assert.equal(servers(twoTurn).webrtc.iceServers.length, 1, "clients may get any number");
    assert.throws(
      () => loadConfig({ env: { PIPEWRIGHT_WEBRTC_SERVER_ICE_SERVERS: '[{"urls":"turns:turn.example.test?transport=udp","secret":"long-enough"}]' } }),
      /webrtc\.serverIceServers\.0\.urls \(env PIPEWRIGHT_WEBRTC_SERVER_ICE_SERVERS\): .*DTLS/,
    );
  });
});
