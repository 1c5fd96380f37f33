/** One trainer's model update as the committee fetched it. */
export interface ModelUpdate {
  /** The participant's address; the canonical order of updates is by these bytes (UTF-8). */
  readonly id: string;
  /** Training samples behind the update (FedAvg weight), a positive integer. */
  readonly samples: bigint | number;
  /** The model's weights, one flat array per layer, in the model spec's order. */
  readonly layers: readonly Float32Array[];
}

/** The aggregation rules of DESIGN section 8; f is the number of Byzantine updates tolerated. */
export type AggregationRule =
  | { readonly kind: "fedavg" }
  | { readonly kind: "median" }
  | { readonly kind: "trimmed_mean"; readonly beta: number }
  | { readonly kind: "krum"; readonly f: number }
  | { readonly kind: "multikrum"; readonly f: number; readonly m: number }
  | { readonly kind: "bulyan"; readonly f: number }
  | TrustRule;

/**
 * FLTrust (Cao et al., NDSS 2021) with the committee's agreed numbers (trust.ts): the round's
 * starting model, each update's trust weight, and the reference update's norm.
 */
export interface TrustRule {
  readonly kind: "trust";
  /** G: the global model the round started from; updates are full weights, their deltas are W - G. */
  readonly global: readonly Float32Array[];
  /** Update id -> trust weight in millionths (the chain's median of the members' reports). */
  readonly weightsPpm: ReadonlyMap<string, number>;
  /** ||R - G|| x 10^9, floored (the chain's median): the length every delta is scaled to. */
  readonly normNano: bigint;
}

export interface AggregationResult {
  /** The aggregate, one Float32Array per layer, same shape as the inputs. */
  readonly layers: Float32Array[];
  /**
   * Ids of the updates the rule kept, in canonical order: all of them for the coordinate-wise rules
   * (fedavg, median, trimmed_mean), the chosen ones for krum, multikrum and bulyan, those with a
   * weight above 0 for trust.
   */
  readonly selected: string[];
  /** The others, in canonical order: what the chain records as excluded participants. */
  readonly excluded: string[];
}

/** Validated updates in canonical order (by id bytes): the only form the rules accept. */
export interface CanonicalUpdates {
  readonly ids: readonly string[];
  /** Sample counts as exact float64 integers, each and their total <= Number.MAX_SAFE_INTEGER. */
  readonly samples: readonly number[];
  /** rows[i][l]: layer l of update i. */
  readonly rows: readonly (readonly Float32Array[])[];
  /** Length of each layer. */
  readonly shape: readonly number[];
}

/** What a rule returns: the aggregate and the canonical indices of the updates it kept, ascending. */
export interface Selection {
  layers: Float32Array[];
  selected: number[];
}
