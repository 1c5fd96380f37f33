import {
  type AccuracyOutcome,
  type AccuracyRequest,
  type EvaluateOutcome,
  type EvaluateRequest,
  runAccuracy,
  runEvaluation,
} from "./evaluate-job.ts";
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

/**
 * One model's accuracy on a test set (the market's escrow evaluations), in an evaluation worker of
 * its own (the same worker module): the market service's jobs do not queue behind fl's stages.
 */
export class AccuracyEvaluator extends WorkerJobs<AccuracyRequest, AccuracyOutcome> {
  constructor(o: { inline?: boolean } = {}) {
    super({ worker: "evaluate-worker", what: "accuracy evaluation", run: runAccuracy, inline: o.inline });
  }
}
