/** Network helpers of the testnet runner: port checks and waiting for a node's RPC. */
import { createServer } from "node:net";

/** Resolves when nothing listens on host:port (we could bind it), rejects with a clear message otherwise. */
export function assertPortFree(port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", (e: NodeJS.ErrnoException) => {
      reject(
        new Error(
          e.code === "EADDRINUSE"
            ? `${what} port ${port} is already in use (another node or testnet running?); stop it or choose --base-port`
            : `cannot use ${what} port ${port}: ${e.message}`,
        ),
      );
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Latest block height reported by GET <rpc>/status, or undefined when the node does not answer (yet). */
export async function statusHeight(rpcUrl: string, timeoutMs = 2000): Promise<number | undefined> {
  try {
    const res = await fetch(`${rpcUrl}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
    const h = Number(body.result?.sync_info?.latest_block_height);
    return Number.isSafeInteger(h) ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls until the node reports height >= minHeight. Bounded by `timeoutMs`; `abort` is checked every
 * round so a dead process ends the wait at once.
 */
export async function waitForHeight(
  rpcUrl: string,
  opts: { minHeight?: number; timeoutMs: number; intervalMs?: number; abort?: () => Error | undefined },
): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  const minHeight = opts.minHeight ?? 1;
  const interval = opts.intervalMs ?? 250;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw aborted;
    const h = await statusHeight(rpcUrl);
    if (h !== undefined && h >= minHeight) return h;
    if (Date.now() >= deadline) {
      throw new Error(
        `the node at ${rpcUrl} did not reach height ${minHeight} within ${Math.round(opts.timeoutMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
