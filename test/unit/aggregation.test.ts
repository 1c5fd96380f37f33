import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sha256, toHexUpper } from "../../chain/crypto/hash.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import { canonicalize } from "../../modules/fl/aggregation/canonical.ts";
import { ColumnSorter } from "../../modules/fl/aggregation/columns.ts";
import { squaredDistances } from "../../modules/fl/aggregation/distances.ts";
import { AggregationErrorCode, isAggregationError } from "../../modules/fl/aggregation/errors.ts";
import { fedavg, weightedMeanLayerJs } from "../../modules/fl/aggregation/fedavg.ts";
import { weightedSumsWasm } from "../../modules/fl/aggregation/fedavg-wasm.ts";
import { aggregateHash, decodeLayers, encodeLayers } from "../../modules/fl/aggregation/encoding.ts";
import { krumScores } from "../../modules/fl/aggregation/krum.ts";
import { pruneNetwork, sortingNetwork } from "../../modules/fl/aggregation/network.ts";
import { networkKernel } from "../../modules/fl/aggregation/network-wasm.ts";
import { selectKth, selectTwo } from "../../modules/fl/aggregation/select.ts";
import type { AggregationRule, ModelUpdate } from "../../modules/fl/aggregation/types.ts";

// The canonical aggregation rules against fixtures computed by NumPy in float64 from the same
// float32 inputs (test/fixtures/aggregation/gen.py, with the canonical summation orders and tie
// rules), byte for byte; invariance under input order; repeatability; every precondition.

interface FixtureCase {
  name: string;
  rule: AggregationRule;
  shape: number[];
  updates: { id: string; samples: number; layers: number[][] }[];
  expected: {
    layers: number[][];
    selected: string[];
    excluded: string[];
    sha256: string;
    /** Krum and Multi-Krum cases: the n x n squared distances and the scores, float64. */
    distances?: number[];
    scores?: number[];
  };
}

const RULES = ["fedavg", "median", "trimmed_mean", "krum", "multikrum", "bulyan"] as const;
const fixtureDir = join(import.meta.dirname, "..", "fixtures", "aggregation");
const fixtures = Object.fromEntries(
  RULES.map((r) => [
    r,
    (JSON.parse(readFileSync(join(fixtureDir, `${r}.json`), "utf8")) as { cases: FixtureCase[] }).cases,
  ]),
) as Record<(typeof RULES)[number], FixtureCase[]>;

/** Fixture inputs as updates; every other sample count as a bigint, as the chain passes them. */
function updatesOf(c: FixtureCase): ModelUpdate[] {
  return c.updates.map((u, i) => ({
    id: u.id,
    samples: i % 2 === 0 ? u.samples : BigInt(u.samples),
    layers: u.layers.map((l) => {
      const a = Float32Array.from(l);
      // The JSON holds exact float32 values: the conversion must not round anything (-0 included).
      for (let k = 0; k < l.length; k++)
        assert.ok(Object.is(a[k], l[k]), `${c.name}: ${l[k]} is not a float32`);
      return a;
    }),
  }));
}

const bytesOf = (layers: readonly Float32Array[]) => Buffer.from(encodeLayers(layers));
const hex = (b: Uint8Array) => toHexUpper(b).toLowerCase();

/** Deterministic Fisher-Yates (xorshift32), so a failing permutation can be replayed. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

for (const rule of RULES) {
  test(`${rule}: every fixture case, byte for byte, with selection and hash`, () => {
    assert.ok(fixtures[rule].length >= 4);
    for (const c of fixtures[rule]) {
      const res = aggregate(updatesOf(c), c.rule);
      const expected = c.expected.layers.map((l) => Float32Array.from(l));
      assert.deepEqual(
        res.layers.map((l) => l.length),
        c.shape,
        `${c.name}: shape`,
      );
      for (let l = 0; l < expected.length; l++) {
        for (let k = 0; k < expected[l]!.length; k++) {
          // Object.is: -0 and +0 differ too. Report the first differing value, not a 4 KB diff.
          if (!Object.is(res.layers[l]![k], expected[l]![k])) {
            assert.fail(`${c.name}: layer ${l}[${k}] = ${res.layers[l]![k]}, expected ${expected[l]![k]}`);
          }
        }
      }
      assert.deepEqual(res.selected, c.expected.selected, `${c.name}: selected`);
      assert.deepEqual(res.excluded, c.expected.excluded, `${c.name}: excluded`);
      assert.equal(hex(aggregateHash(res.layers)), c.expected.sha256, `${c.name}: hash`);
    }
  });

  test(`${rule}: the same bytes and hash for every order of the inputs`, () => {
    for (const c of fixtures[rule]) {
      const updates = updatesOf(c);
      const reference = aggregate(updates, c.rule);
      for (let seed = 1; seed <= 6; seed++) {
        const res = aggregate(shuffled(updates, seed * 7919), c.rule);
        assert.ok(bytesOf(res.layers).equals(bytesOf(reference.layers)), `${c.name}: permutation ${seed}`);
        assert.deepEqual(aggregateHash(res.layers), aggregateHash(reference.layers));
        assert.deepEqual(res.selected, reference.selected);
      }
    }
  });
}

test("krum distances and scores: every float64 bit as the fixtures have them", () => {
  // A selection hides small differences in the distances; the four-lane summation rule must hold
  // exactly, as another implementation would have to match it.
  let checked = 0;
  for (const c of [...fixtures.krum, ...fixtures.multikrum]) {
    const canon = canonicalize(updatesOf(c));
    const n = canon.ids.length;
    const d = squaredDistances(canon);
    const f = (c.rule as { f: number }).f;
    const scores = krumScores(
      d,
      n,
      canon.ids.map((_, i) => i),
      f,
    );
    for (let k = 0; k < n * n; k++) {
      if (!Object.is(d[k], c.expected.distances![k])) assert.fail(`${c.name}: D[${k}] = ${d[k]}`);
    }
    for (let i = 0; i < n; i++) assert.equal(scores[i], c.expected.scores![i], `${c.name}: score ${i}`);
    checked++;
  }
  assert.ok(checked >= 10);
});

test("two runs on fresh copies of the same inputs give the same bytes", () => {
  for (const rule of RULES) {
    const c = fixtures[rule].at(-1)!;
    const a = aggregate(updatesOf(c), c.rule);
    const b = aggregate(updatesOf(c), c.rule);
    assert.ok(bytesOf(a.layers).equals(bytesOf(b.layers)), rule);
  }
});

test("a larger random round: all rules repeatable and order-independent, inputs untouched", () => {
  // Layer lengths around the column block (512) and the distance block (4096), not multiples of 4.
  const shape = [4099, 513, 1, 0];
  const updates = randomUpdates(11, shape, 42);
  const before = Buffer.concat(updates.map((u) => bytesOf(u.layers)));
  const rules: AggregationRule[] = [
    { kind: "fedavg" },
    { kind: "median" },
    { kind: "trimmed_mean", beta: 0.2 },
    { kind: "krum", f: 2 },
    { kind: "multikrum", f: 2, m: 6 },
    { kind: "bulyan", f: 2 },
  ];
  for (const rule of rules) {
    const a = aggregate(updates, rule);
    const b = aggregate(shuffled(updates, 99), rule);
    assert.deepEqual(
      a.layers.map((l) => l.length),
      shape,
    );
    assert.ok(bytesOf(a.layers).equals(bytesOf(b.layers)), rule.kind);
    assert.deepEqual(a.selected, b.selected);
    assert.equal(a.selected.length + a.excluded.length, 11);
  }
  // Krum returns a copy: changing it must not change the input.
  aggregate(updates, { kind: "krum", f: 2 }).layers[0]![0] = 12345;
  assert.ok(Buffer.concat(updates.map((u) => bytesOf(u.layers))).equals(before));
});

test("fedavg: the WebAssembly path gives the JS loop's bytes and check value", () => {
  // Values that probe the arithmetic: -0 and +0 (a column of -0 sums to +0), subnormals, the
  // float32 extremes (sums near 2^181, still finite), and ordinary ones; weights up to 2^53 / n.
  const FLT_MAX = 3.4028234663852886e38;
  const specials = [-0, 0, 1e-45, -1e-45, 1.1754942106924411e-38, FLT_MAX, -FLT_MAX, 1, -1, 0.1];
  let s = 12345;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  // Lengths around 8 (the group) and the staging block (8192 coordinates for few rows, fewer for
  // many); row counts from 1 to more than the register-free block can hold at 8192.
  for (const [n, len, big] of [
    [1, 24, false],
    [3, 9, false],
    [7, 8, true],
    [20, 8193, false],
    [20, 16_400, true],
    [37, 5_000, false],
    [300, 3_001, true],
  ] as const) {
    const rows = Array.from({ length: n }, (_, i) =>
      Float32Array.from({ length: len }, (_, c) =>
        (c + 3 * i) % 7 === 0 ? specials[(c + i) % specials.length]! : (next() - 0.5) * 10 ** (i % 5),
      ),
    );
    if (len >= 16) for (const r of rows) r.fill(-0, 8, 16); // a group of -0 columns
    const w = Float64Array.from({ length: n }, () => 1 + Math.floor(next() * (big ? 2 ** 53 / n - 1 : 5000)));
    const total = w.reduce((a, b) => a + b, 0);
    const js = new Float32Array(len);
    const jsCheck = weightedMeanLayerJs(rows, w, total, js, 0);
    const wasm = new Float32Array(len);
    const count = len & ~7;
    const wasmCheck = weightedSumsWasm(rows, w, total, wasm, count);
    assert.ok(wasmCheck !== undefined, "WebAssembly SIMD is available under Node 20");
    const tailCheck = weightedMeanLayerJs(rows, w, total, wasm, count);
    assert.ok(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer)), `n ${n} len ${len}`);
    assert.ok(Number.isFinite(jsCheck) && Number.isFinite(wasmCheck + tailCheck), `n ${n} len ${len} check`);
    if (len >= 16) assert.ok(Object.is(js[8], 0) && Object.is(wasm[15], 0));
  }
  // Through fedavg too, on updates at the float32 extremes with the largest weights allowed.
  const c = canonicalize([
    u("cif1a", [Array.from({ length: 19 }, (_, k) => (k % 2 ? FLT_MAX : -FLT_MAX))], 2 ** 52),
    u("cif1b", [Array.from({ length: 19 }, () => FLT_MAX)], 2 ** 52 - 1),
  ]);
  const res = fedavg(c);
  assert.ok(res.finite);
  const js = new Float32Array(19);
  weightedMeanLayerJs(layerRowsOf(c), Float64Array.from(c.samples), 2 ** 53 - 1, js, 0);
  assert.ok(bytesOf(res.layers).equals(bytesOf([js])));
  assert.equal(res.layers[0]![1], Math.fround(FLT_MAX));
});

test("median and trimmed mean of many updates (quickselect and native-sort paths) match a plain sort", () => {
  for (const n of [55, 56, 57, 64, 100]) {
    const updates = randomUpdates(n, [700], n);
    const med = aggregate(updates, { kind: "median" });
    const trim = aggregate(updates, { kind: "trimmed_mean", beta: 0.25 });
    const cut = Math.floor(0.25 * n);
    for (let c = 0; c < 700; c++) {
      const col = Float64Array.from(updates, (u) => u.layers[0]![c]!).sort();
      const mid = n >> 1;
      assert.equal(med.layers[0]![c], Math.fround(n % 2 ? col[mid]! : (col[mid - 1]! + col[mid]!) / 2));
      let s = 0;
      for (let k = cut; k < n - cut; k++) s += col[k]!;
      assert.equal(trim.layers[0]![c], Math.fround(s / (n - 2 * cut)), `n ${n} coordinate ${c}`);
    }
  }
});

test("sorting networks sort every 0/1 input (0-1 principle) up to 16, and pruned ones their outputs", () => {
  for (let n = 1; n <= 16; n++) {
    const net = sortingNetwork(n);
    const mid = n >> 1;
    const pruned = pruneNetwork(net, n, Math.max(0, mid - 1), mid + 1);
    assert.ok(pruned.length <= net.length);
    const a = new Int32Array(n);
    for (let bits = 0; bits < 1 << n; bits++) {
      for (let i = 0; i < n; i++) a[i] = (bits >> i) & 1;
      const b = a.slice();
      apply(net, a);
      apply(pruned, b);
      const ones = popcount(bits);
      for (let i = 0; i < n; i++) assert.equal(a[i], i >= n - ones ? 1 : 0, `n ${n} input ${bits}`);
      for (let i = Math.max(0, mid - 1); i <= mid && i < n; i++) assert.equal(b[i], a[i]);
    }
  }
});

test("quickselect: the k-th smallest for every k, on patterns that defeat pivots, with and without its budget", () => {
  const patterns: Record<string, (n: number) => number[]> = {
    random: (n) => Array.from({ length: n }, (_, i) => Math.floor(Math.sin(i * 12.9898) * 1e6)),
    duplicates: (n) => Array.from({ length: n }, (_, i) => (i * 7) % 3),
    equal: (n) => Array.from({ length: n }, () => -5),
    ascending: (n) => Array.from({ length: n }, (_, i) => i),
    descending: (n) => Array.from({ length: n }, (_, i) => n - i),
    organPipe: (n) => Array.from({ length: n }, (_, i) => Math.min(i, n - i)),
    extremes: (n) => Array.from({ length: n }, (_, i) => (i % 2 ? 2 ** 31 - 1 : -(2 ** 31))),
  };
  for (const [name, make] of Object.entries(patterns)) {
    for (const n of [1, 2, 3, 10, 57, 101]) {
      const sorted = Int32Array.from(make(n)).sort();
      for (let k = 0; k < n; k++) {
        for (const budget of [undefined, 0, 1]) {
          const a = Int32Array.from(make(n));
          selectKth(a, k, budget);
          assert.equal(a[k], sorted[k], `${name} n ${n} k ${k} budget ${budget}`);
          for (let i = 0; i < k; i++) assert.ok(a[i]! <= a[k]!);
          for (let i = k + 1; i < n; i++) assert.ok(a[i]! >= a[k]!);
        }
        if (k >= 1) {
          const b = Int32Array.from(make(n));
          selectTwo(b, k);
          assert.deepEqual([b[k - 1], b[k]], [sorted[k - 1], sorted[k]], `${name} n ${n} two at ${k}`);
        }
      }
    }
  }
});

test("column sorter: IEEE total order (-max < -0 < +0 < subnormals) for n = 1..60", () => {
  const specials = [0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.5];
  for (let n = 1; n <= 60; n++) {
    const len = 700; // two blocks, the second partial
    const rows = Array.from({ length: n }, (_, i) =>
      Float32Array.from({ length: len }, (_, c) =>
        (c + i) % 5 === 0 ? specials[(c * 7 + i) % specials.length]! : Math.sin(c * 131 + i * 17) * 1e3,
      ),
    );
    const sorter = new ColumnSorter(n);
    sorter.forEachBlock(rows, (sorted, start, m) => {
      for (let j = 0; j < m; j++) {
        const want = Float32Array.from(rows, (r) => r[start + j]!).sort(); // TypedArray sort: -0 before +0
        for (let k = 0; k < n; k++) {
          if (!Object.is(sorted[k]![j], want[k])) assert.fail(`n ${n} column ${start + j} position ${k}`);
        }
      }
    });
  }
});

test("column sorter: the WebAssembly SIMD network and the JS one give the same bytes, full and pruned", () => {
  assert.ok(networkKernel(sortingNetwork(4), 4, 8) !== null, "WebAssembly SIMD is available under Node 20");
  const specials = [0, -0, 1e-45, -1e-45, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, -1];
  for (let n = 2; n <= 56; n++) {
    const len = 600; // two blocks, the second partial
    const rows = Array.from({ length: n }, (_, i) =>
      Float32Array.from({ length: len }, (_, c) =>
        (c * 3 + i) % 7 === 0 ? specials[(c + i * 5) % specials.length]! : Math.cos(c * 37 + i * 101) * 1e4,
      ),
    );
    const mid = n >> 1;
    for (const [lo, hi] of [
      [0, n],
      [mid, mid + 1],
      [mid - 1, mid + 1],
      [Math.floor(n / 10), n - Math.floor(n / 10)],
    ] as const) {
      const seen: Buffer[] = [];
      for (const simd of [true, false]) {
        const out: number[] = [];
        new ColumnSorter(n, lo, hi, { simd }).forEachBlock(rows, (sorted, _start, m) => {
          for (let k = lo; k < hi; k++)
            out.push(...new Int32Array(sorted[k]!.buffer, sorted[k]!.byteOffset, m));
        });
        seen.push(Buffer.from(Int32Array.from(out).buffer));
      }
      assert.ok(seen[0]!.equals(seen[1]!), `n ${n} positions ${lo}..${hi - 1}`);
    }
  }
});

test("encoding: little-endian float32 concatenation, its sha256, and back", () => {
  const layers = [Float32Array.of(1, -0, 2.5), new Float32Array(0), Float32Array.of(-3.4028234663852886e38)];
  const bytes = encodeLayers(layers);
  assert.equal(Buffer.from(bytes).toString("hex"), "0000803f" + "00000080" + "00002040" + "ffff7fff");
  assert.deepEqual(aggregateHash(layers), sha256(bytes));
  const back = decodeLayers(bytes, [3, 0, 1]);
  assert.ok(bytesOf(back).equals(Buffer.from(bytes)));
  assert.ok(Object.is(back[0]![1], -0));
  expectCode(() => decodeLayers(bytes, [3, 0, 2]), AggregationErrorCode.ENCODING_LENGTH);
  // An unaligned view decodes too (blobs come as slices of larger buffers).
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.ok(bytesOf(decodeLayers(shifted.subarray(1), [3, 0, 1])).equals(Buffer.from(bytes)));
});

// ---------------------------------------------------------------------------------------------
// Preconditions: each refused with its typed error before any arithmetic.

const u = (id: string, values: number[][], samples: bigint | number = 10): ModelUpdate => ({
  id,
  samples,
  layers: values.map((v) => Float32Array.from(v)),
});
const round = (n: number) => Array.from({ length: n }, (_, i) => u(`cif1p${i}`, [[i, i + 1], [2 * i]]));

function expectCode(fn: () => unknown, code: AggregationErrorCode, fields: Record<string, unknown> = {}) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAggregationError(e, code), `expected ${code}, got ${String(e)}`);
    for (const [k, v] of Object.entries(fields)) assert.equal(e.type[k], v, `${code}.${k}`);
    assert.ok(e.message.length > 0);
    return true;
  });
}

test("krum and multikrum need n > 2f + 2", () => {
  expectCode(() => aggregate(round(4), { kind: "krum", f: 1 }), AggregationErrorCode.TOO_FEW_UPDATES, {
    n: 4,
    f: 1,
    required: 5,
  });
  expectCode(
    () => aggregate(round(6), { kind: "multikrum", f: 2, m: 1 }),
    AggregationErrorCode.TOO_FEW_UPDATES,
  );
  expectCode(() => aggregate(round(2), { kind: "krum", f: 0 }), AggregationErrorCode.TOO_FEW_UPDATES);
  assert.equal(aggregate(round(5), { kind: "krum", f: 1 }).selected.length, 1);
  assert.equal(aggregate(round(3), { kind: "krum", f: 0 }).selected.length, 1);
});

test("bulyan needs n >= 4f + 3", () => {
  expectCode(() => aggregate(round(6), { kind: "bulyan", f: 1 }), AggregationErrorCode.TOO_FEW_UPDATES, {
    n: 6,
    required: 7,
  });
  expectCode(() => aggregate(round(10), { kind: "bulyan", f: 2 }), AggregationErrorCode.TOO_FEW_UPDATES);
  assert.equal(aggregate(round(7), { kind: "bulyan", f: 1 }).selected.length, 5);
  assert.equal(aggregate(round(3), { kind: "bulyan", f: 0 }).selected.length, 3);
});

test("f and m must be integers in range", () => {
  for (const f of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    expectCode(() => aggregate(round(9), { kind: "krum", f }), AggregationErrorCode.INVALID_F);
    expectCode(() => aggregate(round(9), { kind: "bulyan", f }), AggregationErrorCode.INVALID_F);
  }
  for (const m of [0, 10, 1.5, -1]) {
    expectCode(() => aggregate(round(9), { kind: "multikrum", f: 1, m }), AggregationErrorCode.INVALID_M);
  }
  assert.equal(aggregate(round(9), { kind: "multikrum", f: 1, m: 9 }).excluded.length, 0);
});

test("trimmed_mean beta must be in [0, 0.5)", () => {
  for (const beta of [
    0.5,
    0.7,
    -0.01,
    Number.NaN,
    "0.1" as unknown as number,
    undefined as unknown as number,
  ]) {
    expectCode(() => aggregate(round(5), { kind: "trimmed_mean", beta }), AggregationErrorCode.INVALID_BETA);
  }
  aggregate(round(5), { kind: "trimmed_mean", beta: 0.4999 });
});

test("layer shapes must match: count and lengths", () => {
  const ok = round(3);
  expectCode(
    () => aggregate([...ok, u("cif1x", [[1, 2, 3], [4]])], { kind: "fedavg" }),
    AggregationErrorCode.SHAPE_MISMATCH,
    { id: "cif1x", layer: 0, length: 3, expected: 2 },
  );
  expectCode(
    () => aggregate([...ok, u("cif1x", [[1, 2]])], { kind: "median" }),
    AggregationErrorCode.SHAPE_MISMATCH,
    { layers: 1, expected: 2 },
  );
  const f64 = { id: "cif1y", samples: 1, layers: [Float64Array.of(1, 2)] } as unknown as ModelUpdate;
  expectCode(() => aggregate([...ok, f64], { kind: "fedavg" }), AggregationErrorCode.INVALID_LAYERS);
});

test("NaN and infinities are refused, naming the update, layer and offset", () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const updates = [...round(4), u("cif1bad", [[0, 1], [bad]])];
    for (const rule of ["fedavg", "median"] as const) {
      expectCode(() => aggregate(updates, { kind: rule }), AggregationErrorCode.NON_FINITE, {
        id: "cif1bad",
        layer: 1,
        offset: 0,
      });
    }
  }
  // Deep inside a long layer (the fast scan finds that something is wrong, then where).
  const long = randomUpdates(3, [10_001], 5);
  long[2]!.layers[0]![9_999] = Number.NaN;
  expectCode(() => aggregate(long, { kind: "fedavg" }), AggregationErrorCode.NON_FINITE, { offset: 9_999 });
});

test("fedavg finds NaN and infinities in its sums: the same error as the scan, for every rule", () => {
  // FedAvg skips the scan and reads non-finite values off its sums (fedavg.ts); the error must be
  // the scan's: the first bad value in input order (update, then layer, then offset). Offsets in
  // the WebAssembly part (multiples of 8) and in the JS tail; +Inf and -Inf in one coordinate
  // (their sum is NaN); a NaN with weight 1 among large weights.
  const inf = Number.POSITIVE_INFINITY;
  const cases: { bad: [number, number, number, number][]; first: [number, number, number] }[] = [
    { bad: [[2, 0, 5, Number.NaN]], first: [2, 0, 5] },
    { bad: [[4, 0, 0, Number.NaN]], first: [4, 0, 0] },
    { bad: [[0, 1, 16, inf]], first: [0, 1, 16] },
    { bad: [[1, 1, 17, -inf]], first: [1, 1, 17] },
    {
      bad: [
        [3, 0, 9, inf],
        [1, 0, 9, -inf],
      ],
      first: [1, 0, 9],
    },
    {
      bad: [
        [4, 1, 3, Number.NaN],
        [2, 1, 16, inf],
      ],
      first: [2, 1, 16],
    },
  ];
  for (const { bad, first } of cases) {
    const updates = randomUpdates(5, [12, 19], 9).map((x, i) => ({ ...x, samples: i === 4 ? 1 : 2 ** 40 }));
    for (const [i, l, k, v] of bad) updates[i]!.layers[l]![k] = v;
    const want = { id: updates[first[0]]!.id, layer: first[1], offset: first[2] };
    const rules: AggregationRule[] = [
      { kind: "fedavg" },
      { kind: "median" },
      { kind: "trimmed_mean", beta: 0.2 },
      { kind: "krum", f: 0 },
      { kind: "multikrum", f: 0, m: 2 },
      { kind: "bulyan", f: 0 },
    ];
    for (const rule of rules)
      expectCode(() => aggregate(updates, rule), AggregationErrorCode.NON_FINITE, want);
  }
  // Which error wins is unchanged: a NaN before a malformed update is reported, one after is not.
  const nanFirst = [u("cif1n", [[Number.NaN, 1], [2]]), ...round(2), u("cif1p0", [[0, 0], [0]])];
  expectCode(() => aggregate(nanFirst, { kind: "fedavg" }), AggregationErrorCode.NON_FINITE, { id: "cif1n" });
  const shapeFirst = [...round(2), u("cif1x", [[1, 2, 3], [4]]), u("cif1n", [[Number.NaN, 1], [2]])];
  expectCode(() => aggregate(shapeFirst, { kind: "fedavg" }), AggregationErrorCode.SHAPE_MISMATCH, {
    id: "cif1x",
  });
  const sameUpdate = [
    ...round(2),
    u("cif1n", [
      [Number.NaN, 1],
      [2, 3],
    ]),
  ];
  expectCode(() => aggregate(sameUpdate, { kind: "fedavg" }), AggregationErrorCode.NON_FINITE, {
    id: "cif1n",
    layer: 0,
  });
  const badSamples = [u("cif1n", [[Number.NaN, 1], [2]]), u("cif1s", [[1, 2], [3]], 0)];
  expectCode(() => aggregate(badSamples, { kind: "fedavg" }), AggregationErrorCode.NON_FINITE);
});

test("sample counts: positive integers within 2^53 - 1, also in total", () => {
  for (const samples of [0, -1, 1.5, Number.NaN, 0n, -3n, 2n ** 53n, 2 ** 53, "5" as unknown as number]) {
    expectCode(
      () => aggregate([...round(2), u("cif1s", [[1, 2], [3]], samples)], { kind: "fedavg" }),
      AggregationErrorCode.INVALID_SAMPLES,
      { id: "cif1s" },
    );
  }
  const big = Number.MAX_SAFE_INTEGER - 1;
  expectCode(
    () => aggregate([u("cif1a", [[1]], big), u("cif1b", [[1]], 2n)], { kind: "fedavg" }),
    AggregationErrorCode.TOO_MANY_SAMPLES,
  );
  // Exactly at the limit is fine, and the weights are exact: 1 and MAX - 1.
  const res = aggregate([u("cif1a", [[0]], big), u("cif1b", [[3]], 1n)], { kind: "fedavg" });
  assert.equal(res.layers[0]![0], Math.fround(3 / Number.MAX_SAFE_INTEGER));
});

test("ids, emptiness and the rule itself", () => {
  expectCode(() => aggregate([], { kind: "fedavg" }), AggregationErrorCode.NO_UPDATES);
  expectCode(
    () => aggregate([...round(3), u("cif1p1", [[0, 0], [0]])], { kind: "fedavg" }),
    AggregationErrorCode.DUPLICATE_ID,
    {
      id: "cif1p1",
    },
  );
  expectCode(() => aggregate([u("", [[1]])], { kind: "fedavg" }), AggregationErrorCode.INVALID_ID);
  const nul = null as unknown as ModelUpdate;
  expectCode(() => aggregate([u("cif1a", [[1]]), nul], { kind: "fedavg" }), AggregationErrorCode.INVALID_ID);
  expectCode(
    () => aggregate(round(3), { kind: "geomed" } as unknown as AggregationRule),
    AggregationErrorCode.UNKNOWN_RULE,
    { kind: "geomed" },
  );
});

test("canonical order is by UTF-8 bytes, not UTF-16 code units", () => {
  // UTF-8: U+FF5E (EF BD 9E) < U+FFFD (EF BF BD) < U+1F600 (F0 9F 98 80). UTF-16 code units put
  // U+1F600 (D83D DE00) first. Krum with f = 0 on equal updates keeps the canonically first one.
  const a = u("cif1\u{ff5e}", [[1]]);
  const b = u("cif1\u{1f600}", [[1]]);
  const c = u("cif1\u{fffd}", [[1]]);
  assert.ok(b.id < a.id); // UTF-16 order
  assert.deepEqual(aggregate([b, c, a], { kind: "krum", f: 0 }).selected, [a.id]);
});

// ---------------------------------------------------------------------------------------------

function randomUpdates(n: number, shape: number[], seed: number): ModelUpdate[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32 - 0.5;
  };
  return Array.from({ length: n }, (_, i) => ({
    id: `cif1r${String(i).padStart(3, "0")}`,
    samples: 1 + ((i * 37) % 50),
    layers: shape.map((len) => Float32Array.from({ length: len }, () => next() * (i === 0 ? 40 : 1))),
  }));
}

function layerRowsOf(c: ReturnType<typeof canonicalize>): Float32Array[] {
  return c.rows.map((r) => r[0]!);
}

function apply(net: Int32Array, a: Int32Array): void {
  for (let p = 0; p < net.length; p += 2) {
    const i = net[p]!;
    const j = net[p + 1]!;
    if (a[j]! < a[i]!) [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
