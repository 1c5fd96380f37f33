import { type AggregateOutcome, type AggregateRequest, runStageAggregation } from "./aggregate-job.ts";
import { WorkerJobs } from "./worker-jobs.ts";

/**
 * Aggregations off the node's event loop (worker-jobs.ts). Measured with `pnpm bench:fl-service`
 * (20 updates x 1M parameters, 2 shared cores): inline, the event loop stalls for the whole
 * aggregation, 90 ms (fedavg) to 315 ms (bulyan), during which consensus timeouts, votes and RPC
 * wait; in the worker the longest stall is 3-5 ms (posting the request). Larger models and more
 * updates scale those stalls linearly or worse. Input bytes are transferred, not copied (copying
 * would stall the event loop); the caller's arrays are detached afterwards.
 */
export class Aggregator extends WorkerJobs<AggregateRequest, AggregateOutcome> {
  constructor(o: { inline?: boolean } = {}) {
    super({
      worker: "aggregate-worker",
      what: "aggregation",
      run: runStageAggregation,
      inline: o.inline,
      transfer,
    });
  }
}

function transfer(req: AggregateRequest): { req: AggregateRequest; transfer: ArrayBuffer[] } {
  const moved: ArrayBuffer[] = [];
  const inputs = req.inputs.map((u) => {
    // Only a buffer the bytes own entirely may be transferred (a small Buffer is a slice of Node's
    // shared pool, which transferring would detach for everyone), and only once (two participants
    // may have uploaded the same bytes).
    const own =
      u.bytes.buffer instanceof ArrayBuffer &&
      u.bytes.byteOffset === 0 &&
      u.bytes.byteLength === u.bytes.buffer.byteLength &&
      !moved.includes(u.bytes.buffer);
    const bytes = own ? u.bytes : u.bytes.slice();
    moved.push(bytes.buffer as ArrayBuffer);
    return { ...u, bytes };
  });
  return { req: { ...req, inputs }, transfer: moved };
}
