import type { Stage } from "../proto.ts";

/**
 * The root stage (modules/fl/README.md, Finality): the round's global model is the FedAvg of the
 * subgroup aggregates, each weighted by its accepted samples, in subgroup order. The aggregation
 * library orders inputs by id bytes, so the ids are the subgroup indexes zero-padded to the width
 * of a uint32 ("subgroup-0000000002" < "subgroup-0000000010"): canonical order = subgroup order.
 */
export const rootInputId = (index: number) => `subgroup-${index.toString().padStart(10, "0")}`;

/** The root's inputs: each final subgroup's aggregate CID and accepted samples, in subgroup order. */
export function rootInputs(subgroups: readonly Stage[]): Array<{ id: string; cid: string; samples: bigint }> {
  return [...subgroups]
    .sort((a, b) => a.index - b.index)
    .map((s) => ({ id: rootInputId(s.index), cid: s.aggregateCid, samples: s.acceptedSamples }));
}
