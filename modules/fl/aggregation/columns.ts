import { pruneNetwork, sortingNetwork } from "./network.ts";
import { type NetworkKernel, networkKernel } from "./network-wasm.ts";
import { selectKth, selectTwo } from "./select.ts";

/** Coordinates sorted per pass; n rows of this many int32 stay in L1/L2. */
export const COLUMN_BLOCK = 512;
/**
 * Above this many updates a column is sorted with the native TypedArray sort instead (or, when one
 * or two positions are asked for, a median, quickselect): the network grows as n log^2 n, a
 * comparison sort as n log n (measured on x64, Node 20: the network is 1.9x faster at 16, 1.4x at
 * 48, even at 56-64).
 */
const NETWORK_MAX = 56;

/**
 * Sorts the coordinate columns of a layer (one row per update) block by block. Values are sorted as
 * float32 by their IEEE total order: the bits b become the int32 key b ^ ((b >> 31) & 0x7fffffff),
 * which orders -inf < ... < -0 < +0 < ... < +inf, so the sorted column is the same sequence of values
 * whatever the input order (also for -0 and +0, which float comparison would leave in input order).
 * Integer keys also let the compare-exchange be branch-free: a swap mask from the comparison.
 */
export class ColumnSorter {
  private readonly net: Int32Array | undefined;
  private readonly keys: Int32Array[] = [];
  private readonly values: Float32Array[] = [];
  private readonly column: Int32Array;
  private readonly kernel: NetworkKernel | undefined;

  /**
   * Sorts n values per column; only positions lo..hi-1 of the result are guaranteed sorted. The
   * network runs in WebAssembly SIMD (network-wasm.ts) where it can, else in JS; `o.simd: false`
   * forces JS (tests compare the two).
   */
  constructor(
    readonly n: number,
    private readonly lo = 0,
    private readonly hi = n,
    o: { simd?: boolean } = {},
  ) {
    if (n <= NETWORK_MAX) {
      const full = sortingNetwork(n);
      this.net = lo === 0 && hi === n ? full : pruneNetwork(full, n, lo, hi);
    }
    const kernel =
      this.net !== undefined && this.net.length > 0 && o.simd !== false
        ? (networkKernel(this.net, n, COLUMN_BLOCK) ?? undefined)
        : undefined;
    this.kernel = kernel;
    for (let i = 0; i < n; i++) {
      const keys = kernel ? kernel.rows[i]! : new Int32Array(COLUMN_BLOCK);
      this.keys.push(keys);
      this.values.push(new Float32Array(keys.buffer, keys.byteOffset, COLUMN_BLOCK));
    }
    this.column = new Int32Array(n);
  }

  /**
   * Calls visit(sorted, start, len) for each block of coordinates [start, start + len) of the
   * layer: sorted[k][j] is the k-th smallest value of coordinate start + j, for k in lo..hi-1.
   * The arrays are reused for the next block.
   */
  forEachBlock(
    rows: readonly Float32Array[],
    visit: (sorted: readonly Float32Array[], start: number, len: number) => void,
  ): void {
    if (rows.length !== this.n) throw new RangeError(`expected ${this.n} rows, got ${rows.length}`);
    const bits = rows.map((r) => new Int32Array(r.buffer, r.byteOffset, r.length));
    const length = rows[0]?.length ?? 0;
    for (let start = 0; start < length; start += COLUMN_BLOCK) {
      const len = Math.min(COLUMN_BLOCK, length - start);
      for (let i = 0; i < this.n; i++) toKeys(bits[i]!, start, len, this.keys[i]!);
      if (this.kernel) this.kernel.apply();
      else if (this.net) this.applyNetwork(this.net);
      else this.eachColumn(len);
      for (let k = this.lo; k < this.hi; k++) fromKeys(this.keys[k]!);
      visit(this.values, start, len);
    }
  }

  private applyNetwork(net: Int32Array): void {
    for (let p = 0; p < net.length; p += 2) {
      const x = this.keys[net[p]!]!;
      const y = this.keys[net[p + 1]!]!;
      // The whole block, also past len on the last one (stale but harmless lanes): a loop bound
      // equal to the arrays' length lets the compiler drop the bounds checks.
      for (let c = 0; c < x.length; c++) {
        const u = x[c]!;
        const v = y[c]!;
        const t = (u ^ v) & -(((v < u) as unknown as number) | 0);
        x[c] = u ^ t;
        y[c] = v ^ t;
      }
    }
  }

  private eachColumn(len: number): void {
    const col = this.column;
    const { n, lo, hi } = this;
    for (let c = 0; c < len; c++) {
      for (let i = 0; i < n; i++) col[i] = this.keys[i]![c]!;
      if (hi - lo === 1) selectKth(col, lo);
      else if (hi - lo === 2) selectTwo(col, hi - 1);
      else col.sort();
      for (let i = lo; i < hi; i++) this.keys[i]![c] = col[i]!;
    }
  }
}

function toKeys(bits: Int32Array, start: number, len: number, out: Int32Array): void {
  for (let j = 0, c = start; j < len; j++, c++) {
    const b = bits[c]!;
    out[j] = b ^ ((b >> 31) & 0x7fffffff);
  }
  // The tail of the last block: defined values, so the network's unused lanes stay integers.
  if (len < out.length) out.fill(0, len);
}

/** The key map is its own inverse (the sign bit, which selects the flip, is unchanged). */
function fromKeys(keys: Int32Array): void {
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j]!;
    keys[j] = k ^ ((k >> 31) & 0x7fffffff);
  }
}
