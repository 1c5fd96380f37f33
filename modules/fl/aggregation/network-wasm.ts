/**
 * A sorting network's compare-exchanges (network.ts) across a block of columns in WebAssembly
 * SIMD, four columns per instruction: i32x4.min_s to the lower row, i32x4.max_s to the upper. That
 * is what columns.ts's branch-free JS loop computes on the same int32 keys (the smaller key to the
 * first row of the pair, the larger to the second), so both give the same bytes;
 * test/unit/aggregation.test.ts compares them. Where WebAssembly SIMD is missing, `networkKernel`
 * returns null and columns.ts runs its JS loop.
 *
 * The rows live in the kernel's memory (WebAssembly cannot read another ArrayBuffer), `stride`
 * bytes apart with 64 bytes to spare so that they are not 4 KB-aligned to each other (the n values
 * of one column would then share an L1 cache set). The pairs are stored as byte offsets of their
 * two rows.
 *
 *   (module
 *     (import "env" "memory" (memory 1))
 *     (func (export "network") (param $p i32) (param $end i32) (param $rowBytes i32)
 *       (local $x i32) (local $y i32) (local $c i32) (local $u v128) (local $v v128)
 *       (block $done
 *         (loop $pair
 *           (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
 *           (local.set $x (i32.load (local.get $p)))
 *           (local.set $y (i32.load offset=4 (local.get $p)))
 *           (local.set $c (i32.const 0))
 *           (loop $lanes                                 ;; 8 columns a turn; rowBytes % 32 = 0
 *             (local.set $u (v128.load (i32.add (local.get $x) (local.get $c))))
 *             (local.set $v (v128.load (i32.add (local.get $y) (local.get $c))))
 *             (v128.store (i32.add (local.get $x) (local.get $c)) (i32x4.min_s (local.get $u) (local.get $v)))
 *             (v128.store (i32.add (local.get $y) (local.get $c)) (i32x4.max_s (local.get $u) (local.get $v)))
 *             ... the same at offset=16
 *             (br_if $lanes (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 32)))
 *                                     (local.get $rowBytes))))
 *           (local.set $p (i32.add (local.get $p) (i32.const 8)))
 *           (br $pair))))
 */
import {
  BLOCK,
  br,
  brIf,
  type CompiledKernel,
  compileKernel,
  END,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_LT_U,
  i32Const,
  i32Load,
  instantiate,
  LOOP,
  oneFunctionModule,
  set,
  simd,
  tee,
  V128,
  v128Load,
  v128Store,
} from "./wasm-asm.ts";

/** Added to each row's length, so that rows are not 4 KB-aligned to each other. */
const ROW_PAD = 64;

/** Rows of int32 keys in a kernel's memory, and the network applied to them. */
export interface NetworkKernel {
  /** Row i's keys: `rowLength` int32 in the kernel's memory. */
  readonly rows: Int32Array[];
  /** Applies every pair of the network, in order, to all `rowLength` columns of the rows. */
  apply(): void;
}

/** The compiled module, null where it cannot be had, undefined before the first try. */
let compiled: CompiledKernel | null | undefined;

/**
 * A kernel for `net` (flat pairs over rows 0..n-1) on n rows of `rowLength` keys (a multiple of
 * 8), or null without WebAssembly SIMD.
 */
export function networkKernel(net: Int32Array, n: number, rowLength: number): NetworkKernel | null {
  if (rowLength % 8 !== 0 || rowLength === 0)
    throw new RangeError(`row length ${rowLength}: a multiple of 8`);
  if (compiled === undefined) compiled = compileKernel(moduleBytes);
  if (compiled === null) return null;
  const pairsBytes = 4 * net.length;
  const rowsAt = (pairsBytes + 63) & ~63;
  const stride = 4 * rowLength + ROW_PAD;
  const made = instantiate(compiled, rowsAt + n * stride);
  if (made === null) return null;
  const { buffer } = made.memory;
  const pairs = new Int32Array(buffer, 0, net.length);
  for (let q = 0; q < net.length; q++) pairs[q] = rowsAt + net[q]! * stride;
  const rows = Array.from({ length: n }, (_, i) => new Int32Array(buffer, rowsAt + i * stride, rowLength));
  const run = (made.exports as { network: (p: number, end: number, rowBytes: number) => void }).network;
  return { rows, apply: () => run(0, pairsBytes, 4 * rowLength) };
}

// ---------------------------------------------------------------------------------------------
// The module's bytes, assembled from the text above.

const I32X4_MIN_S = simd(0xb6);
const I32X4_MAX_S = simd(0xb8);

function moduleBytes(): Uint8Array {
  const [P, END_AT, ROW_BYTES, X, Y, C, U, V] = [0, 1, 2, 3, 4, 5, 6, 7];
  /** min to row x, max to row y, of the four columns at c + offset. */
  const exchange = (offset: number) => [
    ...get(X),
    ...get(C),
    ...I32_ADD,
    ...v128Load(offset),
    ...set(U),
    ...get(Y),
    ...get(C),
    ...I32_ADD,
    ...v128Load(offset),
    ...set(V),
    ...get(X),
    ...get(C),
    ...I32_ADD,
    ...get(U),
    ...get(V),
    ...I32X4_MIN_S,
    ...v128Store(offset),
    ...get(Y),
    ...get(C),
    ...I32_ADD,
    ...get(U),
    ...get(V),
    ...I32X4_MAX_S,
    ...v128Store(offset),
  ];
  const body = [
    ...BLOCK,
    ...LOOP,
    ...get(P),
    ...get(END_AT),
    ...I32_GE_U,
    ...brIf(1),
    ...get(P),
    ...i32Load(0),
    ...set(X),
    ...get(P),
    ...i32Load(4),
    ...set(Y),
    ...i32Const(0),
    ...set(C),
    ...LOOP,
    ...exchange(0),
    ...exchange(16),
    ...get(C),
    ...i32Const(32),
    ...I32_ADD,
    ...tee(C),
    ...get(ROW_BYTES),
    ...I32_LT_U,
    ...brIf(0),
    ...END, // $lanes
    ...get(P),
    ...i32Const(8),
    ...I32_ADD,
    ...set(P),
    ...br(0),
    ...END, // $pair
    ...END, // $done
  ];
  return oneFunctionModule(
    "network",
    [I32, I32, I32],
    [],
    [
      [3, I32],
      [2, V128],
    ],
    body,
  );
}
