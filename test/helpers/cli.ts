/** Runs the `cifer` CLI as a child process, exactly as a user does, and collects its output. */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import type { Command } from "commander";
import { buildProgram } from "../../client/cli/program.ts";

/** The repository root: the working directory of every CLI run. */
export const ROOT = join(import.meta.dirname, "..", "..");
/** Node arguments that run the CLI from source (after process.execPath, before the CLI's arguments). */
export const CLI = ["--import", "tsx", join("client", "cli", "main.ts")];

/**
 * Variables of the caller's environment a run never inherits, so the developer's own settings cannot
 * change what a test sees; a run that wants one passes it in `env`.
 */
const CIFER_ENV = [
  "CIFER_NODE",
  "CIFER_DEBUG",
  "CIFER_KEYRING_PASSPHRASE",
  "CIFER_KEYRING_BACKEND",
  "CIFER_HOME",
];

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Set (or, when undefined, remove) these variables on top of the caller's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (empty by default). */
  input?: string;
  /** The run is killed and the promise rejected after this long. */
  timeoutMs: number;
}

export function runCli(args: string[], opts: CliRunOptions): Promise<CliRun> {
  return startCli(args, opts).done;
}

/** A CLI run still under way: its process (to signal it), its output so far, and its end. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** The run's result; rejected (after a SIGKILL) when it outlives `timeoutMs`. */
  done: Promise<CliRun>;
}

/** Starts the CLI without waiting for it (long-running commands: `fl train`, signals). */
export function startCli(args: string[], opts: CliRunOptions): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of CIFER_ENV) delete env[k];
  Object.assign(env, opts.env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: "pipe",
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cifer ${args.join(" ")} timed out; stdout: ${out.stdout}; stderr: ${out.stderr}`));
    }, opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.stdout, stderr: out.stderr });
    });
  });
  child.stdin.end(opts.input ?? "");
  return {
    child,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    done,
  };
}

/** A run that succeeded (exit 0); its output in the failure message otherwise. */
export function assertOk(r: CliRun): CliRun {
  assert.equal(r.code, 0, `exit ${r.code}; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  return r;
}

/**
 * The CLI's failure policy: a non-zero exit, exactly one "Error: ..." line on stderr, no stack trace.
 * `offline`: the error came before any network access; `exitCode`: the exact code expected.
 */
export function assertOneLineError(
  r: CliRun,
  pattern?: RegExp,
  opts: { exitCode?: number; offline?: boolean } = {},
): void {
  assert.notEqual(r.code, 0, `expected a failure, got exit 0; stdout=${r.stdout}`);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `expected exactly one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^Error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  if (opts.offline)
    assert.doesNotMatch(r.stderr, /cannot reach the node/, "validated before any network access");
  if (pattern) assert.match(lines[0]!, pattern);
  if (opts.exitCode !== undefined) assert.equal(r.code, opts.exitCode, r.stderr);
}

/** Every command path of a program, e.g. ["tx", "bank", "send"]. */
export function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [path, ...commandPaths(c, path)];
  });
}

/**
 * What `cifer <path> --help` prints, in process: commander's own help output (help text, options,
 * the examples added after it) of a freshly built program. A process costs ~1 s of CPU to start
 * (tsx and CosmJS), so the tests check every command this way and spawn only a few real `--help`
 * runs, which check that the process prints this same text and exits 0.
 */
export function helpOf(path: string[]): string {
  let cmd: Command = buildProgram();
  for (const name of path) {
    const sub = cmd.commands.find((c) => c.name() === name);
    assert.ok(sub, `no command ${path.join(" ")}`);
    cmd = sub;
  }
  let out = "";
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}
