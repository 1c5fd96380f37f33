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
    const head = { level: lvl, time: new Date().toISOString(), module, msg };
    // The four keys every line has are never overwritten by a field of the same name.
    const rec = fields ? Object.assign({ ...head }, fields, head) : head;
    let line: string;
    try {
      line = JSON.stringify(rec, jsonValue);
    } catch (e) {
      // A field JSON cannot encode (a cycle): the line still goes out, without the fields.
      line = JSON.stringify({ ...head, log_error: (e as Error).message });
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (m) => createLogger(level, m, write),
  };
}

/** bigints as decimal strings; Errors (which JSON.stringify turns into {}) as their message. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return v.message;
  return v;
}
