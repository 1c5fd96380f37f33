import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addDecCoins,
  decCoinsFromWire,
  decCoinsToWire,
  subDecCoins,
  truncateDecCoins,
} from "../../chain/types/dec-coins.ts";
import { Dec, DecError } from "../../chain/types/dec.ts";

const d = (s: string) => Dec.parse(s);

test("arithmetic matches the SDK's dec_test.go TestArithmetic rows", () => {
  // d1, d2, mul, mulTruncate, mulRoundUp, quo, quoTruncate, quoRoundUp, add, sub
  const rows: string[][] = [
    [
      "3",
      "7",
      "21",
      "21",
      "21",
      "0.428571428571428571",
      "0.428571428571428571",
      "0.428571428571428572",
      "10",
      "-4",
    ],
    ["2", "4", "8", "8", "8", "0.5", "0.5", "0.5", "6", "-2"],
    ["100", "100", "10000", "10000", "10000", "1", "1", "1", "200", "0"],
    ["1.5", "1.5", "2.25", "2.25", "2.25", "1", "1", "1", "3", "0"],
    [
      "0.3333",
      "0.0333",
      "0.01109889",
      "0.01109889",
      "0.01109889",
      "10.009009009009009009",
      "10.009009009009009009",
      "10.009009009009009010",
      "0.3666",
      "0.3",
    ],
  ];
  for (const [a, b, mul, mulT, mulU, quo, quoT, quoU, add, sub] of rows as string[][]) {
    const x = d(a!);
    const y = d(b!);
    const eq = (got: Dec, want: string, op: string) =>
      assert.equal(got.toString(), d(want).toString(), `${a} ${op} ${b}`);
    eq(x.mul(y), mul!, "mul");
    eq(x.mulTruncate(y), mulT!, "mulTruncate");
    eq(x.mulRoundUp(y), mulU!, "mulRoundUp");
    eq(x.quo(y), quo!, "quo");
    eq(x.quoTruncate(y), quoT!, "quoTruncate");
    eq(x.quoRoundUp(y), quoU!, "quoRoundUp");
    eq(x.add(y), add!, "add");
    eq(x.sub(y), sub!, "sub");
  }
});

test("banker's rounding to integers and at the 18th decimal, truncation toward zero", () => {
  const round = (s: string) => d(s).roundInt();
  assert.deepEqual(["0.25", "0.5", "1.5", "2.5", "2.500000000000000001", "-2.5", "-3.5", "0.75"].map(round), [
    0n,
    0n,
    2n,
    2n,
    3n,
    -2n,
    -4n,
    1n,
  ]);
  assert.equal(d("-1.9").truncateInt(), -1n);
  assert.equal(d("1.000000000000000001").ceil().toString(), "2.000000000000000000");
  assert.equal(d("-1.5").ceil().toString(), "-1.000000000000000000");
  // 1/3 x 3 at 18 decimals: 0.333...333 x 3 = 0.999...999 (no hidden precision).
  assert.equal(Dec.ONE.quo(d("3")).mul(d("3")).toString(), "0.999999999999999999");
  // Half an atomic rounds to even: 0.000000000000000001 x 0.5 -> 0; 0.000000000000000003 x 0.5 -> 2 atomics.
  assert.equal(Dec.fromAtomics(1n).mul(d("0.5")).atomics, 0n);
  assert.equal(Dec.fromAtomics(3n).mul(d("0.5")).atomics, 2n);
});

test("parsing, printing and the protobuf wire form", () => {
  assert.equal(d("0.05").toString(), "0.050000000000000000");
  assert.equal(d("0.05").toProto(), "50000000000000000");
  assert.equal(Dec.fromProto("50000000000000000").toString(), "0.050000000000000000");
  assert.equal(Dec.fromProto("").isZero(), true);
  assert.equal(Dec.withPrec(5n, 2).toString(), "0.050000000000000000");
  assert.equal(d("-12").toString(), "-12.000000000000000000");
  for (const bad of ["", "1.", ".5", "1e5", "0.0000000000000000001", "--1", " 1"])
    assert.throws(() => d(bad), DecError, bad);
  assert.throws(() => Dec.fromProto("1.5"), DecError);
  assert.throws(() => Dec.ONE.quo(Dec.ZERO), DecError);
  assert.throws(() => Dec.fromInt(1n << 300n), DecError);
});

test("DecCoins add, subtract, truncate and round-trip the wire", () => {
  const a = [
    { denom: "ucif", amount: d("1.5") },
    { denom: "atom", amount: d("2") },
  ];
  const b = [{ denom: "ucif", amount: d("0.75") }];
  const sum = addDecCoins(a, b);
  assert.deepEqual(
    sum.map((c) => [c.denom, c.amount.toString()]),
    [
      ["atom", "2.000000000000000000"],
      ["ucif", "2.250000000000000000"],
    ],
  );
  assert.deepEqual(
    subDecCoins(sum, a).map((c) => [c.denom, c.amount.toString()]),
    [["ucif", "0.750000000000000000"]],
  );
  assert.throws(() => subDecCoins(b, a), DecError);
  const { coins, change } = truncateDecCoins(sum);
  assert.deepEqual(coins, [
    { denom: "atom", amount: 2n },
    { denom: "ucif", amount: 2n },
  ]);
  assert.deepEqual(
    change.map((c) => [c.denom, c.amount.toString()]),
    [["ucif", "0.250000000000000000"]],
  );
  assert.deepEqual(decCoinsFromWire(decCoinsToWire(sum)), sum);
});
