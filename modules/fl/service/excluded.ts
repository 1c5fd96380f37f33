/**
 * The `excluded` list of a subgroup report: the updates this member could not use (missing: not
 * fetched in time; invalid: wrong size or a non-finite value) plus the ones the rule left out
 * (krum, multikrum and bulyan keep only their selection). The chain compares reports on (hash,
 * excluded) after sorting excluded with JavaScript's default sort (aggregate.ts), and requires
 * every entry to be an updater of the subgroup and at least one update to remain (excluded.ts):
 * this builds exactly that form, deduplicated. Pure.
 */
export function excludedList(o: {
  unusable: Iterable<string>;
  ruleExcluded: readonly string[];
  updaters: readonly string[];
}): string[] {
  const updaters = new Set(o.updaters);
  const out = [...new Set([...o.unusable, ...o.ruleExcluded])];
  for (const a of out)
    if (!updaters.has(a)) throw new Error(`${a} is not an updater of the subgroup: it cannot be excluded`);
  if (out.length >= updaters.size)
    throw new Error(
      `every one of the ${updaters.size} updates would be excluded; the chain keeps at least one`,
    );
  return out.sort();
}
