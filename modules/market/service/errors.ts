/**
 * Typed errors of the market's escrow evaluator (modules/market/service). None reaches consensus:
 * a job that fails is logged and, where retrying can help, retried at a later block.
 */
export enum MarketServiceErrorCode {
  /** The `market` section of config.json is invalid. */
  CONFIG = "MARKET_SERVICE_CONFIG",
  /** A blob or record the job needs is not available (yet): retried. */
  MISSING_INPUT = "MARKET_SERVICE_MISSING_INPUT",
  /** This validator cannot read the escrow's test set (no wrap for it, a damaged blob, a wrong count). */
  EVAL_SET = "MARKET_SERVICE_EVAL_SET",
  /** The escrow's $Model is not a model asset the chain knows. */
  MODEL = "MARKET_SERVICE_MODEL",
  /** Evaluating failed in a way every honest member meets alike (an unparsable test set). */
  EVALUATION = "MARKET_SERVICE_EVALUATION",
  /** The phase ended before the tx could be sent. */
  LATE = "MARKET_SERVICE_LATE",
  /** A reveal is owed but the committed accuracy and salt were lost (the data directory was). */
  NO_RECORD = "MARKET_SERVICE_NO_RECORD",
  /** The service is stopping. */
  STOPPED = "MARKET_SERVICE_STOPPED",
}

export class MarketServiceError extends Error {
  override name = "MarketServiceError";
  constructor(
    readonly code: MarketServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
