/**
 * The `cifer` CLI entry point (`pnpm cifer ...`). Exit codes: 0 success, 1 failure, 2 bad usage.
 * Every failure is a single `Error: ...` line on stderr; --debug (or CIFER_DEBUG=1) adds the stack trace.
 */
import { CommanderError } from "commander";
import { debugEnabled, errorMessage, EXIT_USAGE, exitCodeOf } from "./errors.ts";
import { buildProgram } from "./program.ts";

async function flushAndExit(code: number): Promise<never> {
  // Let stdout/stderr drain (pipes are asynchronous on some platforms), then exit even if a library
  // left a handle open.
  await new Promise<void>((r) => process.stdout.write("", () => r()));
  await new Promise<void>((r) => process.stderr.write("", () => r()));
  process.exit(code);
}

async function main(argv: string[]): Promise<never> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return await flushAndExit(typeof process.exitCode === "number" ? process.exitCode : 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Already printed by commander (help, version, or a usage error reformatted in program.ts).
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return flushAndExit(0);
      return flushAndExit(e.code === "commander.help" ? e.exitCode || EXIT_USAGE : EXIT_USAGE);
    }
    process.stderr.write(`Error: ${errorMessage(e)}\n`);
    if (debugEnabled(argv)) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return flushAndExit(exitCodeOf(e));
  }
}

await main(process.argv);
