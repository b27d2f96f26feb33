/**
 * The `pipewright` command. `serve` (the default, what `npm start` runs) starts the server and
 * shuts it down gracefully on SIGINT/SIGTERM; `token create|list|revoke` manages API tokens in
 * the database (a refused request — an unknown id, a stream pattern on an admin token — exits 1
 * with a message); `openapi` rewrites openapi/openapi.json. Configuration errors end the process
 * with exit code 78 and a message naming the setting.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config/load.ts";
import type { Config } from "./config/schema.ts";
import { AccessControl } from "./domain/access.ts";
import { connectivityPlan, describePlan } from "./domain/connectivity.ts";
import { buildOpenApi } from "./http/openapi.ts";
import { createLogger } from "./log.ts";
import { VERSION } from "./http/app.ts";
import { databaseFile, startServer } from "./server.ts";
import { closeDatabase, openDatabase } from "./store/db.ts";
import { TOKEN_SCOPES, type TokenScope } from "./store/schema.ts";
import { TokenStore } from "./store/tokens.ts";

const EXIT_CONFIG = 78;

const USAGE = `usage: pipewright [serve] [--config file.yaml]
       pipewright token create --scope publish|play [--stream <glob>] [--name <label>]
       pipewright token create --scope admin [--name <label>]
       pipewright token list
       pipewright token revoke <id>
       pipewright openapi            write openapi/openapi.json`;

async function serve(config: Config, notes: string[]): Promise<void> {
  const log = createLogger(config);
  const server = await startServer(config, { log });
  log.info({ url: server.url, dataDir: config.dataDir, workers: server.media.workerPids }, `Pipewright ${VERSION} listening on ${server.url}`);
  if (server.access.loopbackOnly) {
    log.warn(
      "no API token exists: publishing and playing are open to clients on this machine (loopback) only. " +
        "Create a token with `npm run token -- create --scope publish` to let other machines in.",
    );
  }
  for (const note of notes) log.info(`config: ${note}`);
  const plan = connectivityPlan(config);
  log.info({ hostAddresses: plan.hostAddresses, udpPorts: plan.udpPorts, endpointCapacity: plan.endpointCapacity }, describePlan(plan));
  for (const warning of plan.warnings) log.warn(`connectivity: ${warning}`);
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(1);
    log.info({ signal }, "shutting down");
    server.stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

function tokenCommand(config: Config, args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { scope: { type: "string" }, stream: { type: "string" }, name: { type: "string" } },
  });
  const db = openDatabase(databaseFile(config));
  try {
    const access = new AccessControl(new TokenStore(db));
    const [action, id] = positionals;
    if (action === "create") {
      const scope = values.scope as TokenScope | undefined;
      if (!scope || !TOKEN_SCOPES.includes(scope)) throw new Error(`--scope must be one of ${TOKEN_SCOPES.join(", ")}`);
      const { token, row } = access.createToken({ name: values.name ?? `${scope} token`, scope, streamPattern: values.stream });
      console.log(`Created ${row.scope} token ${row.id} (streams: ${row.streamPattern}). It is shown only now:\n\n  ${token}\n`);
    } else if (action === "list") {
      for (const row of access.listTokens()) {
        const state = row.revokedAt ? `revoked ${new Date(row.revokedAt).toISOString()}` : "active";
        console.log(`${row.id}  ${row.scope.padEnd(7)}  streams=${row.streamPattern}  ${state}  ${row.name}`);
      }
    } else if (action === "revoke" && id) {
      if (!access.revokeToken(id)) throw new Error(`no active token ${id} (\`token list\` shows the ids)`);
      console.log(`revoked ${id}`);
    } else {
      throw new Error(USAGE);
    }
  } finally {
    closeDatabase(db);
  }
}

function writeOpenApi(): void {
  const file = fileURLToPath(new URL("../openapi/openapi.json", import.meta.url));
  writeFileSync(file, `${JSON.stringify(buildOpenApi(VERSION), null, 2)}\n`);
  console.log(`wrote ${file}`);
}

async function main(argv: string[]): Promise<void> {
  const configIndex = argv.indexOf("--config");
  const file = configIndex >= 0 ? argv[configIndex + 1] : undefined;
  const args = configIndex >= 0 ? [...argv.slice(0, configIndex), ...argv.slice(configIndex + 2)] : argv;
  const [command = "serve", ...rest] = args;
  if (command === "openapi") return writeOpenApi();
  if (command === "help" || command === "--help") {
    console.log(USAGE);
    return;
  }
  let config: Config;
  const notes: string[] = [];
  try {
    config = loadConfig({ file, onNote: (note) => notes.push(note) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`pipewright: ${error.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
  if (command === "serve") return serve(config, notes);
  if (command === "token") return tokenCommand(config, rest);
  console.error(USAGE);
  process.exit(64);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`pipewright: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
