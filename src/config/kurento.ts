/**
 * Kurento's ICE settings, carried over: read from a `kurento:` section of the YAML file, from a
 * Kurento configuration directory (modules/kurento/WebRtcEndpoint.conf.ini and
 * BaseRtpEndpoint.conf.ini) it names, or from the KMS_* variables of Kurento's Docker image, and
 * translated into the `webrtc.*` settings that mean the same: stunServerAddress/Port and turnURL
 * become `serverIceServers` (Kurento uses them for its own gathering), externalIPv4 becomes the
 * only announced address, minPort/maxPort the port range, networkInterfaces and iceTcp keep their
 * meaning. A Kurento name and the Pipewright setting it maps to may not both be given in one
 * place; across places the usual order holds (YAML < environment).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stunUrlFor } from "./ice-uri.ts";
import { parseKurentoTurnUrl } from "./kurento-turn-url.ts";
import { kurentoSettingsSchema, type KurentoSettings } from "./schema.ts";

export class KurentoConfigError extends Error {
  override name = "KurentoConfigError";
}

/** The Docker image's variables and the .ini keys they write (its entrypoint script). */
const KMS_VARIABLES: Record<string, keyof KurentoSettings> = {
  KMS_STUN_IP: "stunServerAddress",
  KMS_STUN_PORT: "stunServerPort",
  KMS_TURN_URL: "turnURL",
  KMS_EXTERNAL_IPV4: "externalIPv4",
  KMS_EXTERNAL_IPV6: "externalIPv6",
  KMS_NETWORK_INTERFACES: "networkInterfaces",
  KMS_MIN_PORT: "minPort",
  KMS_MAX_PORT: "maxPort",
  KMS_ICE_TCP: "iceTcp",
};

/** Kurento settings Pipewright reads but that have no effect here. */
const WITHOUT_EFFECT = new Set(["mtu", "pemCertificateRSA", "pemCertificateECDSA", "qos-dscp", "enable-h265", "KMS_MTU", "KMS_PEM_CERTIFICATE_RSA", "KMS_PEM_CERTIFICATE_ECDSA"]);

/** Which Pipewright setting each Kurento name decides, for conflict messages. */
const TARGETS: Record<string, string> = {
  stunServerAddress: "webrtc.serverIceServers",
  turnURL: "webrtc.serverIceServers",
  externalIPv4: "webrtc.announcedAddresses",
  networkInterfaces: "webrtc.networkInterfaces",
  minPort: "webrtc.portRange",
  maxPort: "webrtc.portRange",
  iceTcp: "webrtc.iceTcp",
};

export type Note = (message: string) => void;

/** Kurento's .ini format (boost property_tree): `key=value` lines, `;` or `#` comments. */
function parseIni(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#") || line.startsWith("[")) continue;
    const equals = line.indexOf("=");
    if (equals > 0) values[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return values;
}

function readIniFiles(dir: string, note: Note): Record<string, string> {
  const values: Record<string, string> = {};
  let found = 0;
  for (const name of ["BaseRtpEndpoint.conf.ini", "WebRtcEndpoint.conf.ini"]) {
    const file = [join(dir, "modules", "kurento", name), join(dir, name)].find((candidate) => existsSync(candidate));
    if (!file) continue;
    found++;
    for (const [key, value] of Object.entries(parseIni(readFileSync(file, "utf8")))) {
      if (key in kurentoSettingsSchema.shape && key !== "configDir") values[key] = value;
      else note(`${file}: ${key} ${WITHOUT_EFFECT.has(key) ? "has no effect on Pipewright" : "is not a setting Pipewright reads"}`);
    }
  }
  if (found === 0) throw new KurentoConfigError(`kurento.configDir: ${dir} holds neither modules/kurento/WebRtcEndpoint.conf.ini nor BaseRtpEndpoint.conf.ini`);
  return values;
}

/** The KMS_* variables that are set (an empty value counts as unset, as in Kurento's image). */
export function kurentoSettingsFromEnv(env: NodeJS.ProcessEnv, note: Note): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("KMS_") || value === undefined || value.trim() === "") continue;
    const key = KMS_VARIABLES[name];
    if (key) values[key] = value.trim();
    else if (WITHOUT_EFFECT.has(name)) note(`${name} has no effect on Pipewright`);
  }
  for (const name of ["KMS_EXTERNAL_IPV4", "KMS_EXTERNAL_IPV6"]) {
    if (env[name]?.trim() === "auto") {
      throw new KurentoConfigError(`${name}=auto: Kurento's image looks its public address up on the Internet; Pipewright does not — give the address itself`);
    }
  }
  return values;
}

/** How the user wrote a Kurento setting: its KMS_* variable, or its key in the `kurento:` section. */
function settingName(key: string, fromEnv: boolean): string {
  if (!fromEnv) return `kurento.${key}`;
  return Object.entries(KMS_VARIABLES).find(([, target]) => target === key)?.[0] ?? key;
}

function validated(raw: Record<string, unknown>, source: string, fromEnv: boolean): KurentoSettings {
  const result = kurentoSettingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.code === "unrecognized_keys"
      ? `unknown Kurento setting ${issue.keys.map((key) => `kurento.${key}`).join(", ")}`
      : `${settingName(String(issue.path[0]), fromEnv)}: ${issue.message}`,
  );
  throw new KurentoConfigError(`${source}: ${problems.join("; ")}`);
}

function serverIceServers(settings: KurentoSettings, source: string, note: Note): unknown[] | undefined {
  const servers: unknown[] = [];
  if (settings.stunServerAddress !== undefined) {
    servers.push({ urls: stunUrlFor(settings.stunServerAddress, settings.stunServerPort) });
  } else if (settings.stunServerPort !== undefined) {
    note(`${source}: stunServerPort without stunServerAddress has no effect`);
  }
  if (settings.turnURL !== undefined) servers.push(parseKurentoTurnUrl(settings.turnURL));
  return servers.length > 0 ? servers : undefined;
}

/** The `webrtc` settings Kurento's names stand for. */
function translateKurento(settings: KurentoSettings, source: string, note: Note): Record<string, unknown> {
  const webrtc: Record<string, unknown> = {};
  const servers = serverIceServers(settings, source, note);
  if (servers) webrtc.serverIceServers = servers;
  if (settings.externalIPv4 !== undefined) {
    webrtc.announcedAddresses = [settings.externalIPv4];
    webrtc.announceOnly = true;
  }
  if (settings.externalIPv6 !== undefined) note(`${source}: externalIPv6 is ignored: Pipewright's media is IPv4 only`);
  if (settings.networkInterfaces !== undefined) webrtc.networkInterfaces = settings.networkInterfaces.split(",").map((name) => name.trim());
  if (settings.minPort !== undefined || settings.maxPort !== undefined) {
    // Kurento's own defaults for the side that is not given (BaseRtpEndpoint.conf.ini).
    webrtc.portRange = [settings.minPort ?? 1024, settings.maxPort ?? 65535];
  }
  if (settings.iceTcp !== undefined) webrtc.iceTcp = settings.iceTcp;
  return webrtc;
}

interface LayerSource {
  /** The file, or "environment". */
  label: string;
  fromEnv: boolean;
  /** How the user writes a Pipewright setting in this layer (`webrtc.portRange` or its variable). */
  settingName: (path: string) => string;
}

/** Throws when `layer` already sets what a Kurento name in `settings` would set. */
function checkConflicts(layer: Record<string, unknown>, settings: KurentoSettings, source: LayerSource): void {
  const webrtc = (layer.webrtc ?? {}) as Record<string, unknown>;
  for (const [name, target] of Object.entries(TARGETS)) {
    if ((settings as Record<string, unknown>)[name] === undefined) continue;
    const clash = [target, ...(name === "externalIPv4" ? ["webrtc.announceOnly"] : [])].find((path) => webrtc[path.split(".")[1]] !== undefined);
    if (clash) {
      throw new KurentoConfigError(`${source.label}: ${settingName(name, source.fromEnv)} and ${source.settingName(clash)} both set ${target}; keep one`);
    }
  }
}

/** Folds Kurento settings into a configuration layer (a parsed YAML file or the environment). */
export function withKurentoSettings(
  layer: Record<string, unknown>,
  raw: Record<string, unknown>,
  source: LayerSource,
  note: Note,
): Record<string, unknown> {
  if (Object.keys(raw).length === 0) return layer;
  const fromDir = typeof raw.configDir === "string" ? readIniFiles(raw.configDir, note) : {};
  const settings = validated({ ...fromDir, ...raw }, source.label, source.fromEnv);
  delete settings.configDir;
  checkConflicts(layer, settings, source);
  const webrtc = translateKurento(settings, source.label, note);
  return { ...layer, webrtc: { ...((layer.webrtc ?? {}) as Record<string, unknown>), ...webrtc } };
}
