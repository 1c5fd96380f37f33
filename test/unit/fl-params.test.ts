import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChainError } from "../../chain/app/errors.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { cidFromDigest, parseCid } from "../../modules/fl/cid.ts";
import { FL_CODESPACE, FlCode } from "../../modules/fl/errors.ts";
import { expectedUpdateBytes, parseModelSpec } from "../../modules/fl/model-spec.ts";
import { DEFAULT_FL_PARAMS, type FlParams } from "../../modules/fl/params.ts";
import {
  MsgCreateTask,
  type MsgCreateTask as MsgCreateTaskT,
  QueryTasksRequest,
  QueryTasksResponse,
  Rule,
} from "../../modules/fl/proto.ts";
import { checkCreateTask } from "../../modules/fl/task-spec.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { anyOf, createTaskMsg, FL_ACCOUNT, FlDriver, MODEL_BYTES, MODEL_SPEC } from "../helpers/fl.ts";
import { devKey, type TestKey } from "../helpers/signer.ts";

// MsgCreateTask refuses every task that could never run, each with its own typed error, before
// anything is written or escrowed: checked on the pure function and through the real app (fee
// charged, nothing else changed).

/** A smaller spec limit than the default, so a too-large spec still fits the test's gas. */
const SPEC_LIMIT = 2048n;
const PARAMS: FlParams = { ...DEFAULT_FL_PARAMS, maxModelSpecBytes: SPEC_LIMIT };

const spec = (weightSpecs: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ modelTopology: { class_name: "Sequential", config: {} }, weightSpecs, ...extra });
const w = (shape: unknown, dtype = "float32", name = "w") => ({ name, shape, dtype });

/** [what, changes to a valid MsgCreateTask, the code of its refusal]. */
const IMPOSSIBLE: Array<[string, Record<string, unknown>, FlCode]> = [
  ["model spec not JSON", { modelSpec: "{not json" }, FlCode.InvalidModelSpec],
  ["model spec not an object", { modelSpec: "[1,2]" }, FlCode.InvalidModelSpec],
  ["no modelTopology", { modelSpec: JSON.stringify({ weightSpecs: [w([2])] }) }, FlCode.InvalidModelSpec],
  ["no weightSpecs", { modelSpec: spec(undefined) }, FlCode.InvalidModelSpec],
  ["empty weightSpecs", { modelSpec: spec([]) }, FlCode.InvalidModelSpec],
  ["int32 weights", { modelSpec: spec([w([2], "int32")]) }, FlCode.InvalidModelSpec],
  ["a zero dim", { modelSpec: spec([w([3, 0])]) }, FlCode.InvalidModelSpec],
  ["a fractional dim", { modelSpec: spec([w([2.5])]) }, FlCode.InvalidModelSpec],
  ["a negative dim", { modelSpec: spec([w([-1])]) }, FlCode.InvalidModelSpec],
  ["duplicate weight names", { modelSpec: spec([w([2]), w([3])]) }, FlCode.InvalidModelSpec],
  [
    "quantized weights",
    { modelSpec: spec([{ ...w([2]), quantization: { dtype: "uint8" } }]) },
    FlCode.InvalidModelSpec,
  ],
  ["weights inside the spec", { modelSpec: spec([w([2])], { weightData: "AAAA" }) }, FlCode.InvalidModelSpec],
  ["more parameters than the limit", { modelSpec: spec([w([10_000, 1001])]) }, FlCode.ModelTooLarge],
  [
    "a spec over the size limit",
    { modelSpec: spec([w([2], "float32", "x".repeat(3000))]) },
    FlCode.ModelTooLarge,
  ],
  ["reward pool in another denom", { rewardPool: { denom: "uatom", amount: "5" } }, FlCode.InvalidRewardPool],
  ["reward pool of zero", { rewardPool: { denom: "ucif", amount: "0" } }, FlCode.InvalidRewardPool],
  ["no reward pool", { rewardPool: undefined }, FlCode.InvalidRewardPool],
  ["zero rounds", { rounds: 0 }, FlCode.InvalidRounds],
  ["more rounds than the limit", { rounds: 1001 }, FlCode.InvalidRounds],
  ["rounds shorter than the minimum", { roundBlocks: 1n }, FlCode.InvalidRoundBlocks],
  ["rounds longer than the maximum", { roundBlocks: 1_000_001n }, FlCode.InvalidRoundBlocks],
  ["min participants 0", { minParticipants: 0 }, FlCode.InvalidParticipants],
  ["max below min", { minParticipants: 3, maxParticipants: 2 }, FlCode.InvalidParticipants],
  ["max above the limit", { maxParticipants: 1001 }, FlCode.InvalidParticipants],
  ["committee of 0", { committeeSize: 0 }, FlCode.InvalidCommitteeSize],
  ["committee above the limit", { committeeSize: 101 }, FlCode.InvalidCommitteeSize],
  [
    "subgroups smaller than min participants",
    { minParticipants: 3, subgroupSize: 2 },
    FlCode.InvalidSubgroupSize,
  ],
  ["more subgroups than the limit", { maxParticipants: 1000, subgroupSize: 2 }, FlCode.InvalidSubgroupSize],
  ["an unknown rule", { rule: 99 }, FlCode.UnknownRule],
  ["the trust rule without an eval set", { rule: Rule.Trust }, FlCode.InvalidEvalSet],
  [
    "trust with a parameter",
    { rule: Rule.Trust, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
    FlCode.ImpossibleRuleParams,
  ],
  ["fedavg with f", { ruleParams: { f: 1, m: 0, betaPpm: 0 } }, FlCode.ImpossibleRuleParams],
  [
    "median with beta",
    { rule: Rule.Median, ruleParams: { f: 0, m: 0, betaPpm: 10 } },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "trimmed mean with beta 0.5",
    { rule: Rule.TrimmedMean, ruleParams: { f: 0, m: 0, betaPpm: 500_000 } },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "krum f=1 with subgroups of 4 (needs > 4)",
    { rule: Rule.Krum, minParticipants: 4, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "krum f=1: each subgroup of a split must satisfy it",
    {
      rule: Rule.Krum,
      minParticipants: 4,
      maxParticipants: 40,
      subgroupSize: 10,
      ruleParams: { f: 1, m: 0, betaPpm: 0 },
    },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "multikrum with m = 0",
    { rule: Rule.MultiKrum, minParticipants: 5, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "multikrum with m > n - f",
    { rule: Rule.MultiKrum, minParticipants: 5, ruleParams: { f: 1, m: 5, betaPpm: 0 } },
    FlCode.ImpossibleRuleParams,
  ],
  [
    "bulyan f=1 with subgroups of 6 (needs 7)",
    { rule: Rule.Bulyan, minParticipants: 6, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
    FlCode.ImpossibleRuleParams,
  ],
];

const msg = (over: Record<string, unknown>): MsgCreateTaskT => createTaskMsg("cif1owner", over);

describe("checkCreateTask (pure)", () => {
  test("every impossible parameter has its typed error", () => {
    for (const [what, over, code] of IMPOSSIBLE)
      assert.throws(
        () => checkCreateTask(msg(over), PARAMS, "ucif"),
        (e: ChainError) => e.codespace === FL_CODESPACE && e.code === code,
        what,
      );
  });

  test("the boundaries that are possible pass, and the model's size is derived from its spec", () => {
    const ok: Array<Record<string, unknown>> = [
      {},
      { rule: Rule.Krum, minParticipants: 5, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
      { rule: Rule.MultiKrum, minParticipants: 5, ruleParams: { f: 1, m: 4, betaPpm: 0 } },
      { rule: Rule.Bulyan, minParticipants: 7, maxParticipants: 7, ruleParams: { f: 1, m: 0, betaPpm: 0 } },
      { rule: Rule.TrimmedMean, ruleParams: { f: 0, m: 0, betaPpm: 499_999 } },
      { rule: Rule.Median },
      { minParticipants: 2, maxParticipants: 128, subgroupSize: 2 },
      { rounds: 1000, roundBlocks: 2n, committeeSize: 100, maxParticipants: 1000 },
    ];
    for (const [i, over] of ok.entries()) {
      const c = checkCreateTask(msg(over), PARAMS, "ucif");
      assert.equal(c.paramCount, 8n, `case ${i}`);
      assert.equal(c.updateBytes, MODEL_BYTES);
      assert.equal(c.pool, 1_000_000n);
    }
    assert.equal(expectedUpdateBytes({ paramCount: 8n }), 32n);
    assert.equal(parseModelSpec(spec([w([])]), 10n).paramCount, 1n, "a scalar weight is one parameter");
    assert.equal(parseModelSpec(MODEL_SPEC, 8n).paramCount, 8n);
  });
});

describe("CIDs", () => {
  test("CIDv1 raw sha2-256 base32: the digest round-trips; anything else is refused", () => {
    // The well-known CID of the empty blob.
    const empty = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    assert.equal(cidFromDigest(sha256(new Uint8Array())), empty);
    assert.deepEqual(parseCid(empty), {
      digestHex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
    const bad = [
      "",
      empty.toUpperCase(),
      `${empty}a`,
      empty.slice(0, -1),
      "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", // CIDv0
      "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", // dag-pb
      `${empty.slice(0, -1)}v`, // non-zero trailing bits
      `z${empty.slice(1)}`,
    ];
    for (const c of bad) assert.ok("error" in parseCid(c), c);
  });
});

describe("MsgCreateTask through the app", () => {
  let h: AppHarness;
  let d: FlDriver;
  let owner: TestKey;

  before(async () => {
    h = await AppHarness.create((g) => {
      const appState = g.app_state as Record<string, Record<string, unknown>>;
      (appState.fl!.params as Record<string, string>).max_model_spec_bytes = SPEC_LIMIT.toString();
    });
    d = new FlDriver(h);
    owner = await devKey(4);
  });
  after(() => h?.close());

  const taskCount = async () =>
    (await d.query("Tasks", QueryTasksRequest, QueryTasksResponse, {})).tasks.length;

  test("each impossible task is refused with its code; only the fee leaves the owner", async () => {
    for (const [what, over, code] of IMPOSSIBLE) {
      const before = await d.balance(owner.address);
      const feesBefore = d.fee(owner.address);
      const r = await d.deliver(owner, anyOf(MsgCreateTask, msg({ ...over, owner: owner.address })));
      assert.deepEqual([r.codespace, r.code], [FL_CODESPACE, code], `${what}: ${r.log}`);
      assert.equal(await d.balance(owner.address), before - (d.fee(owner.address) - feesBefore), what);
      assert.equal(await d.balance(FL_ACCOUNT), 0n, what);
      assert.equal(await taskCount(), 0, what);
    }
  });

  test("a malformed genesis CID is refused before the fee (a stateless check)", async () => {
    const before = await d.balance(owner.address);
    const r = await d.deliver(
      owner,
      anyOf(MsgCreateTask, msg({ owner: owner.address, genesisWeightsCid: "bafy" })),
    );
    assert.deepEqual([r.codespace, r.code], [FL_CODESPACE, FlCode.InvalidCid], r.log);
    assert.equal(await d.balance(owner.address), before);
    assert.equal(await taskCount(), 0);
  });

  test("an owner without the funds is refused by bank; then a possible task escrows its pool", async () => {
    const before = await d.balance(owner.address);
    const tooMuch = (before + 1n).toString();
    const r = await d.deliver(
      owner,
      anyOf(MsgCreateTask, msg({ owner: owner.address, rewardPool: { denom: "ucif", amount: tooMuch } })),
    );
    assert.deepEqual([r.codespace, r.code], ["sdk", 5], r.log);
    assert.equal(await d.balance(FL_ACCOUNT), 0n);
    assert.equal(await taskCount(), 0);

    const ok = await d.deliver(owner, anyOf(MsgCreateTask, msg({ owner: owner.address })));
    assert.equal(ok.code, 0, ok.log);
    assert.equal(await d.balance(FL_ACCOUNT), 1_000_000n);
    const t = await d.task(1n);
    assert.equal(t.escrow, "1000000");
    assert.equal(t.paramCount, 8n);
    assert.equal(t.updateBytes, MODEL_BYTES);
    assert.ok(ok.events.some((e) => e.type === "fl_task_created"));
  });
});
