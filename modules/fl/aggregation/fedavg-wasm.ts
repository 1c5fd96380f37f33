/**
 * FedAvg's weighted sums in WebAssembly SIMD: the same IEEE float64 operations as the JS loop in
 * fedavg.ts, in the same order per coordinate, two coordinates per instruction. Same bytes by
 * construction: WebAssembly arithmetic is IEEE-754 with round-to-nearest-even and never fuses a
 * multiply-add (that would be relaxed SIMD's madd, not used here); promoting a float32 to float64
 * is exact; demoting the float64 mean to float32 rounds to nearest-even as a Float32Array store
 * does. Only NaN payloads may differ, and a NaN input is refused (fedavg.ts, check value).
 * test/unit/aggregation.test.ts compares both paths bit for bit.
 *
 * The inputs must be copied into the module's memory (WebAssembly cannot read another
 * ArrayBuffer): a block of each row at a time, so that the staged rows stay in L2 while the
 * kernel reads them. The staged rows are 64 bytes more than a multiple of 4 KB apart: at a
 * multiple of 4 KB the n rows' values at one coordinate would all fall in the same L1 cache set.
 *
 * The memory is made here and imported, never grown: growing a WebAssembly memory detaches its old
 * ArrayBuffer, and after the first detached ArrayBuffer V8 adds a check to every typed-array access
 * in the process (its "detaching protector"), which made the other rules' loops ~1.5x slower.
 * A round with more updates than the memory has room for gets a new memory and instance instead.
 *
 * Where WebAssembly or its SIMD is missing (node --jitless, old CPUs) `weightedSumsWasm` returns
 * undefined and fedavg.ts uses its JS loop alone.
 *
 * The kernel, in the text format (the bytes below are this, hand-assembled):
 *
 *   (module
 *     (import "env" "memory" (memory 1))
 *     (func (export "sums") (param $rows i32) (param $stride i32) (param $n i32) (param $bytes i32)
 *           (param $weights i32) (param $out i32) (param $total f64) (result f64)
 *       (local $k i32) (local $p i32) (local $wp i32) (local $i i32)
 *       (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
 *       (local $v v128) (local $w v128) (local $check v128) (local $t v128)
 *       (local.set $t (f64x2.splat (local.get $total)))
 *       (block $done
 *         (loop $group                                  ;; 8 coordinates: 32 bytes of each row
 *           (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
 *           (local.set $a0 (v128.const i64x2 0 0))       ;; +0, as is $a1, $a2, $a3
 *           ...
 *           (local.set $p (i32.add (local.get $rows) (local.get $k)))
 *           (local.set $wp (local.get $weights))
 *           (local.set $i (local.get $n))
 *           (loop $row                                  ;; rows in canonical order; n >= 1
 *             (local.set $w (v128.load (local.get $wp)))  ;; (w_i, w_i) as float64
 *             (local.set $v (v128.load (local.get $p)))
 *             (local.set $a0 (f64x2.add (local.get $a0)
 *               (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $w))))
 *             (local.set $a1 (f64x2.add (local.get $a1)
 *               (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15
 *                 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))) (local.get $w))))
 *             (local.set $v (v128.load offset=16 (local.get $p)))
 *             ... $a2 and $a3 likewise
 *             (local.set $p (i32.add (local.get $p) (local.get $stride)))
 *             (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
 *             (br_if $row (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
 *           (local.set $check (f64x2.add (local.get $check) (f64x2.add
 *             (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3)))))
 *           (v128.store (i32.add (local.get $out) (local.get $k))
 *             (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
 *               (f32x4.demote_f64x2_zero (f64x2.div (local.get $a0) (local.get $t)))
 *               (f32x4.demote_f64x2_zero (f64x2.div (local.get $a1) (local.get $t)))))
 *           (v128.store offset=16 ... $a2 and $a3 likewise)
 *           (local.set $k (i32.add (local.get $k) (i32.const 32)))
 *           (br $group)))
 *       (f64.add (f64x2.extract_lane 0 (local.get $check)) (f64x2.extract_lane 1 (local.get $check)))))
 */

import {
  BLOCK,
  br,
  brIf,
  type CompiledKernel,
  compileKernel,
  END,
  F64,
  F64_ADD,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_SUB,
  i32Const,
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

/** Bytes of each row staged at a time, all rows together (L2 is 1 MB or more on current CPUs). */
const STAGING = 1 << 19;
/** Coordinates per block at most: past this, more per block gains nothing. */
const MAX_BLOCK = 8192;
/** Added to each staged row's length, so that rows are not 4 KB-aligned to each other. */
const ROW_PAD = 64;
/** Staging memory beyond this (some 600,000 updates): the JS loop instead. */
const MAX_MEMORY = 1 << 26;

interface Kernel {
  memory: { readonly buffer: ArrayBuffer };
  sums: (
    rows: number,
    stride: number,
    n: number,
    bytes: number,
    weights: number,
    out: number,
    total: number,
  ) => number;
}

/** The compiled module, null where it cannot be had, undefined before the first try. */
let compiled: CompiledKernel | null | undefined;
let kernel: Kernel | undefined;

/** A kernel with at least `bytes` of memory, or null without WebAssembly SIMD (or that memory). */
function kernelFor(bytes: number): Kernel | null {
  if (kernel !== undefined && kernel.memory.buffer.byteLength >= bytes) return kernel;
  if (compiled === undefined) compiled = compileKernel(moduleBytes);
  if (compiled === null) return null;
  const made = instantiate(compiled, bytes);
  if (made === null) return null;
  kernel = { memory: made.memory, sums: (made.exports as Pick<Kernel, "sums">).sums };
  return kernel;
}

/**
 * Writes the weighted means of coordinates 0 .. `count` - 1 (a multiple of 8) of `rows` into `out`
 * and returns the sum of their sums (fedavg.ts's check value), or undefined when WebAssembly SIMD
 * is not available here. Needs at least one row.
 */
export function weightedSumsWasm(
  rows: readonly Float32Array[],
  w: Float64Array,
  total: number,
  out: Float32Array,
  count: number,
): number | undefined {
  const n = rows.length;
  if (n === 0) return undefined; // the kernel's row loop runs at least once
  const block = Math.max(8, Math.min(MAX_BLOCK, Math.floor(STAGING / (4 * n)) & ~7));
  const stride = 4 * block + ROW_PAD;
  const rowsAt = (16 * n + 63) & ~63;
  const outAt = rowsAt + n * stride;
  const need = outAt + 4 * block;
  if (need > MAX_MEMORY) return undefined;
  const k = kernelFor(need);
  if (k === null) return undefined;
  const f32 = new Float32Array(k.memory.buffer);
  const f64 = new Float64Array(k.memory.buffer, 0, 2 * n);
  for (let i = 0; i < n; i++) {
    f64[2 * i] = w[i]!;
    f64[2 * i + 1] = w[i]!;
  }
  let check = 0;
  for (let start = 0; start < count; start += block) {
    const m = Math.min(block, count - start);
    for (let i = 0; i < n; i++) f32.set(rows[i]!.subarray(start, start + m), (rowsAt + i * stride) >> 2);
    check += k.sums(rowsAt, stride, n, 4 * m, 0, outAt, total);
    out.set(f32.subarray(outAt >> 2, (outAt >> 2) + m), start);
  }
  return check;
}

// ---------------------------------------------------------------------------------------------
// The module's bytes, assembled from the text above.

const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const shuffle = (lanes: number[]) => simd(0x0d, ...lanes);
const HIGH_HALF = shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
const LOW_HALVES = shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
const F64X2_SPLAT = simd(0x14);
const f64x2ExtractLane = (lane: number) => simd(0x21, lane);
const F32X4_DEMOTE_F64X2_ZERO = simd(0x5e);
const F64X2_PROMOTE_LOW_F32X4 = simd(0x5f);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const F64X2_DIV = simd(0xf3);
function moduleBytes(): Uint8Array {
  // Parameters, then locals, by index.
  const [ROWS, STRIDE, N, BYTES, WEIGHTS, OUT, TOTAL] = [0, 1, 2, 3, 4, 5, 6];
  const [K, P, WP, I, A0, A1, A2, A3, V, W, CHECK, T] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  /** acc += promote(v) * w, or of v's upper two lanes. */
  const accumulate = (acc: number, upper: boolean) => [
    ...get(acc),
    ...get(V),
    ...(upper ? [...get(V), ...HIGH_HALF] : []),
    ...F64X2_PROMOTE_LOW_F32X4,
    ...get(W),
    ...F64X2_MUL,
    ...F64X2_ADD,
    ...set(acc),
  ];
  /** Four means as float32 at out + k + offset. */
  const store = (lo: number, hi: number, offset: number) => [
    ...get(OUT),
    ...get(K),
    ...I32_ADD,
    ...get(lo),
    ...get(T),
    ...F64X2_DIV,
    ...F32X4_DEMOTE_F64X2_ZERO,
    ...get(hi),
    ...get(T),
    ...F64X2_DIV,
    ...F32X4_DEMOTE_F64X2_ZERO,
    ...LOW_HALVES,
    ...v128Store(offset),
  ];
  const body = [
    ...get(TOTAL),
    ...F64X2_SPLAT,
    ...set(T),
    ...BLOCK,
    ...LOOP,
    ...get(K),
    ...get(BYTES),
    ...I32_GE_U,
    ...brIf(1),
    ...[A0, A1, A2, A3].flatMap((a) => [...V128_ZERO, ...set(a)]),
    ...get(ROWS),
    ...get(K),
    ...I32_ADD,
    ...set(P),
    ...get(WEIGHTS),
    ...set(WP),
    ...get(N),
    ...set(I),
    ...LOOP,
    ...get(WP),
    ...v128Load(0),
    ...set(W),
    ...get(P),
    ...v128Load(0),
    ...set(V),
    ...accumulate(A0, false),
    ...accumulate(A1, true),
    ...get(P),
    ...v128Load(16),
    ...set(V),
    ...accumulate(A2, false),
    ...accumulate(A3, true),
    ...get(P),
    ...get(STRIDE),
    ...I32_ADD,
    ...set(P),
    ...get(WP),
    ...i32Const(16),
    ...I32_ADD,
    ...set(WP),
    ...get(I),
    ...i32Const(1),
    ...I32_SUB,
    ...tee(I),
    ...brIf(0),
    ...END,
    ...get(CHECK),
    ...get(A0),
    ...get(A1),
    ...F64X2_ADD,
    ...get(A2),
    ...get(A3),
    ...F64X2_ADD,
    ...F64X2_ADD,
    ...F64X2_ADD,
    ...set(CHECK),
    ...store(A0, A1, 0),
    ...store(A2, A3, 16),
    ...get(K),
    ...i32Const(32),
    ...I32_ADD,
    ...set(K),
    ...br(0),
    ...END,
    ...END,
    ...get(CHECK),
    ...f64x2ExtractLane(0),
    ...get(CHECK),
    ...f64x2ExtractLane(1),
    ...F64_ADD,
  ];
  return oneFunctionModule(
    "sums",
    [I32, I32, I32, I32, I32, I32, F64],
    [F64],
    [
      [4, I32],
      [8, V128],
    ],
    body,
  );
}
