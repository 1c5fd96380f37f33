/**
 * Process supervision of the testnet's validators: each runs `cifer node start` as a child process with
 * its output appended to <node home>/node.log. A validator that exits while the network is up is
 * reported (exit code/signal and the last log lines), never restarted silently.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface ValidatorSpec {
  name: string;
  home: string;
  rpcUrl: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The last `n` lines of a log file (reading at most its last 256 KiB). */
export function tailLog(path: string, n = 20): string[] {
  try {
    const size = statSync(path).size;
    const start = Math.max(0, size - 256 * 1024);
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const lines = buf.toString("utf8").split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      return lines.slice(-n);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

export class ValidatorProcess {
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private exitInfo: ExitInfo | undefined;
  private readonly exited: Promise<ExitInfo>;
  private resolveExit!: (e: ExitInfo) => void;

  constructor(
    readonly spec: ValidatorSpec,
    private readonly cli: { cwd: string; args: string[] },
  ) {
    this.logPath = join(spec.home, "node.log");
    this.exited = new Promise((r) => {
      this.resolveExit = r;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The exit status once the process has exited. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  start(onExit: (v: ValidatorProcess, e: ExitInfo) => void): void {
    const log = openSync(this.logPath, "a", 0o600);
    writeSync(log, `\n=== ${new Date().toISOString()} testnet: starting ${this.spec.name} ===\n`);
    try {
      this.child = spawn(process.execPath, [...this.cli.args, "node", "start", "--home", this.spec.home], {
        cwd: this.cli.cwd,
        stdio: ["ignore", log, log],
        env: process.env,
        // Own process group: a Ctrl-C in the terminal reaches only the runner, which then stops each
        // validator exactly once with SIGTERM (a node treats a second signal as "exit now").
        detached: true,
      });
    } finally {
      closeSync(log); // the child holds its own copy of the descriptor
    }
    this.child.once("error", (e) => {
      // spawn failures (e.g. ENOENT) arrive here instead of "exit"
      this.finish({ code: null, signal: null }, onExit, e);
    });
    this.child.once("exit", (code, signal) => this.finish({ code, signal }, onExit));
  }

  private finish(e: ExitInfo, onExit: (v: ValidatorProcess, e: ExitInfo) => void, err?: Error): void {
    if (this.exitInfo) return;
    this.exitInfo = e;
    if (err) {
      try {
        appendFileSync(this.logPath, `testnet: cannot start ${this.spec.name}: ${err.message}\n`);
      } catch {}
    }
    this.resolveExit(e);
    onExit(this, e);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo || !this.child) return this.exitInfo ?? { code: null, signal: null };
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (!this.exitInfo) this.child?.kill("SIGKILL");
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort on an unexpected exit of the runner itself (synchronous). */
  killNow(): void {
    if (!this.exitInfo) this.child?.kill("SIGKILL");
  }
}

export const describeExit = (e: ExitInfo) =>
  e.signal
    ? `was killed by ${e.signal}`
    : e.code === null
      ? "could not be started"
      : `exited with code ${e.code}`;
