import { Agent, request } from "node:http";

/**
 * A paced flood of mixed JSON-RPC reads (status, abci_info, tx_search; GET and POST) against a
 * node's RPC port over a bounded pool of keep-alive sockets. Bounded in count, time and sockets:
 * it never has more than `maxInFlight` requests outstanding (a request that would exceed it is
 * counted as `skipped`, not queued), and each request gives up after `requestTimeoutMs`.
 */
export interface FloodOptions {
  /** http://127.0.0.1:port */
  url: string;
  /** Requests offered per second. */
  rate: number;
  durationMs: number;
  sockets: number;
  maxInFlight: number;
  requestTimeoutMs?: number;
  /** Only `status` GETs (the baseline of the bench). */
  statusOnly?: boolean;
}

export interface FloodResult {
  sent: number;
  skipped: number;
  /** Answers by HTTP status. */
  byStatus: Map<number, number>;
  /** Transport errors (reset, timeout), by message. */
  errors: Map<string, number>;
  /** Answers whose body was not what their status promises (see `check`). */
  malformed: string[];
  elapsedMs: number;
}

type Req = { method: "GET" | "POST"; path: string; body?: string };

const KINDS: Req[] = [
  { method: "GET", path: "/status" },
  { method: "GET", path: "/abci_info" },
  { method: "GET", path: `/tx_search?query=${encodeURIComponent('"tx.height>=1"')}&per_page=5` },
  { method: "POST", path: "/", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "status" }) },
  { method: "POST", path: "/", body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "abci_info" }) },
  {
    method: "POST",
    path: "/",
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 3,
      method: "tx_search",
      params: { query: "tx.height>=1", per_page: "5" },
    }),
  },
];

/**
 * What an answer must be: 200 with a JSON-RPC result, or 429 with a JSON-RPC error saying the rate
 * limit was hit. Anything else is described in the returned string.
 */
export function check(status: number, body: string): string | null {
  let j: { result?: unknown; error?: { code?: number; data?: string } };
  try {
    j = JSON.parse(body);
  } catch {
    return `${status}: not JSON: ${body.slice(0, 100)}`;
  }
  if (status === 200)
    return j.result !== undefined && j.error === undefined
      ? null
      : `200 without result: ${body.slice(0, 200)}`;
  if (status === 429) {
    return j.error?.code === -32000 && /rate limit/.test(j.error.data ?? "")
      ? null
      : `429 without a rate-limit JSON-RPC error: ${body.slice(0, 200)}`;
  }
  return `unexpected status ${status}: ${body.slice(0, 200)}`;
}

const emptyResult = (): FloodResult => ({
  sent: 0,
  skipped: 0,
  byStatus: new Map(),
  errors: new Map(),
  malformed: [],
  elapsedMs: 0,
});

export async function flood(o: FloodOptions): Promise<FloodResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.sockets, maxFreeSockets: o.sockets });
  const u = new URL(o.url);
  const res = emptyResult();
  const total = Math.floor((o.rate * o.durationMs) / 1000);
  let inFlight = 0;
  let offered = 0;
  const pending = new Set<Promise<void>>();

  const one = (r: Req): Promise<void> => send(agent, u, r, o.requestTimeoutMs ?? 10_000, res);

  const start = performance.now();
  await new Promise<void>((done) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed * o.rate) / 1000));
      while (offered < due) {
        offered++;
        if (inFlight >= o.maxInFlight) {
          res.skipped++;
          continue;
        }
        const kind = o.statusOnly ? KINDS[0]! : KINDS[offered % KINDS.length]!;
        inFlight++;
        res.sent++;
        const p = one(kind).finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
      if (offered >= total || elapsed >= o.durationMs) {
        clearInterval(timer);
        done();
      }
    };
    const timer = setInterval(tick, 10);
  });
  await Promise.all(pending);
  res.elapsedMs = performance.now() - start;
  agent.destroy();
  return res;
}

/**
 * As many requests as `concurrency` keep-alive clients get answered back to back for `durationMs`
 * (the bench's measure of what the node can serve); answers and errors counted as in `flood`.
 */
export async function closedLoop(o: {
  url: string;
  concurrency: number;
  durationMs: number;
  statusOnly?: boolean;
}): Promise<FloodResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const u = new URL(o.url);
  const res = emptyResult();
  const start = performance.now();
  let n = 0;
  const worker = async () => {
    while (performance.now() - start < o.durationMs) {
      const r = o.statusOnly ? KINDS[0]! : KINDS[n++ % KINDS.length]!;
      res.sent++;
      await send(agent, u, r, 10_000, res);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  res.elapsedMs = performance.now() - start;
  agent.destroy();
  return res;
}

/** One request; its outcome is counted into `res`. Never rejects. */
function send(agent: Agent, u: URL, r: Req, timeoutMs: number, res: FloodResult): Promise<void> {
  return new Promise<void>((resolve) => {
    const fail = (e: Error) => {
      res.errors.set(e.message, (res.errors.get(e.message) ?? 0) + 1);
      resolve();
    };
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: r.method,
        path: r.path,
        headers: r.body ? { "content-type": "application/json" } : {},
        timeout: timeoutMs,
      },
      (resp) => {
        const chunks: Buffer[] = [];
        resp.on("data", (c: Buffer) => chunks.push(c));
        resp.on("end", () => {
          const status = resp.statusCode ?? 0;
          res.byStatus.set(status, (res.byStatus.get(status) ?? 0) + 1);
          const bad = check(status, Buffer.concat(chunks).toString("utf8"));
          if (bad && res.malformed.length < 20) res.malformed.push(bad);
          resolve();
        });
        resp.on("error", fail);
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timeout")));
    req.on("error", fail);
    req.end(r.body);
  });
}

/** A process's resident set size in bytes, from /proc/<pid>/status (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
