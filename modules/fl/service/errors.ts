/**
 * Typed errors of the FL aggregator service (modules/fl/service). None of them reaches consensus:
 * a job that fails is logged and, where retrying can help, retried at a later block.
 */
export enum FlServiceErrorCode {
  /** The `fl` section of config.json is invalid. */
  CONFIG = "FL_SERVICE_CONFIG",
  /** The task's rule has no aggregation here. */
  UNSUPPORTED_RULE = "FL_SERVICE_UNSUPPORTED_RULE",
  /** Every update of the stage is missing or invalid: there is nothing to aggregate. */
  NO_VALID_UPDATES = "FL_SERVICE_NO_VALID_UPDATES",
  /** An input the stage cannot do without (a subgroup aggregate for the root) is missing or invalid. */
  MISSING_INPUT = "FL_SERVICE_MISSING_INPUT",
  /** The aggregation library refused the inputs (e.g. Krum's n > 2f + 2 after exclusions). */
  AGGREGATION = "FL_SERVICE_AGGREGATION",
  /** The aggregation worker thread failed or exited. */
  WORKER = "FL_SERVICE_WORKER",
  /** The job's report deadline passed before it could be sent. */
  LATE = "FL_SERVICE_LATE",
  /** The service is stopping. */
  STOPPED = "FL_SERVICE_STOPPED",
  /** This validator cannot read the task's eval set (no wrap for it, a damaged blob, a wrong count). */
  EVAL_SET = "FL_SERVICE_EVAL_SET",
  /** Training the reference or scoring failed (a model spec without training settings, NaN). */
  EVALUATION = "FL_SERVICE_EVALUATION",
  /** A reveal is owed but its sheet and salt were lost (the node lost its data directory). */
  NO_SHEET = "FL_SERVICE_NO_SHEET",
}

export class FlServiceError extends Error {
  override name = "FlServiceError";
  constructor(
    readonly code: FlServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
