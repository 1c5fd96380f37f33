/** Runs the `cifer` CLI as a child process, exactly as a user does, and collects its output. */
import { spawn } from "node:child_process";
import { join } from "node:path";

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
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of CIFER_ENV) delete env[k];
    Object.assign(env, opts.env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: "pipe",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cifer ${args.join(" ")} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
