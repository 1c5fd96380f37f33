/**
 * Quickselect (Hoare partition, median-of-three pivot) on int32 keys: afterwards a[k] is the k-th
 * smallest (0-based), everything before it <= a[k], everything after >= a[k]. Expected O(n), where
 * a median only needs one or two order statistics and a sort would pay O(n log n). Update values
 * come from the participants, who could craft a column that drives the pivots to O(n^2): after
 * `budget` partitions (twice the expected depth) the array is sorted instead, which gives the same
 * a[k] (the k-th smallest is one value however it is found).
 */
export function selectKth(a: Int32Array, k: number, budget = 2 * (32 - Math.clz32(a.length)) + 4): void {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    if (budget-- <= 0) {
      a.sort();
      return;
    }
    const mid = (lo + hi) >> 1;
    // Order a[lo] <= a[mid] <= a[hi]; the middle one is the pivot and the ends are sentinels.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot, a[i..hi] >= pivot, and anything between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** selectKth for k, then the largest of a[0..k) moved to a[k - 1]: the two middle values of an even count. */
export function selectTwo(a: Int32Array, k: number): void {
  selectKth(a, k);
  let m = 0;
  for (let i = 1; i < k; i++) if (a[i]! > a[m]!) m = i;
  swap(a, m, k - 1);
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
