/**
 * Typed errors of the aggregation library. Every input a committee member can be handed (a
 * malformed update, a rule whose preconditions the round does not meet) fails with one of these
 * before any arithmetic, so the fl module can turn the code into a verdict (e.g. exclude the
 * participant, or fail the round) without parsing messages.
 */
export enum AggregationErrorCode {
  /** The list of updates is empty. */
  NO_UPDATES = "AGG_NO_UPDATES",
  /** An update's id is not a non-empty string. */
  INVALID_ID = "AGG_INVALID_ID",
  /** Two updates carry the same id: the canonical order (by id) would depend on input order. */
  DUPLICATE_ID = "AGG_DUPLICATE_ID",
  /** A sample count is not a positive integer within Number.MAX_SAFE_INTEGER. */
  INVALID_SAMPLES = "AGG_INVALID_SAMPLES",
  /** The sample counts add up beyond Number.MAX_SAFE_INTEGER, so float64 weights would be inexact. */
  TOO_MANY_SAMPLES = "AGG_TOO_MANY_SAMPLES",
  /** An update's layers are not an array of Float32Array. */
  INVALID_LAYERS = "AGG_INVALID_LAYERS",
  /** An update's layer count or a layer's length differs from the first update's. */
  SHAPE_MISMATCH = "AGG_SHAPE_MISMATCH",
  /** A parameter is NaN or infinite (of an update `id`, or of FLTrust's global or reference `input`). */
  NON_FINITE = "AGG_NON_FINITE",
  /** The number of tolerated Byzantine updates f is not a non-negative integer. */
  INVALID_F = "AGG_INVALID_F",
  /** Multi-Krum's m is not an integer in 1..n. */
  INVALID_M = "AGG_INVALID_M",
  /** The trimmed mean's beta is not a number in [0, 0.5). */
  INVALID_BETA = "AGG_INVALID_BETA",
  /** Too few updates for the rule's f (Krum: n > 2f + 2; Bulyan: n >= 4f + 3). */
  TOO_FEW_UPDATES = "AGG_TOO_FEW_UPDATES",
  /** The rule's kind is none of fedavg, median, trimmed_mean, krum, multikrum, bulyan, trust. */
  UNKNOWN_RULE = "AGG_UNKNOWN_RULE",
  /**
   * FLTrust's global or reference model (field `input`) is not an array of Float32Array with the
   * updates' layer count and lengths.
   */
  MODEL_SHAPE_MISMATCH = "AGG_MODEL_SHAPE_MISMATCH",
  /** FLTrust: an update has no weight in the rule's weightsPpm. */
  MISSING_WEIGHT = "AGG_MISSING_WEIGHT",
  /** FLTrust: a weight is not an integer in 0..1_000_000 (millionths). */
  INVALID_WEIGHT = "AGG_INVALID_WEIGHT",
  /** FLTrust: normNano is not a non-negative bigint. */
  INVALID_NORM = "AGG_INVALID_NORM",
  /** Encoded bytes do not have the length the layer shape asks for. */
  ENCODING_LENGTH = "AGG_ENCODING_LENGTH",
}

export interface AggregationErrorType {
  code: AggregationErrorCode;
  [field: string]: string | number | undefined;
}

export class AggregationError extends Error {
  readonly type: AggregationErrorType;

  constructor(type: AggregationErrorType | AggregationErrorCode, message?: string) {
    const t = typeof type === "string" ? { code: type } : type;
    super(message ?? t.code);
    this.name = "AggregationError";
    this.type = t;
  }

  get code(): AggregationErrorCode {
    return this.type.code;
  }
}

export const isAggregationError = (e: unknown, code?: AggregationErrorCode): e is AggregationError =>
  e instanceof AggregationError && (code === undefined || e.code === code);
