import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initNodeHome } from "../../chain/node/init.ts";
import { homePaths } from "../../chain/node/home.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** Whether a server can listen on `port` of `host` right now. */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on now, for a server that starts later (a node process, a switch whose
 * peers must know its port first). Taken below Linux's ephemeral range (32768 and up): a port the
 * OS hands out for port 0 is soon reused as the source port of some outgoing connection (test files
 * run in parallel and poll RPCs), and the later listen fails with EADDRINUSE (seen in CI). Random
 * in [20000, 32000), checked by binding it.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portFree(port, host)) return port;
  }
  throw new Error("no free port in [20000, 32000) after 100 tries");
}

export interface TestNodeOptions {
  blockIntervalMs?: number;
  /** Changes applied to config/config.json after init. */
  config?: (c: Record<string, Record<string, unknown>>) => void;
  /** Changes applied to config/genesis.json after init (module params: app_hash is not pinned). */
  genesis?: (g: Record<string, Record<string, Record<string, unknown>>>) => void;
}

/**
 * A real node process (`cifer node start`) on a loopback port with its own temp home. Every wait is
 * bounded; stop() and kill() always leave no process behind.
 */
export class TestNode {
  private proc: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  output = "";

  private constructor(
    readonly home: string,
    readonly rpcPort: number,
  ) {}

  static async create(o: TestNodeOptions = {}): Promise<TestNode> {
    const home = mkdtempSync(join(tmpdir(), "cifer-node-"));
    const rpcPort = await freePort();
    await initNodeHome({
      home,
      moniker: "test-node",
      rpcPort,
      p2pPort: await freePort(),
      blockIntervalMs: o.blockIntervalMs ?? 200,
    });
    for (const [edit, path] of [
      [o.config, homePaths(home).config],
      [o.genesis, homePaths(home).genesis],
    ] as const) {
      if (!edit) continue;
      const c = JSON.parse(readFileSync(path, "utf8"));
      edit(c);
      writeFileSync(path, JSON.stringify(c, null, 2));
    }
    return new TestNode(home, rpcPort);
  }

  /** A node of an existing home (for example one of createNetwork's), not started yet. */
  static attach(home: string, rpcPort: number): TestNode {
    return new TestNode(home, rpcPort);
  }

  get url(): string {
    return `http://127.0.0.1:${this.rpcPort}`;
  }

  /** The node process's pid while it runs (e.g. to read /proc/<pid>/status). */
  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Starts the process and waits for its first block; `env` adds environment variables (e.g.
   * CIFER_FAIL_POINT), `wait: false` returns at once (for a process expected to die).
   */
  async start(timeoutMs = 60_000, o: { env?: Record<string, string>; wait?: boolean } = {}): Promise<void> {
    // CIFER_NODE_NODE_ARGS adds Node flags to the node process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p".
    const extra = process.env.CIFER_NODE_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
    const proc = spawn(
      process.execPath,
      [...extra, "--import", "tsx", "client/cli/main.ts", "node", "start", "--home", this.home],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...o.env },
      },
    );
    this.proc = proc;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    proc.stdout!.on("data", keep);
    proc.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
    this.signal = new Promise((resolve) => proc.on("exit", (_code, signal) => resolve(signal)));
    if (o.wait === false) return;
    await this.waitFor(async () => (await this.height()) >= 1, timeoutMs, "node to produce its first block");
  }

  private signal: Promise<NodeJS.Signals | null> = Promise.resolve(null);

  /** The signal that ended the process (null if it exited by itself), once it has ended (bounded). */
  async endedBy(timeoutMs: number): Promise<NodeJS.Signals | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the process did not end within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.signal, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Latest height from /status, or -1 when the node does not answer. */
  async height(): Promise<number> {
    try {
      const res = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(2000) });
      const j = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
      return Number(j.result?.sync_info?.latest_block_height ?? -1);
    } catch {
      return -1;
    }
  }

  async waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running && this.proc)
        throw new Error(`node exited while waiting for ${what}:\n${this.output.slice(-3000)}`);
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.output.slice(-3000)}`);
  }

  async waitForHeight(h: number, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(async () => (await this.height()) >= h, timeoutMs, `height ${h}`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within timeoutMs. Resolves with the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.running) return this.proc?.exitCode ?? null;
    this.proc!.kill("SIGTERM");
    const timer = setTimeout(() => this.proc?.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill("SIGKILL");
    await this.exited;
  }

  /** Graceful stop (SIGKILL after 10 s), then the home folder is removed. */
  async destroy(): Promise<void> {
    await this.stop(10_000);
    rmSync(this.home, { recursive: true, force: true });
  }

  async rpc<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(30_000),
    });
    const j = (await res.json()) as { result?: T; error?: { message: string; data?: string } };
    if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ""}`);
    return j.result as T;
  }
}
