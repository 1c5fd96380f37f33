/**
 * Typed errors of the tx index and its query language. Every failure a tx_search caller can cause
 * (bad syntax, a query over the limits, a page out of range, a result set too large to serve) is a
 * TxQueryError whose code says which, so the RPC layer can map it without parsing messages.
 */
export enum TxQueryErrorCode {
  /** The query is empty or only whitespace. */
  EMPTY = "TX_QUERY_EMPTY",
  /** The query is longer than MAX_QUERY_BYTES. */
  TOO_LONG = "TX_QUERY_TOO_LONG",
  /** More than MAX_CONDITIONS conditions joined by AND. */
  TOO_MANY_CONDITIONS = "TX_QUERY_TOO_MANY_CONDITIONS",
  /** Lexical or grammatical error; message says what was expected and at which offset. */
  SYNTAX = "TX_QUERY_SYNTAX",
  /** Well-formed, but the operator or operand cannot apply to that key (e.g. tx.hash > 5). */
  UNSUPPORTED = "TX_QUERY_UNSUPPORTED",
  /** tx.hash operand that is not hex. */
  INVALID_HASH = "TX_QUERY_INVALID_HASH",
  /** page outside [1, pages]; message is CometBFT's. */
  PAGE_OUT_OF_RANGE = "TX_QUERY_PAGE_OUT_OF_RANGE",
  /** per_page not a positive integer (the RPC layer should already have clamped it). */
  INVALID_PER_PAGE = "TX_QUERY_INVALID_PER_PAGE",
  /** A condition matches, or a query scans, more entries than the index will handle at once. */
  TOO_MANY_RESULTS = "TX_QUERY_TOO_MANY_RESULTS",
}

export class TxQueryError extends Error {
  constructor(
    readonly code: TxQueryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TxQueryError";
  }
}
