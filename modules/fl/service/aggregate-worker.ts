import { runStageAggregation } from "./aggregate-job.ts";
import { serveJobs } from "./worker-jobs.ts";

// The aggregation worker thread (aggregator.ts starts it).
serveJobs(runStageAggregation);
