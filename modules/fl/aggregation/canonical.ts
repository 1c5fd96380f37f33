import type { CanonicalUpdates, ModelUpdate } from "./types.ts";
import { validateUpdates } from "./validate.ts";

/**
 * Validates the updates and puts them in canonical order: by id, compared as UTF-8 bytes (the
 * chain's key order; JS string comparison would order by UTF-16 code units instead). Every rule
 * works on this order only, which is what makes the result independent of the order in which the
 * committee member happened to fetch the updates. `finite: false` skips the scan for NaN and
 * infinities (validateUpdates), for FedAvg only, whose sums detect them (fedavg.ts).
 */
export function canonicalize(updates: readonly ModelUpdate[], finite = true): CanonicalUpdates {
  const shape = validateUpdates(updates, finite);
  const keyed = updates.map((u) => ({ u, key: Buffer.from(u.id, "utf8") }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return {
    ids: keyed.map(({ u }) => u.id),
    samples: keyed.map(({ u }) => Number(u.samples)),
    rows: keyed.map(({ u }) => u.layers),
    shape,
  };
}

/** The rows of one layer, one per update, in canonical order. */
export function layerRows(c: CanonicalUpdates, layer: number): Float32Array[] {
  return c.rows.map((r) => r[layer]!);
}
