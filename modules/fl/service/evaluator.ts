import { type EvaluateOutcome, type EvaluateRequest, runEvaluation } from "./evaluate-job.ts";
import { WorkerJobs } from "./worker-jobs.ts";

/**
 * Evaluations off the node's event loop (worker-jobs.ts), in their own worker: a reference
 * training takes seconds of CPU, which would stall consensus on the main thread and hold up
 * aggregations queued in the aggregation worker.
 */
export class Evaluator extends WorkerJobs<EvaluateRequest, EvaluateOutcome> {
  constructor(o: { inline?: boolean } = {}) {
    super({ worker: "evaluate-worker", what: "evaluation", run: runEvaluation, inline: o.inline });
  }
}
