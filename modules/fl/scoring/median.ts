// Medians of the committee's fixed-point reports (issue #6): integers only, so every node gets the
// same value. An even count takes the floor of the mean of the two middle values.

/** Median of non-negative safe integers (ppm); throws on an empty list. */
export function medianInt(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : Math.floor((v[mid - 1]! + v[mid]!) / 2);
}

/** Median of non-negative bigints; throws on an empty list. */
export function medianBig(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new Error("median of no values");
  const v = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2n;
}
