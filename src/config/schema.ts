/**
 * The one schema every Pipewright setting is declared in. Defaults here are the embedded
 * defaults `npm start` runs with; the YAML file and `PIPEWRIGHT_*` environment variables
 * (see load.ts) can only set what this schema names, and every value is validated here.
 * Objects are strict, so a misspelt key stops start-up with its path instead of being ignored.
 */
import { z } from "zod";
import { RECORDING_PROFILES } from "../media/recording/profiles.ts";
import { isStunUrl, isTurnUrl, parseIceUri, serverUrls, stunUrlFor } from "./ice-uri.ts";
import { parseKurentoTurnUrl } from "./kurento-turn-url.ts";

const port = z.number().int().min(0).max(65535);

/** A network interface name as Linux allows it (IFNAMSIZ 16, with the NUL). */
const INTERFACE_NAME = /^[\w.:@-]{1,15}$/;
/** Kurento's networkInterfaces format: names separated by commas, e.g. `eth0,enp0s25`. */
export const INTERFACE_LIST = /^\s*[\w.:@-]{1,15}(\s*,\s*[\w.:@-]{1,15})*\s*$/;
export const INTERFACE_LIST_MESSAGE = "must be interface names separated by commas, e.g. eth0,enp0s25";

/** `check` as a zod refinement whose message is the thrown error's. */
function checkedBy(check: (value: string) => unknown) {
  return (value: string, ctx: z.RefinementCtx) => {
    try {
      check(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
    }
  };
}

/**
 * A STUN/TURN URI, checked as RFC 7064/7065 define it (config/ice-uri.ts). Its scheme is
 * case-insensitive there, so it is lower-cased here: everything downstream (and OBS, which
 * only reads `<turn:`/`<stun:` Link values) may then compare schemes as written.
 */
const iceUrl = z.string().superRefine(checkedBy(parseIceUri));
const lowerScheme = (url: string) => url.replace(/^[a-z]+:/i, (scheme) => scheme.toLowerCase());

/**
 * A value WHIP clients read from a quoted `Link` parameter: OBS splits the header on `,` and
 * `;` and takes what lies between the first and last `"` (notes/whip-whep.md §2), so those
 * characters would corrupt it.
 */
function linkParameter(what: string) {
  return z
    .string()
    .min(1)
    .max(512)
    .regex(/^[^",;\\\x00-\x1f\x7f]*$/, `the ${what} must not contain " , ; \\ or control characters (WHIP clients such as OBS read it from a Link header)`);
}

/**
 * One STUN/TURN server: its URLs and either static long-term credentials or a TURN REST shared
 * secret (coturn `use-auth-secret` / `static-auth-secret`) from which fresh credentials valid for
 * `ttl` seconds are minted per client (domain/turn-credentials.ts).
 */
export const iceServerSchema = z
  .strictObject({
    urls: z.union([iceUrl, z.array(iceUrl).min(1)]).transform((urls) => (Array.isArray(urls) ? urls.map(lowerScheme) : lowerScheme(urls))),
    username: linkParameter("username").optional(),
    credential: linkParameter("credential").optional(),
    /** TURN REST API shared secret; the TURN server must be configured with the same one. */
    secret: z.string().min(8).max(1024).optional(),
    /**
     * Lifetime of minted credentials in seconds (default 86400). It must outlast the longest
     * session: a client refreshes its TURN allocation with the same credentials.
     */
    ttl: z.number().int().min(60).max(7 * 86_400).optional(),
  })
  .superRefine((server, ctx) => {
    const urls = serverUrls(server);
    if ((server.username === undefined) !== (server.credential === undefined)) {
      ctx.addIssue({ code: "custom", message: "username and credential go together" });
    }
    if (server.secret !== undefined && server.username !== undefined) {
      ctx.addIssue({ code: "custom", message: "give either a secret (credentials are minted from it) or a username and credential, not both" });
    }
    if (server.ttl !== undefined && server.secret === undefined) ctx.addIssue({ code: "custom", message: "ttl applies to credentials minted from a secret" });
    if (urls.some(isTurnUrl) && server.secret === undefined && server.username === undefined) {
      ctx.addIssue({ code: "custom", message: "a TURN server needs credentials (RFC 8656 §9.2): set secret, or username and credential" });
    }
  });

/** werift takes one STUN and one TURN server for its own gathering (notes/werift.md §1.1). */
function oneOfEachKind(servers: z.infer<typeof iceServerSchema>[], ctx: z.RefinementCtx): void {
  const urls = servers.flatMap(serverUrls);
  for (const [kind, named] of [
    ["stun", urls.filter(isStunUrl)],
    ["turn", urls.filter(isTurnUrl)],
  ] as const) {
    if (named.length > 1) ctx.addIssue({ code: "custom", message: `the media workers use one ${kind.toUpperCase()} server; ${named.length} are listed (${named.join(", ")})` });
  }
}

export const configSchema = z.strictObject({
  /** TCP port of the single HTTP listener (REST, WHIP/WHEP, pages, Kurento WebSocket). */
  port: port.default(8888),
  /** Address the HTTP listener binds to. */
  host: z.string().min(1).default("0.0.0.0"),
  /** Base URL clients reach this server at (for absolute `Location` headers behind a proxy). */
  publicUrl: z.url().optional(),
  /** Directory for the SQLite database and, by default, recordings. */
  dataDir: z.string().min(1).default("./data"),
  /** Directory recordings are written to; defaults to `<dataDir>/recordings`. */
  recordingsDir: z.string().min(1).optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `json` lines, `pretty` human-readable lines, or `auto`: pretty when stdout is a terminal. */
  logFormat: z.enum(["auto", "json", "pretty"]).default("auto"),

  http: z
    .strictObject({
      /** Largest accepted request body (SDP offers, trickle fragments, JSON), in bytes. */
      bodyLimit: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
      /** Origins allowed by CORS on WHIP/WHEP; `*` allows any (tokens, not cookies, carry auth). */
      allowOrigins: z.array(z.string().min(1)).default(["*"]),
    })
    .prefault({}),

  media: z
    .strictObject({
      /** Media worker processes; a pipeline lives on one worker. 0 = one per CPU core. */
      workers: z.number().int().min(0).max(64).default(1),
      /** How long the control plane waits for a worker to answer a command. */
      requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
      /**
       * A worker that answers no heartbeat for this long is deemed hung, killed and replaced. A
       * crash is seen at once; this only catches a stuck event loop, so it must be well above
       * the stalls a busy worker has (up to ~2 s under full load).
       */
      heartbeatTimeoutMs: z.number().int().min(200).max(120_000).default(10_000),
    })
    .prefault({}),

  webrtc: z
    .strictObject({
      /** IPv4 address media sockets bind to; unset = all interfaces. */
      listenAddress: z.ipv4().optional(),
      /** Extra host candidates to announce, e.g. the public address of a 1:1 NAT. */
      announcedAddresses: z.array(z.ipv4()).default([]),
      /** Announce only `listenAddress` and `announcedAddresses`, not every interface address. */
      announceOnly: z.boolean().default(false),
      /** Gather host candidates on these network interfaces only (Kurento's networkInterfaces); empty = all. */
      networkInterfaces: z.array(z.string().regex(INTERFACE_NAME, "not a network interface name")).default([]),
      /** UDP (and ICE-TCP) ports media sockets are taken from: [min, max]. */
      portRange: z
        .tuple([port.min(1024), port.min(1024)])
        .refine(([min, max]) => max > min, "max must be greater than min")
        .default([40000, 49999]),
      /** Offer ICE-TCP candidates (RFC 6544) besides UDP, for clients whose network blocks UDP. */
      iceTcp: z.boolean().default(true),
      /** Concurrent WebRTC endpoints (publishers + viewers) to expect; start-up warns when the port range holds fewer. */
      expectedSessions: z.number().int().min(1).max(1_000_000).default(100),
      /** STUN/TURN servers handed to clients (WHIP/WHEP `Link` headers, `GET /v1/ice-servers`, the built-in pages). */
      iceServers: z.array(iceServerSchema).default([]),
      /**
       * STUN/TURN servers the media workers gather through themselves: a TURN server here gives
       * every endpoint a relay candidate, so a server with no public address still connects. One
       * of each kind. Pipewright contacts no server that is not configured here.
       */
      serverIceServers: z.array(iceServerSchema).default([]).superRefine(oneOfEachKind),
      /** REMB sent to publishers: the most each may send us, in bit/s. */
      maxIncomingBitrate: z.number().int().min(100_000).max(100_000_000).default(3_000_000),
      /** A session not connected (ICE + DTLS) this long after its offer is closed. */
      connectTimeoutMs: z.number().int().min(1000).max(300_000).default(30_000),
      /** Newest packets kept per published video track so late viewers start on a keyframe. */
      gopCacheMaxPackets: z.number().int().min(0).max(20_000).default(3000),
      /** Keyframe requests forwarded to a publisher are at least this far apart. */
      pliMinIntervalMs: z.number().int().min(0).max(10_000).default(500),
      /** Viewers of a stream whose publisher left wait this long for it to come back (OBS reconnects). */
      publisherGraceMs: z.number().int().min(0).max(600_000).default(15_000),
    })
    .prefault({}),

  recording: z
    .strictObject({
      /**
       * Streams recorded whenever they are published over WHIP, as stream-name globs (`*`, `?`);
       * the REST API adds and removes rules per stream on top of these.
       */
      streams: z.array(z.string().min(1).max(128)).default([]),
      /**
       * Profile of those recordings: `auto` picks WEBM for VP8, VP9 and AV1 and MP4 for H.264,
       * or one of Kurento's MediaProfileSpecType values.
       */
      streamProfile: z.enum(["auto", ...RECORDING_PROFILES]).default("auto"),
      /** How long a gap in a recorded stream waits for a retransmission before it counts as lost. */
      jitterBufferMs: z.strictObject({ video: z.number().int().min(0).max(2000).default(300), audio: z.number().int().min(0).max(2000).default(100) }).prefault({}),
      /**
       * How long a recording's start waits for the RTCP sender reports that align audio and
       * video (browsers send the first audio one after 1–4 s); after that arrival time is used.
       */
      syncWaitMs: z.number().int().min(0).max(10_000).default(4000),
      /** A growing recording is synced to disk this often. */
      syncIntervalMs: z.number().int().min(100).max(60_000).default(1000),
      /** While an MP4 records video a keyframe is requested this often; a crash loses at most about this much. */
      mp4KeyframeIntervalMs: z.number().int().min(500).max(10_000).default(2000),
    })
    .prefault({}),

  player: z
    .strictObject({
      /** Directories PlayerEndpoint may play `file://` URIs from, besides the recordings directory. */
      mediaRoots: z.array(z.string().min(1)).default([]),
      /**
       * Whether `http(s)://` sources may be on loopback, private, link-local or cloud-metadata
       * addresses (checked after DNS resolution and on redirects). Off: a player URI is not a
       * way into the internal network.
       */
      allowPrivateAddresses: z.boolean().default(false),
      /** An HTTP source must connect and answer within this time. */
      httpTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    })
    .prefault({}),

  kurento: z
    .strictObject({
      /** Path of the Kurento protocol WebSocket on the HTTP port. */
      path: z.string().regex(/^\/[A-Za-z0-9_/-]*$/).default("/kurento"),
      /** A session whose socket is gone this long has the objects only it holds released (KMS: 240–480 s). */
      sessionGraceMs: z.number().int().min(100).max(86_400_000).default(240_000),
      /** Largest JSON-RPC frame accepted; a bigger one closes the socket (1009). */
      maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
      /** Objects one session may create or hold. */
      maxObjectsPerSession: z.number().int().min(1).max(1_000_000).default(1000),
      /**
       * Browser origins allowed to open the socket besides the server's own (`*` for any).
       * Application servers send no Origin and are always let in (subject to tokens).
       */
      allowOrigins: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),

  events: z
    .strictObject({
      /** Events kept in the log (SQLite) for SSE resume and `GET /v1/events/log`; older ones are pruned. */
      retention: z.number().int().min(10).max(100_000_000).default(100_000),
      /** An idle `GET /v1/events` stream gets a comment line this often, so proxies keep it open. */
      heartbeatMs: z.number().int().min(100).max(300_000).default(15_000),
    })
    .prefault({}),

  webhooks: z
    .strictObject({
      /** Attempts per delivery before it is marked failed (with the default waits: 4 to 8 hours of retrying). */
      maxAttempts: z.number().int().min(1).max(100).default(20),
      /** Wait after the first failed attempt; it doubles after each further one (with jitter). */
      retryBaseMs: z.number().int().min(10).max(3_600_000).default(1000),
      /** Longest wait between two attempts. */
      retryMaxMs: z.number().int().min(10).max(86_400_000).default(3_600_000),
      /** A receiver must answer within this time (connect, headers, body), or the attempt failed. */
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      /** Deliveries sent at the same time, over all webhooks. */
      concurrency: z.number().int().min(1).max(256).default(8),
      /**
       * Whether webhooks may target loopback, private and link-local addresses. Only admins
       * register webhooks and the usual receiver is an application server on the same host or
       * network, so this is allowed by default; set false where admin tokens go to people who
       * must not reach the internal network (the check also applies after DNS resolution).
       */
      allowPrivateAddresses: z.boolean().default(true),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type IceServer = z.infer<typeof iceServerSchema>;

/** A Kurento on/off flag as its .ini files and KMS_* variables write it: 1/0 (or true/false). */
const kurentoFlag = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.enum(["0", "1", "true", "false"])], { error: "must be 1 or 0 (true or false)" })
  .transform((value) => value === true || value === 1 || value === "1" || value === "true");

/** A port, written as a number (YAML) or as text (.ini, environment). */
const kurentoPort = z.union([port.min(1), z.string().regex(/^\d{1,5}$/).transform(Number).pipe(port.min(1))], { error: "must be a port number from 1 to 65535" });

/**
 * Kurento Media Server's ICE settings with its own names and formats — WebRtcEndpoint.conf.ini,
 * BaseRtpEndpoint.conf.ini and the KMS_* variables of its Docker image
 * (notes/kurento-protocol.md §4) — accepted so a Kurento deployment's configuration carries
 * over. config/kurento.ts reads them and translates them into `webrtc.*` settings.
 */
export const kurentoSettingsSchema = z.strictObject({
  /** A Kurento configuration directory (e.g. /etc/kurento) whose modules/kurento/*.conf.ini files are read. */
  configDir: z.string().min(1).optional(),
  stunServerAddress: z.string().superRefine(checkedBy((value) => stunUrlFor(value))).optional(),
  stunServerPort: kurentoPort.optional(),
  turnURL: z.string().superRefine(checkedBy(parseKurentoTurnUrl)).optional(),
  externalIPv4: z.ipv4().optional(),
  externalIPv6: z.ipv6().optional(),
  networkInterfaces: z.string().regex(INTERFACE_LIST, INTERFACE_LIST_MESSAGE).optional(),
  minPort: kurentoPort.optional(),
  maxPort: kurentoPort.optional(),
  iceTcp: kurentoFlag.optional(),
});

export type KurentoSettings = z.infer<typeof kurentoSettingsSchema>;
