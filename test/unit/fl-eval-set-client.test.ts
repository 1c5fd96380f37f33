/**
 * The owner's side of issue #6 in process: evaluation data read and normalized as trainers' data is,
 * prepareEvalSet against a fake staking query (the wraps open with exactly the evaluators' seeds,
 * the blob with K, the record count and CID as the chain checks them), the refusals about
 * validators, MsgCreateTask carrying #6's fields, and the join-bond balance check.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { Coin } from "@cosmjs/proto-signing";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { cidOf } from "../../chain/blobs/cid.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { ed25519FromSeed } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { VALOPER_PREFIX } from "../../client/addresses.ts";
import { DatasetError, DIGITS_PATH, loadCsvDataset, subset } from "../../client/fl/dataset.ts";
import {
  type EvalSetQueries,
  EvaluatorError,
  loadEvalData,
  prepareEvalSet,
} from "../../client/fl/eval-set.ts";
import { joinBondOf, joinBondShortfall } from "../../client/fl/join-bond.ts";
import { msgCreateTask } from "../../client/fl/msgs.ts";
import { decryptEvalSet } from "../../modules/fl/evalset/cipher.ts";
import { evalSetContext, KEY_WRAP_BYTES, unwrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import { DEFAULT_FL_PARAMS } from "../../modules/fl/params.ts";
import { MsgCreateTask, Payout, Rule, type Task } from "../../modules/fl/proto.ts";
import { checkCreateTask } from "../../modules/fl/task-spec.ts";
import { createTaskMsg } from "../helpers/fl.ts";

const CHAIN = "cifer-test";
const OWNER = toAddress(sha256(utf8("owner")).subarray(0, 20));
const CSV = "1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n2,2,2,0\n";

const keyOf = (i: number) => ed25519FromSeed(sha256(utf8(`validator ${i}`)));
const valoperOf = (i: number) => toAddress(sha256(utf8(`operator ${i}`)).subarray(0, 20), VALOPER_PREFIX);

function validator(i: number, o: { status?: BondStatus; typeUrl?: string } = {}): Validator {
  return Validator.fromPartial({
    operatorAddress: valoperOf(i),
    consensusPubkey: {
      typeUrl: o.typeUrl ?? "/cosmos.crypto.ed25519.PubKey",
      value: PubKey.encode({ key: keyOf(i).pubkey }).finish(),
    },
    status: o.status ?? BondStatus.BOND_STATUS_BONDED,
    tokens: "1000000",
  });
}

/** The staking query of a chain with these validators, served `pageSize` a page; records the statuses asked. */
function fakeQuery(validators: Validator[], pageSize = 100): EvalSetQueries & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    staking: {
      validators: async (status, key) => {
        asked.push(status);
        const all = validators.filter(
          (v) => status === "" || v.status === BondStatus[status as keyof typeof BondStatus],
        );
        const from = key ? Number(Buffer.from(key).toString()) : 0;
        const next = from + pageSize < all.length ? Buffer.from(String(from + pageSize)) : new Uint8Array();
        return QueryValidatorsResponse.fromPartial({
          validators: all.slice(from, from + pageSize),
          pagination: { nextKey: next, total: 0n },
        });
      },
    },
  };
}

const refusedWith = (pattern: RegExp) => (e: unknown) =>
  e instanceof EvaluatorError && pattern.test(e.message);

describe("evaluation data", () => {
  test("normalized to one trimmed record per line; the records counted", () => {
    const d = loadEvalData({ csv: "\r\n 1, 2,3,0 \r\n4,5,6,1\r\n\r\n7,8,9,0\n1,1,1,1\n2,2,2,0" });
    assert.equal(Buffer.from(d.plain).toString(), CSV);
    assert.equal(d.dataset.count, 5);
    assert.equal(d.dataset.features, 3);
    assert.deepEqual(loadEvalData({ csv: gzipSync(CSV) }).plain, d.plain, "gzipped bytes read alike");
    assert.deepEqual(loadEvalData({ dataset: d.dataset }).plain, d.plain, "parsed data written back alike");
  });

  test("refused: fewer than 4 records, a ragged row, a bad label, a missing file", () => {
    const cases: Array<[string, RegExp]> = [
      ["1,0\n2,1\n3,0\n", /eval set: 3 records; an eval set has 4 to 10000000/],
      ["1,2,0\n1,0\n1,2,0\n1,2,0\n", /row 2: 2 columns, expected 3/],
      ["1,0.5\n1,0\n1,0\n1,0\n", /the label must be an integer/],
      ["", /no rows/],
    ];
    for (const [csv, pattern] of cases)
      assert.throws(
        () => loadEvalData({ csv }),
        (e) => e instanceof DatasetError && pattern.test(e.message),
      );
    assert.throws(() => loadEvalData({ csvPath: "/nonexistent/eval.csv" }), /cannot read \/nonexistent/);
  });
});

describe("prepareEvalSet", () => {
  test("wraps K for every bonded validator: each opens it with its seed, and K opens the blob", async () => {
    const q = fakeQuery([
      validator(2),
      validator(1),
      validator(3, { status: BondStatus.BOND_STATUS_UNBONDED }),
    ]);
    const p = await prepareEvalSet({ query: q, chainId: CHAIN, owner: OWNER, data: { csv: CSV } });
    assert.deepEqual(q.asked, ["BOND_STATUS_BONDED"]);
    assert.equal(p.evalSet.cid, cidOf(p.blob));
    assert.equal(p.evalSet.records, 5);
    assert.deepEqual(
      p.evalSet.wraps.map((w) => w.validator),
      [valoperOf(1), valoperOf(2)].sort(),
      "the bonded ones, sorted",
    );
    const context = evalSetContext(CHAIN, OWNER, p.evalSet.cid);
    for (const w of p.evalSet.wraps) {
      const i = w.validator === valoperOf(1) ? 1 : 2;
      assert.equal(w.wrap.length, KEY_WRAP_BYTES);
      assert.deepEqual(unwrapKey(w.wrap, keyOf(i).seed, context), p.key);
      assert.throws(() => unwrapKey(w.wrap, keyOf(3).seed, context), /not for this validator's key/);
      assert.throws(() =>
        unwrapKey(w.wrap, keyOf(i).seed, evalSetContext(CHAIN, "cif1other", p.evalSet.cid)),
      );
    }
    assert.equal(Buffer.from(decryptEvalSet(p.blob, p.key)).toString(), CSV);
    assert.ok(!Buffer.from(p.blob).includes(Buffer.from("4,5,6,1")), "the blob does not show the records");
    // The chain's own checks accept the task it goes into.
    const m = createTaskMsg(OWNER, { rule: Rule.Trust, payout: Payout.Contribution, evalSet: p.evalSet });
    assert.deepEqual(checkCreateTask(m, DEFAULT_FL_PARAMS, "ucif").evalSet, p.evalSet);
  });

  test("the digits: 200 records of parsed data, validators over several pages", async () => {
    const digits = subset(
      loadCsvDataset(DIGITS_PATH),
      Array.from({ length: 200 }, (_, i) => i),
    );
    const q = fakeQuery(
      [1, 2, 3, 4, 5].map((i) => validator(i)),
      2,
    );
    const p = await prepareEvalSet({ query: q, chainId: CHAIN, owner: OWNER, data: { dataset: digits } });
    assert.equal(q.asked.length, 3, "three pages");
    assert.equal(p.evalSet.records, 200);
    assert.equal(p.evalSet.wraps.length, 5);
    const back = loadEvalData({ csv: decryptEvalSet(p.blob, p.key) }).dataset;
    assert.deepEqual(back.x, digits.x);
    assert.deepEqual(back.y, digits.y);
  });

  test("named evaluators: only those get a wrap, bonded or not", async () => {
    const q = fakeQuery([
      validator(1),
      validator(2),
      validator(3, { status: BondStatus.BOND_STATUS_UNBONDED }),
    ]);
    const p = await prepareEvalSet({
      query: q,
      chainId: CHAIN,
      owner: OWNER,
      data: { csv: CSV },
      validators: [valoperOf(3), valoperOf(1)],
    });
    assert.deepEqual(q.asked, [""]);
    assert.deepEqual(
      p.evalSet.wraps.map((w) => w.validator),
      [valoperOf(1), valoperOf(3)].sort(),
    );
    const context = evalSetContext(CHAIN, OWNER, p.evalSet.cid);
    const for3 = p.evalSet.wraps.find((w) => w.validator === valoperOf(3))!;
    assert.deepEqual(unwrapKey(for3.wrap, keyOf(3).seed, context), p.key);
  });

  test("refused: no bonded validator, an unknown or repeated evaluator, a key that is not ed25519", async () => {
    const data = loadEvalData({ csv: CSV });
    const run = (validators: Validator[], named?: string[]) =>
      prepareEvalSet({
        query: fakeQuery(validators),
        chainId: CHAIN,
        owner: OWNER,
        data,
        ...(named ? { validators: named } : {}),
      });
    await assert.rejects(run([]), refusedWith(/no bonded validator to wrap the eval set's key for/));
    await assert.rejects(
      run([validator(1, { status: BondStatus.BOND_STATUS_UNBONDING })]),
      refusedWith(/no bonded validator/),
    );
    await assert.rejects(
      run([validator(1)], [valoperOf(2)]),
      refusedWith(new RegExp(`${valoperOf(2)} is not a validator of this chain`)),
    );
    await assert.rejects(run([validator(1)], [valoperOf(1), valoperOf(1)]), refusedWith(/is named twice/));
    await assert.rejects(
      run([validator(1), validator(2, { typeUrl: "/cosmos.crypto.secp256k1.PubKey" })]),
      refusedWith(
        new RegExp(
          `validator ${valoperOf(2)} has a /cosmos.crypto.secp256k1.PubKey consensus key; eval-set keys are wrapped for ed25519 keys only`,
        ),
      ),
    );
  });
});

describe("MsgCreateTask with #6's options", () => {
  test("privacy, payout, eval set, join bond and CKKS key survive encoding", async () => {
    const p = await prepareEvalSet({
      query: fakeQuery([validator(1)]),
      chainId: CHAIN,
      owner: OWNER,
      data: { csv: CSV },
    });
    const fields = {
      ...createTaskMsg(OWNER),
      rule: Rule.Trust,
      payout: Payout.Contribution,
      evalSet: p.evalSet,
      joinBond: "1000",
    };
    const msg = msgCreateTask(fields);
    assert.equal(msg.typeUrl, "/cifer.fl.v1.MsgCreateTask");
    const back = MsgCreateTask.decode(MsgCreateTask.encode(msg.value).finish());
    assert.equal(back.payout, Payout.Contribution);
    assert.equal(back.joinBond, "1000");
    assert.deepEqual(back.evalSet, p.evalSet);
    assert.equal(back.privacy, 0);
    assert.equal(back.ckksPublicKeyCid, "");
  });
});

describe("join bonds", () => {
  const task = (joinBond: string) =>
    ({ id: 7n, joinBond, rewardPool: { denom: "ucif", amount: "1000000" } }) as Task;
  const wallet = (amount: string) => ({
    asked: [] as string[],
    async getBalance(address: string, denom: string): Promise<Coin> {
      this.asked.push(`${address} ${denom}`);
      return { denom, amount };
    },
  });

  test("a balance short of the bond is named with both amounts; no bond, no query", async () => {
    assert.deepEqual(joinBondOf(task("")), { denom: "ucif", amount: "0" });
    const none = wallet("0");
    assert.equal(await joinBondShortfall(none, "cif1t", task("0")), undefined);
    assert.deepEqual(none.asked, []);
    assert.equal(await joinBondShortfall(wallet("1000"), "cif1t", task("1000")), undefined);
    assert.equal(
      await joinBondShortfall(wallet("999"), "cif1t", task("1000")),
      "joining task 7 takes a bond of 1000ucif (0.001 CIF) (returned when the task ends unless this trainer contributed nothing); cif1t has 999ucif (0.000999 CIF)",
    );
  });
});
