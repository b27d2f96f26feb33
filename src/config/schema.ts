/**
 * The one schema every Pipewright setting is declared in. Defaults here are the embedded
 * defaults `npm start` runs with; the YAML file and `PIPEWRIGHT_*` environment variables
 * (see load.ts) can only set what this schema names, and every value is validated here.
 * Objects are strict, so a misspelt key stops start-up with its path instead of being ignored.
 */
import { z } from "zod";

const port = z.number().int().min(0).max(65535);

/** One STUN/TURN server handed to clients (WHIP/WHEP `Link` headers, built-in pages). */
export const iceServerSchema = z.strictObject({
  urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/), z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

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
      /** UDP (and ICE-TCP) ports media sockets are taken from: [min, max]. */
      portRange: z
        .tuple([port.min(1024), port.min(1024)])
        .refine(([min, max]) => max > min, "max must be greater than min")
        .default([40000, 49999]),
      /** STUN/TURN servers handed to clients. Pipewright itself contacts none unless told to. */
      iceServers: z.array(iceServerSchema).default([]),
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
