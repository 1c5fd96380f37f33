import type { FastifyBaseLogger } from "fastify";
import type { LogLevel } from "./config.ts";
import type { Logger } from "./logger.ts";

/**
 * Fastify's logger interface (pino's) on top of the node's JSON logger, so the RPC server's lines
 * are the same one-object-per-line records as the rest of the node. Fastify's own `info` lines are
 * the per-request ones ("incoming request", "request completed"): they go out at debug, so an
 * operator sees every request with log_level debug and none otherwise.
 */
export function fastifyLogger(log: Logger, level: LogLevel, bindings: Record<string, unknown> = {}) {
  const debugOn = level === "debug";
  const at =
    (emit: Logger["debug"], enabled: boolean) =>
    (a?: unknown, b?: unknown): void => {
      if (!enabled) return;
      const { msg, fields } = pinoArgs(a, b);
      emit(msg, { ...bindings, ...fields });
    };
  const logger = {
    level,
    trace: at(log.debug, false),
    debug: at(log.debug, debugOn),
    info: at(log.debug, debugOn),
    warn: at(log.warn, level !== "error"),
    error: at(log.error, true),
    fatal: at(log.error, true),
    silent: () => {},
    child: (more: Record<string, unknown>) => fastifyLogger(log, level, { ...bindings, ...more }),
  };
  return logger as unknown as FastifyBaseLogger;
}

/** pino's call shapes: (msg), (obj, msg), (err, msg?); request and reply objects reduced to a few fields. */
function pinoArgs(a: unknown, b: unknown): { msg: string; fields: Record<string, unknown> } {
  if (typeof a === "string") return { msg: a, fields: {} };
  if (a instanceof Error) return { msg: typeof b === "string" ? b : a.message, fields: { error: a.message } };
  const fields: Record<string, unknown> = {};
  if (a !== null && typeof a === "object") {
    for (const [k, v] of Object.entries(a)) {
      if (k === "req" && v && typeof v === "object") {
        const r = v as { method?: string; url?: string; ip?: string };
        Object.assign(fields, { method: r.method, url: r.url, ip: r.ip });
      } else if (k === "res" && v && typeof v === "object") {
        fields.status = (v as { statusCode?: number }).statusCode;
      } else if (k === "err" && v instanceof Error) {
        fields.error = v.message;
      } else if (v === null || ["string", "number", "boolean", "bigint"].includes(typeof v)) {
        fields[k] = v;
      }
    }
  }
  return { msg: typeof b === "string" ? b : "", fields };
}
