import { parentPort } from "node:worker_threads";
import { type AggregateRequest, runAggregation } from "./aggregate-job.ts";
import { FlServiceError } from "./errors.ts";

// The aggregation worker thread (aggregator.ts starts it): runs one request at a time, in arrival
// order, and transfers the aggregate's bytes back without copying.

const port = parentPort;
if (!port) throw new Error("aggregate-worker.ts runs as a worker thread");

port.on("message", (m: { id: number; req: AggregateRequest }) => {
  try {
    const out = runAggregation(m.req);
    port.postMessage({ id: m.id, out }, [out.bytes.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    port.postMessage({
      id: m.id,
      error: { code: e instanceof FlServiceError ? e.code : undefined, message: err.message },
    });
  }
});
