import type { LogLevel } from "./config.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(module: string): Logger;
}

/** Structured logs: one JSON object per line on stdout, with level, time, module and message. */
export function createLogger(
  level: LogLevel,
  module = "node",
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    const rec = { level: lvl, time: new Date().toISOString(), module, msg, ...fields };
    write(`${JSON.stringify(rec, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (m) => createLogger(level, m, write),
  };
}
