import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type AggregateOutcome, type AggregateRequest, runAggregation } from "./aggregate-job.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

interface Pending {
  resolve: (o: AggregateOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * Runs aggregations off the node's event loop, in one worker thread started on first use and kept.
 * Measured with `pnpm bench:fl-service` (20 updates x 1M parameters, 2 shared cores): inline, the
 * event loop stalls for the whole aggregation, 90 ms (fedavg) to 315 ms (bulyan), during which
 * consensus timeouts, votes and RPC wait; in the worker the longest stall is 3-5 ms (posting the
 * request). Larger models and more updates scale those stalls linearly or worse. Requests queue
 * in the worker, one at a time; input
 * bytes are transferred, not copied (the caller's arrays are detached afterwards: copying would
 * stall the event loop); the result comes back copied (aggregate-worker.ts says why). A worker that dies fails its pending requests and is replaced by the next request.
 * `inline: true` runs on the calling thread (benchmarks, comparisons).
 */
export class Aggregator {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: { inline?: boolean } = {}) {}

  run(req: AggregateRequest): Promise<AggregateOutcome> {
    if (this.closed)
      return Promise.reject(new FlServiceError(FlServiceErrorCode.STOPPED, "aggregator closed"));
    if (this.o.inline) {
      try {
        return Promise.resolve(runAggregation(req));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    const inputs = req.inputs.map((u) => {
      // Only a buffer the bytes own entirely may be transferred (a small Buffer is a slice of
      // Node's shared pool, which transferring would detach for everyone), and only once (two
      // participants may have uploaded the same bytes).
      const own =
        u.bytes.buffer instanceof ArrayBuffer &&
        u.bytes.byteOffset === 0 &&
        u.bytes.byteLength === u.bytes.buffer.byteLength &&
        !transfer.includes(u.bytes.buffer);
      const bytes = own ? u.bytes : u.bytes.slice();
      transfer.push(bytes.buffer as ArrayBuffer);
      return { ...u, bytes };
    });
    return new Promise<AggregateOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, req: { ...req, inputs } }, transfer);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = spawn();
    w.unref();
    w.on(
      "message",
      (m: { id: number; out?: AggregateOutcome; error?: { code?: string; message: string } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.out) p.resolve(m.out);
        else
          p.reject(
            new FlServiceError(
              (m.error?.code as FlServiceErrorCode | undefined) ?? FlServiceErrorCode.WORKER,
              m.error?.message ?? "aggregation failed",
            ),
          );
      },
    );
    const fail = (why: string) => {
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new FlServiceError(FlServiceErrorCode.WORKER, why));
      }
    };
    w.on("error", (e) => fail(`aggregation worker failed: ${e.message}`));
    w.on("exit", (code) => fail(`aggregation worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  /** Terminates the worker; pending requests fail with STOPPED. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new FlServiceError(FlServiceErrorCode.STOPPED, "aggregator closed"));
    }
    await w?.terminate();
  }
}

/**
 * The worker runs aggregate-worker next to this file. Under tsx (sources run as .ts) a worker
 * thread does not inherit the TypeScript loader, so it registers tsx's ESM hooks first.
 */
function spawn(): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const file = new URL(`./aggregate-worker${ext}`, import.meta.url);
  if (ext !== ".ts") return new Worker(file);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true });
}
