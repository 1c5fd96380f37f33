import { runEvaluateJob } from "./evaluate-job.ts";
import { serveJobs } from "./worker-jobs.ts";

// The evaluation worker thread (evaluator.ts starts it): TensorFlow.js training and inference stay
// off the node's event loop, and apart from aggregations, which must not wait behind them. It
// serves fl's stage evaluations and the market's model accuracies alike.
serveJobs(runEvaluateJob);
