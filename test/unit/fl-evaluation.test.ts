import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { TxResult } from "../../chain/app/app.ts";
import { ckksBlobBytes } from "../../modules/fl/ckks/params.ts";
import { KEY_WRAP_BYTES } from "../../modules/fl/evalset/key-wrap.ts";
import { FlCode } from "../../modules/fl/errors.ts";
import { evaluate } from "../../modules/fl/evaluation.ts";
import {
  MsgCommitScores,
  MsgCreateTask,
  MsgJoinTask,
  MsgPublishModel,
  MsgRevealScores,
  MsgSubmitAggregate,
  MsgSubmitUpdate,
  Payout,
  Privacy,
  QueryParticipantsRequest,
  QueryParticipantsResponse,
  QueryUpdatesRequest,
  QueryUpdatesResponse,
  RoundStatus,
  Rule,
  type ScoreSheet,
  StageStatus,
  TaskStatus,
} from "../../modules/fl/proto.ts";
import { scoreCommitment } from "../../modules/fl/score-commit.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import {
  accountOfValoper,
  anyOf,
  attr,
  blob,
  createTaskMsg,
  emaStep,
  eventsOf,
  FL_ACCOUNT,
  FlDriver,
  flCode,
  MODEL_BYTES,
  reputationOf as reputationOfIn,
} from "../helpers/fl.ts";
import { msgMultiSend } from "../helpers/msgs.ts";
import { randomKey, type TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

// Issue #6 on chain, through the real app (AppHarness checks every module's invariants after every
// block, the fl account's escrow + deposits + bonds among them): a `trust` task paying by
// contribution with an eval set and a join bond, evaluated by commit-reveal (a dishonest evaluator
// outside the tolerance, a silent one, refused reveals), paid by BlockFlow contribution, the
// attacker's bond forfeited; then the refusals of MsgCreateTask's new options, and a CKKS task
// whose owner publishes each round's decrypted model (or fails to). Expected medians, contributions
// and payouts are computed here by hand from the rules' text.

const EPOCH = 5n;
const COMMIT_BLOCKS = 6n;
const REVEAL_BLOCKS = 6n;
const AGGREGATE_BLOCKS = 5n;
const DISPUTE_BLOCKS = 2n;
const PUBLISH_BLOCKS = 6n;
const FEE_PPM = 100_000n;
const TOLERANCE_PPM = 200_000;
const BOND = 1_000n;
const FL_ALPHA = 50_000n;

let h: AppHarness;
let d: FlDriver;
let owner: TestKey;
let validators: TestKey[];
let trainers: TestKey[];
const byValoper = new Map<string, TestKey>();
let nextTask = 1n;

const code = flCode;
const expectOk = (r: TxResult, what: string) => assert.equal(r.code, 0, `${what}: ${r.log}`);
const ema = emaStep(FL_ALPHA);

const reputationOf = (valoper: string) => reputationOfIn(h, valoper);

/** A well-formed key wrap: the chain only checks its size; modules/fl/evalset is tested on its own. */
const wrapFor = (k: TestKey) => ({ validator: valoperOf(k), wrap: new Uint8Array(KEY_WRAP_BYTES).fill(7) });
const evalSet = (ks: TestKey[]) => ({ cid: blob("eval set").cid, records: 100, wraps: ks.map(wrapFor) });

const join = (k: TestKey, taskId: bigint) => anyOf(MsgJoinTask, { participant: k.address, taskId });
/** A ckks update of the 8-value test model: one ciphertext. */
const CKKS_BYTES = ckksBlobBytes(MODEL_BYTES / 4n);
const update = (
  k: TestKey,
  taskId: bigint,
  round: number,
  label: string,
  samples = 10n,
  size = MODEL_BYTES,
) =>
  anyOf(MsgSubmitUpdate, {
    participant: k.address,
    taskId,
    round,
    cid: blob(label).cid,
    sizeBytes: size,
    samples,
  });
const report = (k: TestKey, taskId: bigint, round: number, attempt: number, label: string) =>
  anyOf(MsgSubmitAggregate, {
    validator: k.address,
    taskId,
    round,
    subgroup: 0,
    attempt,
    ...blob(label),
    excluded: [],
  });

interface Sheet {
  trust: Map<string, number>;
  accuracy: number;
  global: number;
  norm: bigint;
}

/** A member's sheet over the stage's updaters in the chain's order, with its commitment and salt. */
function sheetOf(s: Sheet, order: string[]): ScoreSheet {
  return {
    scores: order.map((participant) => ({
      participant,
      trustPpm: s.trust.get(participant)!,
      accuracyPpm: s.accuracy,
    })),
    referenceNormNano: s.norm,
    globalAccuracyPpm: s.global,
  };
}

function commitMsg(
  k: TestKey,
  taskId: bigint,
  round: number,
  attempt: number,
  sheet: ScoreSheet,
  salt: Uint8Array,
) {
  const commitment = scoreCommitment({
    taskId,
    round,
    subgroup: 0,
    attempt,
    validator: valoperOf(k),
    sheet,
    salt,
  });
  return anyOf(MsgCommitScores, { validator: k.address, taskId, round, subgroup: 0, attempt, commitment });
}

const revealMsg = (
  k: TestKey,
  taskId: bigint,
  round: number,
  attempt: number,
  sheet: ScoreSheet,
  salt: Uint8Array,
) => anyOf(MsgRevealScores, { validator: k.address, taskId, round, subgroup: 0, attempt, sheet, salt });

async function updaterOrder(taskId: bigint, round: number): Promise<string[]> {
  const r = await d.query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, { taskId, round });
  return r.updates.map((u) => u.participant);
}

async function createTask(over: Record<string, unknown>): Promise<bigint> {
  const r = await d.tx(owner, anyOf(MsgCreateTask, createTaskMsg(owner.address, over)));
  const id = nextTask++;
  assert.equal(attr(eventsOf(r.events, "fl_task_created")[0]!, "task_id"), id.toString());
  return id;
}

before(async () => {
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, Record<string, unknown>>;
    appState.staking = {
      params: { unbonding_time: "1000s", bond_denom: "ucif" },
      epoch_blocks: EPOCH.toString(),
    };
    const fl = appState.fl!.params as Record<string, string>;
    fl.commit_blocks = COMMIT_BLOCKS.toString();
    fl.reveal_blocks = REVEAL_BLOCKS.toString();
    fl.aggregate_blocks = AGGREGATE_BLOCKS.toString();
    fl.dispute_blocks = DISPUTE_BLOCKS.toString();
    fl.publish_blocks = PUBLISH_BLOCKS.toString();
    fl.score_tolerance_ppm = TOLERANCE_PPM.toString();
    fl.max_attempts = "2";
  });
  d = new FlDriver(h);
  const sd = await StakingDriver.create(h, 5);
  validators = sd.keys.slice(0, 4);
  owner = sd.keys[4]!;
  trainers = [randomKey(), randomKey(), randomKey(), randomKey()];
  await d.block(validators.map((k, i) => [k, sd.createValidatorMsg(k, BigInt(i + 1) * 100n * CIF)]));
  await d.tx(
    owner,
    msgMultiSend(
      owner.address,
      trainers.map((k) => k.address),
      10n * CIF,
    ),
  );
  while (h.height % EPOCH !== 0n) await h.block([]);
  for (const k of validators) byValoper.set(valoperOf(k), k);
});
after(() => h?.close());

test("MsgCreateTask refuses impossible #6 options, each with its code and nothing escrowed", async () => {
  const cases: Array<[string, Record<string, unknown>, FlCode]> = [
    ["trust without an eval set", { rule: Rule.Trust }, FlCode.InvalidEvalSet],
    ["contribution payout without an eval set", { payout: Payout.Contribution }, FlCode.InvalidEvalSet],
    ["an eval set wrapped for nobody", { evalSet: { ...evalSet([]), wraps: [] } }, FlCode.InvalidEvalSet],
    ["an eval set of 3 records", { evalSet: { ...evalSet(validators), records: 3 } }, FlCode.InvalidEvalSet],
    [
      "a key wrap of the wrong size",
      {
        evalSet: {
          ...evalSet(validators),
          wraps: [{ validator: valoperOf(validators[0]!), wrap: new Uint8Array(92) }],
        },
      },
      FlCode.InvalidEvalSet,
    ],
    [
      "a key wrapped twice for one validator",
      { evalSet: evalSet([validators[0]!, validators[0]!]) },
      FlCode.InvalidEvalSet,
    ],
    [
      "a key wrapped for an account that is no validator",
      { evalSet: evalSet([trainers[0]!]) },
      FlCode.InvalidEvalSet,
    ],
    ["a join bond that is no amount", { joinBond: "-5" }, FlCode.InvalidJoinBond],
    [
      "ckks with median",
      { privacy: Privacy.Ckks, rule: Rule.Median, ckksPublicKeyCid: blob("pk").cid },
      FlCode.IncompatiblePrivacy,
    ],
    [
      "ckks with trust",
      {
        privacy: Privacy.Ckks,
        rule: Rule.Trust,
        evalSet: evalSet(validators),
        ckksPublicKeyCid: blob("pk").cid,
      },
      FlCode.IncompatiblePrivacy,
    ],
    [
      "ckks paying by contribution",
      { privacy: Privacy.Ckks, payout: Payout.Contribution, ckksPublicKeyCid: blob("pk").cid },
      FlCode.IncompatiblePrivacy,
    ],
    ["ckks without a public key", { privacy: Privacy.Ckks }, FlCode.InvalidCkksKey],
    ["a plain task with a ckks key", { ckksPublicKeyCid: blob("pk").cid }, FlCode.IncompatiblePrivacy],
  ];
  const before = await d.balance(owner.address);
  const fees = d.fee(owner.address);
  for (const [what, over, c] of cases) {
    const r = await d.deliver(owner, anyOf(MsgCreateTask, createTaskMsg(owner.address, over)));
    assert.deepEqual([r.codespace, r.code], code(c), `${what}: ${r.log}`);
  }
  assert.equal(await d.balance(owner.address), before - (d.fee(owner.address) - fees), "only fees spent");
  assert.equal(await d.balance(FL_ACCOUNT), 0n);
});

const POOL = 2_000_000n;
let trust: bigint;
let honest: TestKey[];
let attacker: TestKey;

test("a trust task: join bonds held; at the deadline the committee is drawn from the key holders and commits", async () => {
  // Keys wrapped for all four validators: the committee (4) is all of them.
  trust = await createTask({
    rule: Rule.Trust,
    payout: Payout.Contribution,
    evalSet: evalSet(validators),
    joinBond: BOND.toString(),
    rewardPool: { denom: "ucif", amount: POOL.toString() },
    rounds: 2,
    roundBlocks: 6n,
    minParticipants: 4,
    maxParticipants: 4,
    committeeSize: 4,
  });
  honest = trainers.slice(0, 3);
  attacker = trainers[3]!;
  const before = await d.balance(trainers[0]!.address);
  const fees = d.fee(trainers[0]!.address);
  for (const r of await d.block(trainers.map((k) => [k, join(k, trust)]))) expectOk(r, "join");
  assert.equal(await d.balance(trainers[0]!.address), before - BOND - (d.fee(trainers[0]!.address) - fees));
  const t = await d.task(trust);
  assert.equal(t.heldBonds, (4n * BOND).toString());
  assert.equal(await d.balance(FL_ACCOUNT), POOL + 4n * BOND);
  for (const r of await d.block(trainers.map((k, i) => [k, update(k, trust, 1, `t1-u${i}`)])))
    expectOk(r, "update");
  const { round } = await d.round(trust, 1);
  await d.until(round.deadline);
  const { stages } = await d.round(trust, 1);
  const s = stages[0]!;
  assert.equal(s.status, StageStatus.Committing);
  assert.equal(s.committee.length, 4);
  assert.equal(s.commitDeadline, round.deadline + COMMIT_BLOCKS);
  assert.equal(s.aggregateDeadline, 0n);
  // A report before the evaluation is refused.
  const [v0] = validators as [TestKey];
  await d.tx(v0, report(v0, trust, 1, 1, "too-early"), code(FlCode.NotAggregating));
});

/** The round-1 sheets: three honest evaluators a little apart, one that scores the attacker 1.0. */
function round1Sheets(): Map<TestKey, Sheet> {
  const base = new Map<string, number>([
    [honest[0]!.address, 800_000],
    [honest[1]!.address, 700_000],
    [honest[2]!.address, 600_000],
    [attacker.address, 0],
  ]);
  const shifted = (by: number) =>
    new Map([...base].map(([a, v]) => [a, a === attacker.address ? 0 : v + by] as [string, number]));
  const [e1, e2, e3, liar] = validators as [TestKey, TestKey, TestKey, TestKey];
  return new Map<TestKey, Sheet>([
    [e1, { trust: shifted(0), accuracy: 500_000, global: 300_000, norm: 2_000_000_000n }],
    [e2, { trust: shifted(10_000), accuracy: 510_000, global: 310_000, norm: 2_100_000_000n }],
    [e3, { trust: shifted(-10_000), accuracy: 490_000, global: 290_000, norm: 1_900_000_000n }],
    [
      liar,
      {
        trust: new Map(
          [...base].map(([a]) => [a, a === attacker.address ? 1_000_000 : 0] as [string, number]),
        ),
        accuracy: 900_000,
        global: 900_000,
        norm: 9_000_000_000n,
      },
    ],
  ]);
}

test("commit-reveal: refusals change nothing; the medians, BlockFlow contributions and reputation follow the reveals", async () => {
  const order = await updaterOrder(trust, 1);
  const sheets = round1Sheets();
  const salts = new Map([...sheets.keys()].map((k) => [k, new Uint8Array(randomBytes(32))]));
  const sheetFor = (k: TestKey) => sheetOf(sheets.get(k)!, order);
  const [e1, e2, e3, liar] = validators as [TestKey, TestKey, TestKey, TestKey];

  // Refusals while committing: a non-member, a reveal before the reveal phase, a bad commitment size.
  const bad = await d.block([
    [owner, commitMsg(owner, trust, 1, 1, sheetFor(e1), salts.get(e1)!)],
    [e1, revealMsg(e1, trust, 1, 1, sheetFor(e1), salts.get(e1)!)],
    [
      e2,
      anyOf(MsgCommitScores, {
        validator: e2.address,
        taskId: trust,
        round: 1,
        subgroup: 0,
        attempt: 1,
        commitment: new Uint8Array(31),
      }),
    ],
    [e3, commitMsg(e3, trust, 1, 2, sheetFor(e3), salts.get(e3)!)],
  ]);
  const expected = [
    FlCode.NotCommitteeMember,
    FlCode.NotEvaluating,
    FlCode.InvalidScores,
    FlCode.WrongAttempt,
  ];
  for (const [i, r] of bad.entries()) assert.deepEqual([r.codespace, r.code], code(expected[i]!), r.log);
  assert.equal((await d.round(trust, 1)).stages[0]!.commits.length, 0);

  // Three commit; the fourth's commitment closes the phase at once.
  for (const r of await d.block(
    [e1, e2, e3].map((k) => [k, commitMsg(k, trust, 1, 1, sheetFor(k), salts.get(k)!)]),
  ))
    expectOk(r, "commit");
  await d.tx(e1, commitMsg(e1, trust, 1, 1, sheetFor(e1), salts.get(e1)!), code(FlCode.DuplicateSubmission));
  const last = await d.tx(liar, commitMsg(liar, trust, 1, 1, sheetFor(liar), salts.get(liar)!));
  assert.equal(eventsOf(last.events, "fl_reveal_opened").length, 1);
  let s = (await d.round(trust, 1)).stages[0]!;
  assert.equal(s.status, StageStatus.Revealing);
  assert.equal(s.revealDeadline, h.height + REVEAL_BLOCKS);

  // Refused reveals: another salt (does not match), scores out of the chain's order, out of range.
  const reversed = { ...sheetFor(e1), scores: [...sheetFor(e1).scores].reverse() };
  const tooHigh = { ...sheetFor(e2), globalAccuracyPpm: 1_000_001 };
  const refused = await d.block([
    [e1, revealMsg(e1, trust, 1, 1, sheetFor(e1), new Uint8Array(32))],
    [e2, revealMsg(e2, trust, 1, 1, tooHigh, salts.get(e2)!)],
    [e3, revealMsg(e3, trust, 1, 1, reversed, salts.get(e3)!)],
  ]);
  const refusedCodes = [FlCode.CommitmentMismatch, FlCode.InvalidScores, FlCode.InvalidScores];
  for (const [i, r] of refused.entries())
    assert.deepEqual([r.codespace, r.code], code(refusedCodes[i]!), r.log);
  assert.equal((await d.round(trust, 1)).stages[0]!.reveals.length, 0);

  const repBefore = new Map<string, bigint>();
  for (const k of validators) repBefore.set(valoperOf(k), await reputationOf(valoperOf(k)));
  const rs = await d.block(validators.map((k) => [k, revealMsg(k, trust, 1, 1, sheetFor(k), salts.get(k)!)]));
  for (const r of rs) expectOk(r, "reveal");
  assert.equal(eventsOf(rs[3]!.events, "fl_stage_evaluated").length, 1, "the last reveal settles");
  s = (await d.round(trust, 1)).stages[0]!;
  assert.equal(s.status, StageStatus.Aggregating);
  assert.equal(s.aggregateDeadline, h.height + AGGREGATE_BLOCKS);
  const ev = s.evaluation!;
  // Medians of four (floor of the mean of the middle two):
  //   honest 0: 0, 790000, 800000, 810000 -> 795000; honest 1 -> 695000; honest 2 -> 595000;
  //   attacker: 0, 0, 0, 1000000 -> 0. Accuracy: 490000, 500000, 510000, 900000 -> 505000.
  //   Global: 290000, 300000, 310000, 900000 -> 305000. Norm: 1.9, 2.0, 2.1, 9.0 -> 2.05e9 nano.
  const trustOf = new Map([
    [honest[0]!.address, 795_000],
    [honest[1]!.address, 695_000],
    [honest[2]!.address, 595_000],
    [attacker.address, 0],
  ]);
  assert.deepEqual(
    ev.medians.map((m) => [m.participant, m.trustPpm, m.accuracyPpm]),
    order.map((a) => [a, trustOf.get(a), 505_000]),
  );
  assert.equal(ev.globalAccuracyPpm, 305_000);
  assert.equal(ev.referenceNormNano, 2_050_000_000n);
  // m' = m / max m, in ppm, floored: 1000000, 695000e6/795000 = 874213, 595000e6/795000 = 748427,
  // 0. No evaluator trains, so p = m'.
  const contributionOf = new Map([
    [honest[0]!.address, 1_000_000],
    [honest[1]!.address, 874_213],
    [honest[2]!.address, 748_427],
    [attacker.address, 0],
  ]);
  assert.deepEqual(
    ev.contributionPpm,
    order.map((a) => contributionOf.get(a)),
  );
  const updates = (
    await d.query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, { taskId: trust, round: 1 })
  ).updates;
  for (const u of updates) {
    assert.equal(u.evaluated, true);
    assert.equal(u.contributionPpm, contributionOf.get(u.participant));
    assert.equal(u.trustPpm, trustOf.get(u.participant));
  }
  // The liar is further than the tolerance from the medians; the others are within it.
  assert.deepEqual(
    ev.evaluators.map((e) => [e.validator, e.withinTolerance]),
    validators.map((k) => [valoperOf(k), k !== liar]),
  );
  assert.equal(await reputationOf(valoperOf(liar)), ema(repBefore.get(valoperOf(liar))!, false));
  for (const k of [e1, e2, e3])
    assert.equal(
      await reputationOf(valoperOf(k)),
      repBefore.get(valoperOf(k)),
      "no verdict on honest evaluators yet",
    );
  await d.tx(e1, revealMsg(e1, trust, 1, 1, sheetFor(e1), salts.get(e1)!), code(FlCode.NotEvaluating));
});

/** What the rules say a round pays: the fee by agreeing slots, the rest by contribution. */
function expectedPay(budget: bigint, agreed: number, contribution: Map<string, number>) {
  const fee = (budget * FEE_PPM) / 1_000_000n;
  const per = fee / BigInt(agreed);
  const total = [...contribution.values()].reduce((s, v) => s + BigInt(v), 0n);
  const trainersPay = new Map([...contribution].map(([a, c]) => [a, ((budget - fee) * BigInt(c)) / total]));
  return { committee: per * BigInt(agreed), trainers: trainersPay };
}

let round1Paid: Map<string, bigint>;

test("the committee agrees on the trust aggregate; the round pays by contribution, the attacker nothing", async () => {
  const rs = await d.block(validators.slice(0, 3).map((k) => [k, report(k, trust, 1, 1, "t1-agg")]));
  for (const r of rs) expectOk(r, "report");
  const { round } = await d.round(trust, 1);
  assert.equal(round.status, RoundStatus.Final);
  const before = new Map<string, bigint>();
  for (const k of trainers) before.set(k.address, await d.balance(k.address));
  await d.until(round.disputeEnd);
  const paid = (await d.round(trust, 1)).round;
  assert.equal(paid.status, RoundStatus.Paid);
  assert.equal(paid.evaluated, true);
  assert.equal(paid.globalAccuracyPpm, 305_000);
  const order = await updaterOrder(trust, 1);
  const ev = (await d.round(trust, 1)).stages[0]!.evaluation!;
  const want = expectedPay(POOL / 2n, 3, new Map(order.map((a, i) => [a, ev.contributionPpm[i]!])));
  assert.equal(BigInt(paid.paidCommittee), want.committee);
  assert.equal(
    BigInt(paid.paidTrainers),
    [...want.trainers.values()].reduce((s, v) => s + v, 0n),
  );
  for (const k of trainers)
    assert.equal(
      await d.balance(k.address),
      before.get(k.address)! + want.trainers.get(k.address)!,
      k.address,
    );
  assert.equal(want.trainers.get(attacker.address), 0n);
  round1Paid = want.trainers;
  const t = await d.task(trust);
  assert.equal(t.currentRound, 2);
  assert.equal(t.globalModelCid, blob("t1-agg").cid);
});

test("round 2: a silent member; the reveal opens at the commit deadline with 3 of 4, the silent one loses reputation", async () => {
  for (const r of await d.block(trainers.map((k, i) => [k, update(k, trust, 2, `t2-u${i}`)])))
    expectOk(r, "update");
  const { round } = await d.round(trust, 2);
  await d.until(round.deadline);
  const order = await updaterOrder(trust, 2);
  const sheets = round1Sheets();
  const [e1, e2, e3, silent] = validators as [TestKey, TestKey, TestKey, TestKey];
  const salt = new Uint8Array(32).fill(1);
  const sheetFor = (k: TestKey) => sheetOf(sheets.get(k)!, order);
  for (const r of await d.block([e1, e2, e3].map((k) => [k, commitMsg(k, trust, 2, 1, sheetFor(k), salt)])))
    expectOk(r, "commit");
  let s = (await d.round(trust, 2)).stages[0]!;
  assert.equal(s.status, StageStatus.Committing, "3 of 4 committed: the phase runs to its deadline");
  await d.until(s.commitDeadline);
  s = (await d.round(trust, 2)).stages[0]!;
  assert.equal(s.status, StageStatus.Revealing);
  await d.tx(silent, commitMsg(silent, trust, 2, 1, sheetFor(silent), salt), code(FlCode.NotEvaluating));
  const repSilent = await reputationOf(valoperOf(silent));
  const rs = await d.block([e1, e2, e3].map((k) => [k, revealMsg(k, trust, 2, 1, sheetFor(k), salt)]));
  for (const r of rs) expectOk(r, "reveal");
  s = (await d.round(trust, 2)).stages[0]!;
  assert.equal(s.status, StageStatus.Aggregating, "every committer revealed: settled at once");
  // Medians of three honest sheets: the middle one (e1's), global 300000.
  assert.equal(s.evaluation!.globalAccuracyPpm, 300_000);
  assert.deepEqual(
    s.evaluation!.medians.map((m) => m.trustPpm),
    order.map((a) => sheets.get(e1)!.trust.get(a)),
  );
  // m' with max 800000: 1000000, 875000, 750000, 0.
  const contributionOf = new Map([
    [honest[0]!.address, 1_000_000],
    [honest[1]!.address, 875_000],
    [honest[2]!.address, 750_000],
    [attacker.address, 0],
  ]);
  assert.deepEqual(
    s.evaluation!.contributionPpm,
    order.map((a) => contributionOf.get(a)),
  );
  assert.equal(await reputationOf(valoperOf(silent)), ema(repSilent, false), "silence costs reputation");
});

test("the task finishes: paid by contribution, the escrow refunded, the attacker's bond to the community pool", async () => {
  const rs = await d.block(validators.slice(0, 3).map((k) => [k, report(k, trust, 2, 1, "t2-agg")]));
  for (const r of rs) expectOk(r, "report");
  const { round } = await d.round(trust, 2);
  const before = new Map<string, bigint>();
  for (const k of trainers) before.set(k.address, await d.balance(k.address));
  const ownerBefore = await d.balance(owner.address);
  await d.until(round.disputeEnd);
  const t = await d.task(trust);
  assert.equal(t.status, TaskStatus.Finished);
  assert.equal(t.heldBonds, "0");
  const order = await updaterOrder(trust, 2);
  const ev = (await d.round(trust, 2)).stages[0]!.evaluation!;
  const want = expectedPay(POOL - POOL / 2n, 3, new Map(order.map((a, i) => [a, ev.contributionPpm[i]!])));
  for (const k of honest)
    assert.equal(
      await d.balance(k.address),
      before.get(k.address)! + want.trainers.get(k.address)! + BOND,
      "reward and bond back",
    );
  assert.equal(await d.balance(attacker.address), before.get(attacker.address)!, "no reward, bond forfeited");
  const paid = BigInt(t.paid);
  assert.equal(paid + BigInt(t.refunded), POOL, "every ucif of the pool paid or refunded");
  // Round 1 paid its trainers' share by contribution too (checked above); the owner gets the rest.
  const trainersTotal = [...round1Paid.values(), ...want.trainers.values()].reduce((a, b) => a + b, 0n);
  assert.ok(paid > trainersTotal, "the committee fees are paid besides");
  assert.equal(await d.balance(owner.address), ownerBefore + BigInt(t.refunded));
  // Nothing is left in the module: the forfeited bond went out too (to the community pool: the
  // invariants, checked after every block, account for every ucif of the supply).
  assert.equal(await d.balance(FL_ACCOUNT), 0n);
  const participants = await d.query("Participants", QueryParticipantsRequest, QueryParticipantsResponse, {
    taskId: trust,
  });
  for (const p of participants.participants) {
    assert.equal(p.bond, "0");
    assert.equal(p.contributionTotalPpm === 0n, p.address === attacker.address);
  }
});

test("a ckks task: the committee agrees on the ciphertext sum; the owner publishes the model; a late owner fails the task", async () => {
  const ckks = await createTask({
    privacy: Privacy.Ckks,
    ckksPublicKeyCid: blob("owner pk").cid,
    rounds: 2,
    roundBlocks: 4n,
    minParticipants: 2,
    maxParticipants: 2,
    committeeSize: 4,
  });
  const two = trainers.slice(0, 2);
  for (const r of await d.block(two.map((k) => [k, join(k, ckks)]))) expectOk(r, "join");
  for (const r of await d.block(two.map((k, i) => [k, update(k, ckks, 1, `c1-u${i}`, 10n, CKKS_BYTES)])))
    expectOk(r, "update");
  await d.until((await d.round(ckks, 1)).round.deadline);
  const { stages } = await d.round(ckks, 1);
  assert.equal(stages[0]!.status, StageStatus.Aggregating, "no evaluation: nobody can read a ciphertext");
  for (const r of await d.block(validators.slice(0, 3).map((k) => [k, report(k, ckks, 1, 1, "c1-sum")])))
    expectOk(r, "report");
  const publish = (k: TestKey, round: number, label: string) =>
    anyOf(MsgPublishModel, { owner: k.address, taskId: ckks, round, ...blob(label) });
  // Before the dispute window closes the sum may still change: no model yet.
  await d.tx(owner, publish(owner, 1, "c1-model"), code(FlCode.NotPublishing));
  const { round } = await d.round(ckks, 1);
  await d.until(round.disputeEnd);
  const paid = (await d.round(ckks, 1)).round;
  assert.equal(paid.status, RoundStatus.Paid);
  assert.equal(paid.publishDeadline, round.disputeEnd + PUBLISH_BLOCKS);
  assert.equal((await d.task(ckks)).currentRound, 1, "the next round waits for the model");
  await d.tx(trainers[0]!, publish(trainers[0]!, 1, "c1-model"), code(FlCode.NotOwner));
  const bad = anyOf(MsgPublishModel, {
    owner: owner.address,
    taskId: ckks,
    round: 1,
    cid: blob("a").cid,
    hash: blob("b").hash,
  });
  await d.tx(owner, bad, code(FlCode.HashMismatch));
  await d.tx(owner, publish(owner, 1, "c1-model"));
  const r1 = (await d.round(ckks, 1)).round;
  assert.equal(r1.modelCid, blob("c1-model").cid);
  assert.equal(r1.aggregateCid, blob("c1-sum").cid, "the agreed ciphertext sum stays on record");
  let t = await d.task(ckks);
  assert.equal(t.currentRound, 2);
  assert.equal(t.globalModelCid, blob("c1-model").cid);
  await d.tx(owner, publish(owner, 1, "c1-model"), code(FlCode.WrongRound));

  // Round 2: the owner never publishes; at the deadline the task fails and the rest is refunded.
  for (const r of await d.block(two.map((k, i) => [k, update(k, ckks, 2, `c2-u${i}`, 10n, CKKS_BYTES)])))
    expectOk(r, "update");
  await d.until((await d.round(ckks, 2)).round.deadline);
  for (const r of await d.block(validators.slice(0, 3).map((k) => [k, report(k, ckks, 2, 1, "c2-sum")])))
    expectOk(r, "report");
  await d.until((await d.round(ckks, 2)).round.disputeEnd);
  const r2 = (await d.round(ckks, 2)).round;
  assert.equal(r2.status, RoundStatus.Paid, "the trainers' work is paid");
  await d.until(r2.publishDeadline);
  t = await d.task(ckks);
  assert.equal(t.status, TaskStatus.Failed);
  assert.equal(BigInt(t.paid) + BigInt(t.refunded), 1_000_000n);
  assert.equal(await d.balance(FL_ACCOUNT), 0n);
});

test("evaluate (pure): an evaluator that also trains is held to its worst evaluation", () => {
  // v's operator account trains: BlockFlow gives it min(m'[k], d'[v]).
  const v = valoperOf(validators[0]!);
  const vAccount = accountOfValoper(v);
  const w = valoperOf(validators[1]!);
  const x = valoperOf(validators[2]!);
  const other = trainers[0]!.address;
  const participants = [vAccount, other].sort();
  const sheet = (trust: Record<string, number>) => ({
    scores: participants.map((p) => ({ participant: p, trustPpm: trust[p]!, accuracyPpm: 0 })),
    referenceNormNano: 1n,
    globalAccuracyPpm: 0,
  });
  // v scores itself 1.0 and the other 0; w and x score both 0.8.
  const ev = evaluate(
    [
      { validator: v, sheet: sheet({ [vAccount]: 1_000_000, [other]: 0 }) },
      { validator: w, sheet: sheet({ [vAccount]: 800_000, [other]: 800_000 }) },
      { validator: x, sheet: sheet({ [vAccount]: 800_000, [other]: 800_000 }) },
    ],
    participants,
    TOLERANCE_PPM,
  );
  // m = 800000 for both, m' = 1.0 for both. v's distances: 200000 and 800000; t' = (500000 - t) /
  // (500000 + t): 300000/700000 = 428571, and 0 (t > 0.5). d[v] = 0; w and x: t = 0, t' = 1.0.
  // d' = d / max d: v 0, w and x 1.0. So v's own contribution is min(1.0, 0) = 0; the other's 1.0.
  const byP = new Map(participants.map((p, i) => [p, ev.contributionPpm[i]]));
  assert.equal(byP.get(vAccount), 0);
  assert.equal(byP.get(other), 1_000_000);
  assert.deepEqual(
    ev.evaluators.map((e) => [e.agreementPpm, e.withinTolerance]),
    [
      [0, false],
      [1_000_000, true],
      [1_000_000, true],
    ],
  );
});
