/**
 * CLI failure policy (DESIGN.md section 12): every failure is one clear line on stderr and a non-zero exit
 * code; stack traces only with --debug or CIFER_DEBUG=1.
 *
 * Exit codes: 1 = the operation failed (network, chain, keyring...), 2 = bad usage or invalid arguments.
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Something the user typed is wrong; detected before any side effect. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode = EXIT_USAGE;
}

/** A failure with a message that is already the complete user-facing explanation. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const debugEnabled = (argv: readonly string[] = process.argv) =>
  argv.includes("--debug") || ["1", "true", "yes"].includes((process.env.CIFER_DEBUG ?? "").toLowerCase());

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed by the node",
};

/** The network failure behind an error (fetch wraps the socket error in `cause`), if any. */
export function networkFailure(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && cur !== null && typeof cur === "object"; depth++) {
    const err = cur as { code?: unknown; name?: unknown; cause?: unknown; message?: unknown };
    if (typeof err.code === "string" && err.code in NETWORK_CODES) return NETWORK_CODES[err.code];
    if (
      err.name === "TimeoutError" &&
      typeof err.message === "string" &&
      /aborted|timeout/i.test(err.message)
    ) {
      return "request timed out";
    }
    if (err.name === "TypeError" && err.message === "fetch failed") {
      const inner = networkFailure(err.cause);
      if (inner) return inner;
      const cause = err.cause as { message?: unknown } | undefined;
      return typeof cause?.message === "string" && cause.message ? cause.message : "request failed";
    }
    if (err.name === "AggregateError" && Array.isArray((err as { errors?: unknown[] }).errors)) {
      const inner = (err as { errors: unknown[] }).errors.map(networkFailure).find(Boolean);
      if (inner) return inner;
    }
    cur = err.cause;
  }
  return undefined;
}

/** Wraps network errors of an operation against `url` into one actionable message. */
export function nodeError(e: unknown, url: string): unknown {
  const why = networkFailure(e);
  if (why === undefined) return e;
  return new CliError(
    `cannot reach the node at ${url} (${why}); is it running? Start one with 'pnpm testnet', or point --node / CIFER_NODE to a running node`,
  );
}

/**
 * CosmJS reports a refused ABCI query (a missing delegation, a bad address, a failed simulation) as
 * "Query failed with (22): rpc error: code = NotFound desc = <reason>": keep the reason.
 */
export function queryError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = /^Query failed with \(\d+\): (.*)$/s.exec(e.message);
  if (!m) return e;
  const reason = m[1]!.replace(/^rpc error: code = \w+ desc = /, "").trim();
  return new CliError(reason || e.message, EXIT_FAILURE, { cause: e });
}

/** One line: the message with newlines folded. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return oneLine(e.message || e.name);
  return oneLine(String(e));
}

export function exitCodeOf(e: unknown): number {
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === "number" && code > 0 ? code : EXIT_FAILURE;
}
