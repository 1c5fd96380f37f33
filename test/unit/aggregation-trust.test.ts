import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { signFlip } from "../../client/fl/attacks.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import { canonicalize } from "../../modules/fl/aggregation/canonical.ts";
import { aggregateHash, encodeLayers } from "../../modules/fl/aggregation/encoding.ts";
import { AggregationErrorCode, isAggregationError } from "../../modules/fl/aggregation/errors.ts";
import { trustCosines, trustTerms, trustWeights } from "../../modules/fl/aggregation/trust.ts";
import type { ModelUpdate, TrustRule } from "../../modules/fl/aggregation/types.ts";

// FLTrust: the members' report (trustWeights) and the rule, against fixtures NumPy / Python float64
// computed from the same float32 inputs with the same operation order
// (test/fixtures/aggregation/gen.py), byte for byte; a case small enough to check by hand;
// invariance under input order; every refusal.

interface TrustFixture {
  name: string;
  shape: number[];
  global: number[][];
  reference: number[][];
  updates: { id: string; samples: number; layers: number[][] }[];
  report: {
    ids: string[];
    cosines: number[];
    referenceNorm: number;
    weightsPpm: number[];
    referenceNormNano: string;
  };
  rule: { weightsPpm: Record<string, number>; normNano: string };
  expected: {
    layers: number[][];
    selected: string[];
    excluded: string[];
    sha256: string;
    /** The float64 steps (absent when every weight is 0): every bit, as the float32 result hides most. */
    terms?: { norms: number[]; coefficients: number[]; values: number[][] };
  };
}

const fixtures = (
  JSON.parse(
    readFileSync(join(import.meta.dirname, "..", "fixtures", "aggregation", "trust.json"), "utf8"),
  ) as { cases: TrustFixture[] }
).cases;

/** JSON numbers as float32 arrays; the fixture holds exact float32 values (-0 included). */
function f32(layers: number[][], what: string): Float32Array[] {
  return layers.map((l) => {
    const a = Float32Array.from(l);
    for (let k = 0; k < l.length; k++) assert.ok(Object.is(a[k], l[k]), `${what}: ${l[k]} is not a float32`);
    return a;
  });
}

const bytesOf = (layers: readonly Float32Array[]) => Buffer.from(encodeLayers(layers));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const model = (...layers: number[][]) => layers.map((l) => Float32Array.from(l));
const upd = (id: string, ...layers: number[][]): ModelUpdate => ({
  id,
  samples: 1,
  layers: model(...layers),
});
const rule = (global: Float32Array[], weights: [string, number][], normNano: bigint): TrustRule => ({
  kind: "trust",
  global,
  weightsPpm: new Map(weights),
  normNano,
});

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

test("trust: every fixture case, the report and the aggregate byte for byte", () => {
  assert.ok(fixtures.length >= 4);
  for (const c of fixtures) {
    const updates = c.updates.map((u) => ({ id: u.id, samples: u.samples, layers: f32(u.layers, c.name) }));
    const global = f32(c.global, c.name);
    const report = trustWeights(global, updates, f32(c.reference, c.name));
    assert.deepEqual(report.ids, c.report.ids, `${c.name}: ids`);
    assert.deepEqual(report.weightsPpm, c.report.weightsPpm, `${c.name}: weights`);
    assert.equal(report.referenceNormNano, BigInt(c.report.referenceNormNano), `${c.name}: norm`);
    const cos = trustCosines(global, updates, f32(c.reference, c.name));
    sameBits(cos.cosines, c.report.cosines, `${c.name}: cosines`);
    sameBits([cos.referenceNorm], [c.report.referenceNorm], `${c.name}: reference norm`);

    const r = rule(global, Object.entries(c.rule.weightsPpm), BigInt(c.rule.normNano));
    const res = aggregate(updates, r);
    const expected = f32(c.expected.layers, c.name);
    for (let l = 0; l < expected.length; l++) {
      for (let k = 0; k < expected[l]!.length; k++) {
        if (!Object.is(res.layers[l]![k], expected[l]![k])) {
          assert.fail(`${c.name}: layer ${l}[${k}] = ${res.layers[l]![k]}, expected ${expected[l]![k]}`);
        }
      }
    }
    assert.deepEqual(res.selected, c.expected.selected, `${c.name}: selected`);
    assert.deepEqual(res.excluded, c.expected.excluded, `${c.name}: excluded`);
    assert.equal(hex(aggregateHash(res.layers)), c.expected.sha256, `${c.name}: hash`);

    const t = c.expected.terms;
    if (t === undefined) continue;
    const canon = canonicalize(updates);
    const weights = canon.ids.map((id) => c.rule.weightsPpm[id]!);
    const terms = trustTerms(canon, global, weights, Number(BigInt(c.rule.normNano)) / 1e9);
    sameBits(terms.norms, t.norms, `${c.name}: delta norms`);
    sameBits(terms.coefficients, t.coefficients, `${c.name}: coefficients`);
    sameBits(
      terms.values.flatMap((v) => [...v]),
      t.values.flat(),
      `${c.name}: float64 values`,
    );
  }
});

function sameBits(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      assert.fail(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

test("trust: a case checked by hand (one layer of 2 coordinates)", () => {
  // G = [1, -1], R = [1, 1]: Δ0 = [0, 2], ||Δ0|| = 2 -> referenceNormNano 2e9.
  //   a: W = [4, 3]     Δ = [3, 4]     ||Δ|| = 5    dot = 8    cos = 8 / (5 x 2) = 0.8
  //   b: W = [1, -0.5]  Δ = [0, 0.5]   ||Δ|| = 0.5  dot = 1    cos = 1 / (0.5 x 2) = 1
  //   c: W = [-29, -41] Δ = [-30, -40] ||Δ|| = 50   dot = -80  cos = -0.8 -> ReLU 0
  //   d: W = [5, 2]     Δ = [4, 3]     ||Δ|| = 5    dot = 6    cos = 6 / 10 = 0.6
  // Weights: the double 0.8 is 0.8 + 4.4e-17; x 10^6 = 800000 + 4.4e-11, within half a unit of
  // the last place at 8e5 (2^-34 = 5.8e-11) of 800000 -> floor 800000. The double 0.6 is 0.6 - 2.2e-17;
  // x 10^6 is 2.2e-11 below 600000, again rounded to 600000 -> 600000. So [800000, 10^6, 0, 600000].
  const G = model([1, -1]);
  const updates = [
    upd("cif1a", [4, 3]),
    upd("cif1b", [1, -0.5]),
    upd("cif1c", [-29, -41]),
    upd("cif1d", [5, 2]),
  ];
  const report = trustWeights(G, updates, model([1, 1]));
  assert.deepEqual(report.weightsPpm, [800000, 1000000, 0, 600000]);
  assert.equal(report.referenceNormNano, 2_000_000_000n);

  // Aggregate with those weights and norm = 2e9 / 1e9 = 2; W = 2,400,000.
  //   a: k = 800000 x (2 / 5) = 800000 x 0.4 -> 320000 (0.4 is 0.4 + 2.2e-17; the excess 1.8e-11 is
  //      below half a unit at 3.2e5, 2.9e-11); k Δ = [960000, 1280000].
  //   b: k = 10^6 x (2 / 0.5) = 4e6; k Δ = [0, 2e6].
  //   c: weight 0, skipped.
  //   d: k = 600000 x 0.4 -> 240000 (excess 1.33e-11, below half a unit at 2.4e5, 1.46e-11);
  //      k Δ = [960000, 720000].
  // acc = [1920000, 4000000] (all exact); / 2.4e6 = [0.8, 5/3 rounded: 1.6666666666666667407].
  // out[0] = 1 + 0.8 = 1.8 + 4.4e-17 (exact in float64); float32: 1.8 = 1.11001100110011001100110|0110...b,
  //   the rest below half -> rounded down: 0x3FE66666 (1.7999999523162842).
  // out[1] = -1 + 1.6666666666666667407 = 0.6666666666666667407 (exact, Sterbenz); float32:
  //   2/3 = 1.01010101010101010101010|1010...b x 2^-1, the rest above half -> rounded up: 0x3F2AAAAB
  //   (0.6666666865348816).
  const res = aggregate(
    updates,
    rule(
      G,
      report.ids.map((id, i) => [id, report.weightsPpm[i]!]),
      report.referenceNormNano,
    ),
  );
  assert.equal(Buffer.from(res.layers[0]!.buffer).readUInt32LE(0), 0x3fe66666);
  assert.equal(Buffer.from(res.layers[0]!.buffer).readUInt32LE(4), 0x3f2aaaab);
  assert.deepEqual(res.selected, ["cif1a", "cif1b", "cif1d"]);
  assert.deepEqual(res.excluded, ["cif1c"]);
});

test("trust: the same bytes for every order of the inputs and on every run", () => {
  const G = randomModel([37, 11], 3, 0.1);
  const updates = Array.from({ length: 5 }, (_, i) => ({
    id: `cif1u${"qpzry"[i]}`,
    samples: 10 + i,
    layers: randomModel([37, 11], 100 + i, i === 4 ? 5 : 0.05).map((l, j) => add(l, G[j]!)),
  }));
  const reference = randomModel([37, 11], 77, 0.05).map((l, j) => add(l, G[j]!));
  const report = trustWeights(G, updates, reference);
  const r = rule(
    G,
    report.ids.map((id, i) => [id, report.weightsPpm[i]!]),
    report.referenceNormNano,
  );
  const first = aggregate(updates, r);
  assert.ok(first.selected.length >= 1);
  for (let seed = 1; seed <= 8; seed++) {
    const order = shuffled(updates, seed * 7919);
    assert.deepEqual(trustWeights(G, order, reference), report, `report, permutation ${seed}`);
    const res = aggregate(order, r);
    assert.ok(bytesOf(res.layers).equals(bytesOf(first.layers)), `permutation ${seed}`);
    assert.deepEqual(res.selected, first.selected);
  }
  // Fresh copies of everything, twice.
  const copy = () => updates.map((u) => ({ ...u, layers: u.layers.map((l) => l.slice()) }));
  for (let run = 0; run < 2; run++) {
    const again = aggregate(copy(), { ...r, global: G.map((l) => l.slice()) });
    assert.ok(bytesOf(again.layers).equals(bytesOf(first.layers)), `run ${run}`);
  }
  // The report takes canonical updates as well.
  assert.deepEqual(trustWeights(G, canonicalize(updates), reference), report);
});

test("trust: all weights 0 leaves the global model as it was, bit for bit", () => {
  const G = model([-0, 0.5, -3], [1e-45]);
  const updates = [upd("cif1a", [1, 2, 3], [4]), upd("cif1b", [-1, 0, 9], [0])];
  const res = aggregate(
    updates,
    rule(
      G,
      [
        ["cif1a", 0],
        ["cif1b", 0],
      ],
      123_456_789n,
    ),
  );
  assert.ok(bytesOf(res.layers).equals(bytesOf(G)));
  assert.ok(Object.is(res.layers[0]![0], -0));
  assert.notEqual(res.layers[0], G[0], "a copy, not the caller's array");
  assert.deepEqual(res.selected, []);
  assert.deepEqual(res.excluded, ["cif1a", "cif1b"]);
});

test("trust: a sign-flipped update gets weight 0, a scaled-up one the honest weight", () => {
  const G = randomModel([50, 10], 5, 0.1);
  const step = randomModel([50, 10], 6, 0.05);
  const honest = G.map((g, l) => add(g, step[l]!));
  const reference = G.map((g, l) =>
    add(
      g,
      step[l]!.map((x, k) => x * (1 + 0.3 * Math.sin(k))),
    ),
  );
  const flipped = G.map((g, l) => signFlip(g, honest[l]!));
  const scaled = G.map((g, l) => signFlip(g, honest[l]!, -100));
  const report = trustWeights(
    G,
    [
      { id: "cif1honest", samples: 1, layers: honest },
      { id: "cif1flip", samples: 1, layers: flipped },
      { id: "cif1scaled", samples: 1, layers: scaled },
    ],
    reference,
  );
  assert.deepEqual(report.ids, ["cif1flip", "cif1honest", "cif1scaled"]);
  const [flip, h, sc] = report.weightsPpm;
  assert.equal(flip, 0);
  assert.ok(h! > 900_000, `honest weight ${h}`);
  assert.ok(Math.abs(sc! - h!) <= 1, `scaling keeps the direction: ${sc} vs ${h}`);
});

test("trust: a zero delta with a weight counts in the denominator; unknown ids are ignored", () => {
  // G = [0, 0]; a: Δ = [1, 0], b: W = G (no direction). norm 1, weights 10^6 each: acc = [10^6, 0],
  // W = 2e6 -> [0.5, 0]: b pulls the step halfway back to G.
  const G = model([0, 0]);
  const res = aggregate(
    [upd("cif1a", [1, 0]), upd("cif1b", [0, 0])],
    rule(
      G,
      [
        ["cif1a", 1_000_000],
        ["cif1b", 1_000_000],
        ["cif1gone", 1],
      ],
      1_000_000_000n,
    ),
  );
  assert.deepEqual([...res.layers[0]!], [0.5, 0]);
  assert.deepEqual(res.selected, ["cif1a", "cif1b"]);
  // A zero delta or a zero reference has no direction: weight 0.
  assert.deepEqual(
    trustWeights(G, [upd("cif1a", [1, 0]), upd("cif1b", [0, 0])], model([1, 1])).weightsPpm,
    [707106, 0],
  );
  assert.deepEqual(trustWeights(G, [upd("cif1a", [1, 0])], G), {
    ids: ["cif1a"],
    weightsPpm: [0],
    referenceNormNano: 0n,
  });
});

test("trust: refusals", () => {
  const G = model([0, 0], [1]);
  const updates = [upd("cif1a", [1, 2], [3]), upd("cif1b", [0, 1], [2])];
  const ok: [string, number][] = [
    ["cif1a", 1],
    ["cif1b", 2],
  ];
  const expectCode = (fn: () => unknown, code: AggregationErrorCode, fields: Record<string, unknown> = {}) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(isAggregationError(e, code), `expected ${code}, got ${String(e)}`);
      for (const [k, v] of Object.entries(fields)) assert.equal(e.type[k], v, `${code}.${k}`);
      return true;
    });
  expectCode(() => aggregate(updates, rule(G, [["cif1a", 1]], 1n)), AggregationErrorCode.MISSING_WEIGHT, {
    id: "cif1b",
  });
  for (const w of [-1, 1.5, 1_000_001, Number.NaN, "5" as unknown as number]) {
    expectCode(
      () =>
        aggregate(
          updates,
          rule(
            G,
            [
              ["cif1a", 1],
              ["cif1b", w],
            ],
            1n,
          ),
        ),
      AggregationErrorCode.INVALID_WEIGHT,
      { id: "cif1b" },
    );
  }
  const notMap = { ...rule(G, ok, 1n), weightsPpm: { cif1a: 1 } as unknown as Map<string, number> };
  expectCode(() => aggregate(updates, notMap), AggregationErrorCode.INVALID_WEIGHT);
  for (const n of [-1n, 2n ** 64n, 5 as unknown as bigint]) {
    expectCode(() => aggregate(updates, rule(G, ok, n)), AggregationErrorCode.INVALID_NORM);
  }
  aggregate(updates, rule(G, ok, 2n ** 64n - 1n));
  expectCode(
    () => aggregate(updates, rule(model([0, 0]), ok, 1n)),
    AggregationErrorCode.MODEL_SHAPE_MISMATCH,
    { input: "global" },
  );
  expectCode(
    () => aggregate(updates, rule(model([0, 0], [1, 2]), ok, 1n)),
    AggregationErrorCode.MODEL_SHAPE_MISMATCH,
  );
  expectCode(
    () => aggregate(updates, rule(model([0, Number.NaN], [1]), ok, 1n)),
    AggregationErrorCode.NON_FINITE,
    { input: "global", layer: 0, offset: 1 },
  );
  expectCode(
    () => aggregate([...updates, upd("cif1c", [0, Number.POSITIVE_INFINITY], [0])], rule(G, ok, 1n)),
    AggregationErrorCode.NON_FINITE,
    { id: "cif1c" },
  );
  expectCode(() => trustWeights(G, updates, model([0, 0])), AggregationErrorCode.MODEL_SHAPE_MISMATCH, {
    input: "reference",
  });
  expectCode(
    () => trustWeights(G, updates, model([0, 0], [Number.NEGATIVE_INFINITY])),
    AggregationErrorCode.NON_FINITE,
    { input: "reference", layer: 1, offset: 0 },
  );
  expectCode(() => trustWeights(G, [], G), AggregationErrorCode.NO_UPDATES);
});

function randomModel(shape: number[], seed: number, scale: number): Float32Array[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32 - 0.5;
  };
  return shape.map((len) => Float32Array.from({ length: len }, () => next() * scale));
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((x, k) => x + b[k]!);
}
