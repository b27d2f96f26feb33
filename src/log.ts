/**
 * The server's logger: pino, writing JSON lines — or, when `logFormat` says so (by default:
 * when standard output is a terminal), human-readable lines, so `npm start` reads well while a
 * service manager or container still gets JSON.
 */
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config/schema.ts";

export function createLogger(config: Pick<Config, "logLevel" | "logFormat">): Logger {
  const human = config.logFormat === "pretty" || (config.logFormat === "auto" && process.stdout.isTTY === true);
  if (!human) return pino({ level: config.logLevel });
  return pino({ level: config.logLevel }, pretty({ colorize: true, sync: true, singleLine: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
}
