/**
 * Typed errors of the FL aggregator service (modules/fl/service). None of them reaches consensus:
 * a job that fails is logged and, where retrying can help, retried at a later block.
 */
export enum FlServiceErrorCode {
  /** The `fl` section of config.json is invalid. */
  CONFIG = "FL_SERVICE_CONFIG",
  /** The task's rule has no aggregation here (TRUST, reserved for #6). */
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
