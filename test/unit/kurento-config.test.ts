/**
 * A Kurento deployment's ICE configuration carries over: the same settings written as Kurento's
 * .ini files (read through `kurento.configDir`), as a `kurento:` YAML section and as the KMS_*
 * variables of Kurento's Docker image give one and the same effective configuration, with the
 * meaning Kurento gives them; conflicting and unusable values stop start-up with their names.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "pw-kurento-"));
}

function yamlFile(text: string): string {
  const file = join(tempDir(), "pipewright.yaml");
  writeFileSync(file, text);
  return file;
}

/** A Kurento config directory as KMS installs it, with its comment style. */
function kurentoConfigDir(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "modules", "kurento"), { recursive: true });
  writeFileSync(
    join(dir, "modules", "kurento", "WebRtcEndpoint.conf.ini"),
    [
      ";; Local network interfaces used for ICE gathering.",
      "networkInterfaces=eth0,ens3",
      ";externalIPv6=<IPv6 address>",
      "externalIPv4=203.0.113.7",
      "stunServerAddress=198.51.100.20",
      "stunServerPort=3479",
      "turnURL=kms:p@ss:w0rd@198.51.100.21:3478?transport=udp",
      "iceTcp=0",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "modules", "kurento", "BaseRtpEndpoint.conf.ini"), "minPort=41000\nmaxPort=41999\n;mtu=1200\n");
  return dir;
}

const KMS_ENV = {
  KMS_NETWORK_INTERFACES: "eth0,ens3",
  KMS_EXTERNAL_IPV4: "203.0.113.7",
  KMS_STUN_IP: "198.51.100.20",
  KMS_STUN_PORT: "3479",
  KMS_TURN_URL: "kms:p@ss:w0rd@198.51.100.21:3478?transport=udp",
  KMS_ICE_TCP: "0",
  KMS_MIN_PORT: "41000",
  KMS_MAX_PORT: "41999",
  KMS_EXTERNAL_IPV6: "",
};

describe("Kurento configuration carried over", () => {
  it("reads .ini files, a kurento: section and KMS_* variables into the same effective configuration", () => {
    const fromIni = loadConfig({ env: {}, file: yamlFile(`kurento:\n  configDir: ${kurentoConfigDir()}\n`) });
    const fromEnv = loadConfig({ env: KMS_ENV });
    const fromYaml = loadConfig({
      env: {},
      file: yamlFile(
        [
          "kurento:",
          "  networkInterfaces: eth0,ens3",
          "  externalIPv4: 203.0.113.7",
          "  stunServerAddress: 198.51.100.20",
          "  stunServerPort: 3479",
          '  turnURL: "kms:p@ss:w0rd@198.51.100.21:3478?transport=udp"',
          "  iceTcp: 0",
          "  minPort: 41000",
          "  maxPort: 41999",
        ].join("\n"),
      ),
    });
    assert.deepEqual(fromIni, fromEnv);
    assert.deepEqual(fromYaml, fromEnv);
    assert.deepEqual(fromEnv.webrtc.serverIceServers, [
      { urls: "stun:198.51.100.20:3479" },
      { urls: "turn:198.51.100.21:3478?transport=udp", username: "kms", credential: "p@ss:w0rd" },
    ]);
    assert.deepEqual(fromEnv.webrtc.announcedAddresses, ["203.0.113.7"]);
    assert.equal(fromEnv.webrtc.announceOnly, true, "externalIPv4 replaces every candidate address, as in Kurento");
    assert.deepEqual(fromEnv.webrtc.networkInterfaces, ["eth0", "ens3"]);
    assert.deepEqual(fromEnv.webrtc.portRange, [41000, 41999]);
    assert.equal(fromEnv.webrtc.iceTcp, false);
    assert.deepEqual(fromEnv.webrtc.iceServers, [], "Kurento's servers are the media server's own, not handed to clients");
  });

  it("maps turnURL's transport=tls to turns: over TCP, and a missing port to Kurento's default range", () => {
    const config = loadConfig({ env: { KMS_TURN_URL: "u:p@turn.example.test:5349?transport=tls", KMS_MIN_PORT: "50000" } });
    assert.deepEqual(config.webrtc.serverIceServers, [{ urls: "turns:turn.example.test:5349?transport=tcp", username: "u", credential: "p" }]);
    assert.deepEqual(config.webrtc.portRange, [50000, 65535]);
  });

  it("lets the environment override the YAML file, Kurento names included", () => {
    const config = loadConfig({ env: { KMS_ICE_TCP: "1", PIPEWRIGHT_WEBRTC_PORT_RANGE: "42000-42999" }, file: yamlFile("kurento:\n  iceTcp: 0\n  minPort: 41000\n  maxPort: 41999\n") });
    assert.equal(config.webrtc.iceTcp, true);
    assert.deepEqual(config.webrtc.portRange, [42000, 42999]);
  });

  it("tells about settings it reads but cannot use", () => {
    const notes: string[] = [];
    loadConfig({ env: { KMS_EXTERNAL_IPV6: "2001:db8::7", KMS_MTU: "1200" }, onNote: (note) => notes.push(note) });
    assert.deepEqual(notes, ["KMS_MTU has no effect on Pipewright", "environment: externalIPv6 is ignored: Pipewright's media is IPv4 only"]);
  });

  it("stops on malformed or conflicting Kurento settings, naming them", () => {
    assert.throws(() => loadConfig({ env: { KMS_TURN_URL: "turn.example.test:3478" } }), /environment: KMS_TURN_URL: "turn\.example\.test:3478" is not user:password@address:port/);
    assert.throws(() => loadConfig({ env: { KMS_TURN_URL: "u:secret@turn.example.test" } }), /KMS_TURN_URL: "u:\*\*\*@turn\.example\.test" names no port/);
    assert.throws(() => loadConfig({ env: { KMS_MIN_PORT: "forty" } }), /KMS_MIN_PORT: must be a port number/);
    assert.throws(() => loadConfig({ env: { KMS_ICE_TCP: "maybe" } }), /KMS_ICE_TCP: must be 1 or 0/);
    assert.throws(() => loadConfig({ env: { KMS_EXTERNAL_IPV4: "auto" } }), /KMS_EXTERNAL_IPV4=auto: .*give the address itself/);
    assert.throws(
      () => loadConfig({ env: { KMS_MIN_PORT: "41000", PIPEWRIGHT_WEBRTC_PORT_RANGE: "40000-40999" } }),
      /KMS_MIN_PORT and PIPEWRIGHT_WEBRTC_PORT_RANGE both set webrtc\.portRange; keep one/,
    );
    assert.throws(
      () => loadConfig({ env: {}, file: yamlFile("webrtc:\n  announceOnly: false\nkurento:\n  externalIPv4: 203.0.113.7\n") }),
      /kurento\.externalIPv4 and webrtc\.announceOnly both set/,
    );
    assert.throws(() => loadConfig({ env: {}, file: yamlFile("kurento:\n  stunServer: 1.2.3.4\n") }), /unknown Kurento setting kurento\.stunServer/);
    assert.throws(() => loadConfig({ env: {}, file: yamlFile(`kurento:\n  configDir: ${tempDir()}\n`) }), /holds neither modules\/kurento\/WebRtcEndpoint\.conf\.ini/);
  });
});
