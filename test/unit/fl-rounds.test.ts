import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TxResult } from "../../chain/app/app.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { FlCode } from "../../modules/fl/errors.ts";
import {
  DisputeStatus,
  MsgCancelTask,
  MsgCreateTask,
  MsgJoinTask,
  MsgOpenDispute,
  MsgSubmitAggregate,
  MsgSubmitUpdate,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryParticipantsRequest,
  QueryParticipantsResponse,
  QueryTaskRequest,
  QueryTasksRequest,
  QueryTasksResponse,
  QueryUpdatesRequest,
  QueryUpdatesResponse,
  ROOT_STAGE,
  RoundStatus,
  StageStatus,
  TaskStatus,
} from "../../modules/fl/proto.ts";
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

// The fl lifecycle through the real app (AppHarness checks every module's invariants after every
// block, fl's escrow among them): four validators and four trainers, a task of three rounds
// (create, join, updates and their refusals, committee reports and theirs, finality at > 2/3,
// reputation, rewards to the ucif, a retry, the refund), a task split into subgroups with a root
// stage, a dispute that overturns an aggregate (slash) and one that fails, a task that fails for
// lack of updates, and a cancellation. Expected rewards are computed here from the rules' text.

const EPOCH = 5n;
const AGGREGATE_BLOCKS = 5n;
const DISPUTE_BLOCKS = 3n;
const DEPOSIT = 1_000_000n;
const FEE_PPM = 100_000n;
const SLASH_PPM = 50_000n;
const FL_ALPHA = 50_000n;

let h: AppHarness;
let d: FlDriver;
let sd: StakingDriver;
let owner: TestKey;
let outsider: TestKey;
let validators: TestKey[];
let trainers: TestKey[];
const byValoper = new Map<string, TestKey>();
/** Rewards each address should have received, computed by the test. */
const earned = new Map<string, bigint>();
/** Balances, and fees paid, when the test began (after setup). */
const start = new Map<string, bigint>();
const startFees = new Map<string, bigint>();
/** Fees an address paid since the setup. */
const feesSince = (a: string) => d.fee(a) - (startFees.get(a) ?? 0n);
let nextTask = 1n;

const code = flCode;
const expectResult = (r: TxResult, expect: 0 | [string, number], what: string) =>
  expect === 0
    ? assert.equal(r.code, 0, `${what}: ${r.log}`)
    : assert.deepEqual([r.codespace, r.code], expect, `${what}: ${r.log}`);
const credit = (address: string, amount: bigint) => earned.set(address, (earned.get(address) ?? 0n) + amount);

const join = (k: TestKey, taskId: bigint) => anyOf(MsgJoinTask, { participant: k.address, taskId });
const update = (k: TestKey, taskId: bigint, round: number, label: string, samples: bigint, over = {}) =>
  anyOf(MsgSubmitUpdate, {
    participant: k.address,
    taskId,
    round,
    cid: blob(label).cid,
    sizeBytes: MODEL_BYTES,
    samples,
    ...over,
  });
const report = (
  k: TestKey,
  taskId: bigint,
  round: number,
  subgroup: number,
  attempt: number,
  label: string,
  over: Record<string, unknown> = {},
) =>
  anyOf(MsgSubmitAggregate, {
    validator: k.address,
    taskId,
    round,
    subgroup,
    attempt,
    ...blob(label),
    excluded: [],
    ...over,
  });

const reputationOf = (valoper: string) => reputationOfIn(h, valoper);
const ema = emaStep(FL_ALPHA);

/** Creates a task; returns its id. */
async function createTask(over: Record<string, unknown>): Promise<bigint> {
  const r = await d.tx(owner, anyOf(MsgCreateTask, createTaskMsg(owner.address, over)));
  const id = nextTask++;
  assert.equal(attr(eventsOf(r.events, "fl_task_created")[0]!, "task_id"), id.toString());
  return id;
}

/** Keys of a stage's committee members. */
const committeeKeys = (committee: { validator: string }[]) =>
  committee.map((m) => byValoper.get(m.validator)!);

/** What the rules say a round pays: fee split by agreeing slots, the rest by accepted samples. */
function payRound(budget: bigint, slots: string[], accepted: Array<[string, bigint]>): bigint {
  const fee = (budget * FEE_PPM) / 1_000_000n;
  const per = fee / BigInt(slots.length);
  for (const v of slots) credit(accountOfValoper(v), per);
  const total = accepted.reduce((s, [, n]) => s + n, 0n);
  let paid = per * BigInt(slots.length);
  for (const [a, n] of accepted) {
    const share = ((budget - fee) * n) / total;
    credit(a, share);
    paid += share;
  }
  return paid;
}

async function assertBalances(): Promise<void> {
  for (const k of [...validators, ...trainers]) {
    const expected = start.get(k.address)! - feesSince(k.address) + (earned.get(k.address) ?? 0n);
    assert.equal(await d.balance(k.address), expected, `balance of ${k.address}`);
  }
}

before(async () => {
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, Record<string, unknown>>;
    appState.staking = {
      params: { unbonding_time: "1000s", bond_denom: "ucif" },
      epoch_blocks: EPOCH.toString(),
    };
    const fl = appState.fl!.params as Record<string, string>;
    fl.aggregate_blocks = AGGREGATE_BLOCKS.toString();
    fl.dispute_blocks = DISPUTE_BLOCKS.toString();
    fl.dispute_deposit = DEPOSIT.toString();
    fl.max_extensions = "1";
    fl.max_attempts = "2";
  });
  d = new FlDriver(h);
  sd = await StakingDriver.create(h, 5);
  validators = sd.keys.slice(0, 4);
  owner = sd.keys[4]!;
  outsider = randomKey();
  trainers = [randomKey(), randomKey(), randomKey(), randomKey()];
  // Validators of 100, 200, 300 and 400 CIF; trainers funded by the owner.
  await d.block(validators.map((k, i) => [k, sd.createValidatorMsg(k, BigInt(i + 1) * 100n * CIF)]));
  await d.tx(
    owner,
    msgMultiSend(
      owner.address,
      [...trainers, outsider].map((k) => k.address),
      10n * CIF,
    ),
  );
  while (h.height % EPOCH !== 0n) await h.block([]);
  for (const k of validators) {
    byValoper.set(valoperOf(k), k);
    assert.equal((await sd.validator(k)).status, 3, "bonded at the epoch");
  }
  for (const k of [...validators, ...trainers, owner]) {
    start.set(k.address, await d.balance(k.address));
    startFees.set(k.address, d.fee(k.address));
  }
});
after(() => h?.close());

const POOL = 1_000_003n;
let task1: bigint;

test("create escrows the pool; joins start round 1 once min_participants joined", async () => {
  task1 = await createTask({
    rewardPool: { denom: "ucif", amount: POOL.toString() },
    rounds: 3,
    roundBlocks: 12n,
    minParticipants: 4,
    maxParticipants: 4,
    committeeSize: 4,
  });
  assert.equal(await d.balance(owner.address), start.get(owner.address)! - POOL - feesSince(owner.address));
  assert.equal(await d.balance(FL_ACCOUNT), POOL);
  let t = await d.task(task1);
  assert.equal(t.status, TaskStatus.Open);
  assert.equal(t.escrow, POOL.toString());

  const [r0, ...rest] = await d.block([
    [trainers[0]!, join(trainers[0]!, task1)],
    [trainers[1]!, join(trainers[1]!, task1)],
    [trainers[2]!, join(trainers[2]!, task1)],
  ]);
  for (const r of [r0!, ...rest]) expectResult(r, 0, "join");
  assert.equal((await d.task(task1)).status, TaskStatus.Open, "3 of 4 joined");
  await d.tx(trainers[0]!, join(trainers[0]!, task1), code(FlCode.AlreadyJoined));
  const r = await d.tx(trainers[3]!, join(trainers[3]!, task1));
  assert.equal(eventsOf(r.events, "fl_round_started").length, 1);
  await d.tx(outsider, join(outsider, task1), code(FlCode.TaskFull));
  t = await d.task(task1);
  assert.equal(t.status, TaskStatus.Running);
  assert.equal(t.currentRound, 1);
  const { round } = await d.round(task1, 1);
  assert.equal(round.status, RoundStatus.Collecting);
  assert.equal(round.deadline, round.startHeight + 12n);
  assert.equal(round.budget, (POOL / 3n).toString());
});

test("updates: bad ones refused with their codes and no state change; then one per participant", async () => {
  const results = await d.block([
    [outsider, update(outsider, task1, 1, "u-out", 10n)],
    [trainers[0]!, update(trainers[0]!, task1, 2, "u0", 10n)],
    [trainers[1]!, update(trainers[1]!, task1, 1, "u1", 10n, { sizeBytes: MODEL_BYTES + 4n })],
    [trainers[2]!, update(trainers[2]!, task1, 1, "u2", 10n, { cid: "bafkreibadcid" })],
    [trainers[3]!, update(trainers[3]!, task1, 1, "u3", 0n)],
  ]);
  const expected = [
    code(FlCode.NotParticipant),
    code(FlCode.WrongRound),
    code(FlCode.WrongUpdateSize),
    code(FlCode.InvalidCid),
    code(FlCode.InvalidSamples),
  ];
  for (const [i, r] of results.entries()) expectResult(r, expected[i]!, `bad update ${i}`);
  const none = await d.query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, {
    taskId: task1,
    round: 1,
  });
  assert.equal(none.updates.length, 0);

  const ok = await d.block(
    trainers.map((k, i) => [k, update(k, task1, 1, `r1-u${i}`, BigInt(i + 1) * 100n)]),
  );
  for (const r of ok) expectResult(r, 0, "update");
  await d.tx(trainers[0]!, update(trainers[0]!, task1, 1, "again", 5n), code(FlCode.DuplicateSubmission));
  const all = await d.query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, {
    taskId: task1,
    round: 1,
  });
  assert.equal(all.updates.length, 4);
  const { round } = await d.round(task1, 1);
  assert.equal(round.updateCount, 4);
  assert.equal(round.totalSamples, 1000n);
});

let final1Height = 0n;

test("at the deadline a committee is drawn; bad reports refused; > 2/3 agreement finalizes; dissent costs reputation", async () => {
  const { round } = await d.round(task1, 1);
  await d.until(round.deadline - 1n);
  // The deadline's block: the collection closed in its BeginBlock, before this tx.
  await d.tx(trainers[0]!, update(trainers[0]!, task1, 1, "late", 5n), code(FlCode.LateSubmission));
  const { round: r1, stages } = await d.round(task1, 1);
  assert.equal(r1.status, RoundStatus.Aggregating);
  assert.equal(stages.length, 1);
  const s = stages[0]!;
  assert.equal(s.attempt, 1);
  assert.equal(s.committee.length, 4, "all four validators are eligible");
  assert.equal(s.aggregateDeadline, r1.deadline + AGGREGATE_BLOCKS);
  const [dissenter, a, b, c] = committeeKeys(s.committee) as [TestKey, TestKey, TestKey, TestKey];

  const bad = await d.block([
    [owner, report(owner, task1, 1, 0, 1, "agg")],
    [dissenter, report(dissenter, task1, 1, 0, 1, "agg", { hash: blob("other").hash })],
    [a, report(a, task1, 1, 0, 2, "agg")],
    [b, report(b, task1, 1, 0, 1, "agg", { excluded: [outsider.address] })],
    [c, report(c, task1, 1, 0, 1, "agg", { hash: "XYZ" })],
  ]);
  const expected = [
    code(FlCode.NotCommitteeMember),
    code(FlCode.HashMismatch),
    code(FlCode.WrongAttempt),
    code(FlCode.InvalidExcluded),
    code(FlCode.InvalidHash),
  ];
  for (const [i, r] of bad.entries()) expectResult(r, expected[i]!, `bad report ${i}`);
  assert.equal((await d.round(task1, 1)).stages[0]!.reports.length, 0);

  const before = new Map<string, bigint>();
  for (const k of validators) before.set(valoperOf(k), await reputationOf(valoperOf(k)));
  // The dissenter reports another aggregate; three agree on one that leaves trainer 3 out.
  const excluded = [trainers[3]!.address];
  const two = await d.block([
    [dissenter, report(dissenter, task1, 1, 0, 1, "wrong")],
    [a, report(a, task1, 1, 0, 1, "r1-agg", { excluded })],
    [b, report(b, task1, 1, 0, 1, "r1-agg", { excluded })],
  ]);
  for (const r of two) expectResult(r, 0, "report");
  assert.equal((await d.round(task1, 1)).round.status, RoundStatus.Aggregating, "2 of 4 is not > 2/3");
  const fin = await d.tx(c, report(c, task1, 1, 0, 1, "r1-agg", { excluded }));
  assert.equal(eventsOf(fin.events, "fl_stage_final").length, 1);
  assert.equal(eventsOf(fin.events, "fl_round_final").length, 1);
  final1Height = h.height;
  const after1 = await d.round(task1, 1);
  assert.equal(after1.round.status, RoundStatus.Final);
  assert.equal(after1.round.aggregateCid, blob("r1-agg").cid);
  assert.equal(after1.round.aggregateHash, blob("r1-agg").hash);
  assert.equal(after1.round.disputeEnd, final1Height + DISPUTE_BLOCKS);
  assert.deepEqual(after1.stages[0]!.excluded, excluded);
  assert.equal(after1.stages[0]!.acceptedSamples, 600n);
  assert.deepEqual(after1.stages[0]!.agreed, [a, b, c].map(valoperOf));
  for (const k of [a, b, c])
    assert.equal(await reputationOf(valoperOf(k)), ema(before.get(valoperOf(k))!, true), "agreed");
  assert.equal(
    await reputationOf(valoperOf(dissenter)),
    ema(before.get(valoperOf(dissenter))!, false),
    "dissented",
  );
  await d.tx(
    dissenter,
    report(dissenter, task1, 1, 0, 1, "r1-agg", { excluded }),
    code(FlCode.NotAggregating),
  );
});

test("when the dispute window closes the round pays exactly; round 2 starts from its model", async () => {
  const { stages } = await d.round(task1, 1);
  await d.until(final1Height + DISPUTE_BLOCKS);
  const { round } = await d.round(task1, 1);
  assert.equal(round.status, RoundStatus.Paid);
  const paid = payRound(POOL / 3n, stages[0]!.agreed, [
    [trainers[0]!.address, 100n],
    [trainers[1]!.address, 200n],
    [trainers[2]!.address, 300n],
  ]);
  assert.equal(BigInt(round.paidCommittee) + BigInt(round.paidTrainers), paid);
  await assertBalances();
  const t = await d.task(task1);
  assert.equal(t.currentRound, 2);
  assert.equal(t.globalModelCid, blob("r1-agg").cid);
  assert.equal(BigInt(t.escrow), POOL - paid);
  assert.equal(await d.balance(FL_ACCOUNT), POOL - paid);
});

test("no agreement by the aggregate deadline: a new committee (attempt 2) finalizes; round 3; refund at the end", async () => {
  const ok = await d.block(trainers.map((k, i) => [k, update(k, task1, 2, `r2-u${i}`, 50n)]));
  for (const r of ok) expectResult(r, 0, "update");
  let { round } = await d.round(task1, 2);
  await d.until(round.deadline);
  let s = (await d.round(task1, 2)).stages[0]!;
  const [w, x, y, z] = committeeKeys(s.committee) as [TestKey, TestKey, TestKey, TestKey];
  // Two against one, and one member silent: no > 2/3 by the aggregate deadline.
  const split = await d.block([
    [w, report(w, task1, 2, 0, 1, "A")],
    [x, report(x, task1, 2, 0, 1, "A")],
    [y, report(y, task1, 2, 0, 1, "B")],
  ]);
  for (const r of split) expectResult(r, 0, "report");
  const silentBefore = await reputationOf(valoperOf(z));
  const reporterBefore = await reputationOf(valoperOf(w));
  await d.until(s.aggregateDeadline);
  assert.equal(eventsOf(h.lastEvents, "fl_attempt_failed").length, 1);
  assert.equal(
    await reputationOf(valoperOf(z)),
    ema(silentBefore, false),
    "the silent member loses reputation",
  );
  assert.equal(await reputationOf(valoperOf(w)), reporterBefore, "a reporter cannot be judged yet");
  s = (await d.round(task1, 2)).stages[0]!;
  assert.equal(s.attempt, 2);
  assert.equal(s.reports.length, 0);
  assert.equal(s.aggregateDeadline, h.height + AGGREGATE_BLOCKS);
  const keys = committeeKeys(s.committee);
  await d.tx(keys[0]!, report(keys[0]!, task1, 2, 0, 1, "A"), code(FlCode.WrongAttempt));
  const agree = await d.block(keys.map((k) => [k, report(k, task1, 2, 0, 2, "r2-agg")]));
  for (const r of agree.slice(0, 3)) expectResult(r, 0, "report");
  // The fourth arrives after finality (3 of 4 is > 2/3): refused.
  expectResult(agree[3]!, code(FlCode.NotAggregating), "report after finality");
  ({ round } = await d.round(task1, 2));
  const agreed = (await d.round(task1, 2)).stages[0]!.agreed;
  assert.equal(agreed.length, 3);
  await d.until(round.disputeEnd);
  payRound(
    POOL / 3n,
    agreed,
    trainers.map((k) => [k.address, 50n]),
  );
  await assertBalances();

  // Round 3, the last: its budget is what the first two leave.
  const r3 = await d.block(trainers.map((k, i) => [k, update(k, task1, 3, `r3-u${i}`, BigInt(7 + i))]));
  for (const r of r3) expectResult(r, 0, "update");
  ({ round } = await d.round(task1, 3));
  assert.equal(round.budget, (POOL - 2n * (POOL / 3n)).toString());
  await d.until(round.deadline);
  s = (await d.round(task1, 3)).stages[0]!;
  const members = committeeKeys(s.committee);
  const fin = await d.block(members.slice(0, 3).map((k) => [k, report(k, task1, 3, 0, 1, "r3-agg")]));
  for (const r of fin) expectResult(r, 0, "report");
  ({ round } = await d.round(task1, 3));
  const ownerBefore = await d.balance(owner.address);
  await d.until(round.disputeEnd);
  payRound(
    POOL - 2n * (POOL / 3n),
    s.committee.slice(0, 3).map((m) => m.validator),
    trainers.map((k, i) => [k.address, BigInt(7 + i)]),
  );
  await assertBalances();
  const t = await d.task(task1);
  assert.equal(t.status, TaskStatus.Finished);
  assert.equal(t.globalModelCid, blob("r3-agg").cid);
  assert.equal(t.escrow, "0");
  const paidAll = [...earned.values()].reduce((a, b) => a + b, 0n);
  assert.equal(BigInt(t.paid), paidAll, "every reward the test expects, and no other");
  assert.equal(BigInt(t.paid) + BigInt(t.refunded), POOL, "paid + refunded = pool, to the ucif");
  assert.equal(
    await d.balance(owner.address),
    ownerBefore + BigInt(t.refunded),
    "the dust returns to the owner",
  );
  assert.equal(await d.balance(FL_ACCOUNT), 0n);
});

test("subgroups: each with its own committee, then a root stage; rewards by accepted samples", async () => {
  const pool = 600_000n;
  const id = await createTask({
    rewardPool: { denom: "ucif", amount: pool.toString() },
    rounds: 1,
    roundBlocks: 4n,
    minParticipants: 2,
    maxParticipants: 4,
    subgroupSize: 2,
    committeeSize: 2,
  });
  for (const r of await d.block(trainers.map((k) => [k, join(k, id)]))) expectResult(r, 0, "join");
  const samples = [11n, 13n, 17n, 19n];
  for (const r of await d.block(trainers.map((k, i) => [k, update(k, id, 1, `sg-u${i}`, samples[i]!)])))
    expectResult(r, 0, "update");
  let { round, stages } = await d.round(id, 1);
  await d.until(round.deadline);
  ({ round, stages } = await d.round(id, 1));
  assert.equal(round.subgroupCount, 2);
  assert.deepEqual(
    stages.map((s) => [s.index, s.status, s.updateCount]),
    [
      [0, StageStatus.Aggregating, 2],
      [1, StageStatus.Aggregating, 2],
      [ROOT_STAGE, StageStatus.Waiting, 2],
    ],
  );
  const ups = (await d.query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, { taskId: id, round: 1 }))
    .updates;
  const groupOf = new Map(ups.map((u) => [u.participant, u.subgroup]));
  const inGroup = (g: number) => ups.filter((u) => u.subgroup === g).map((u) => u.participant);
  assert.equal(inGroup(0).length, 2);
  const [s0, s1] = stages as [(typeof stages)[0], (typeof stages)[0]];
  const k0 = committeeKeys(s0.committee);
  const k1 = committeeKeys(s1.committee);
  // Refusals, one block, one per signer: a participant of the other subgroup, everyone excluded,
  // a subgroup that does not exist, the root before its subgroups are final.
  const others = validators.filter((k) => !k0.includes(k));
  const refused = await d.block([
    [k0[0]!, report(k0[0]!, id, 1, 0, 1, "sg0", { excluded: [inGroup(1)[0]!] })],
    [k0[1]!, report(k0[1]!, id, 1, 0, 1, "sg0", { excluded: inGroup(0) })],
    [outsider, report(outsider, id, 1, 7, 1, "sg0")],
    [others[0]!, report(others[0]!, id, 1, ROOT_STAGE, 0, "root")],
  ]);
  const expected = [
    code(FlCode.InvalidExcluded),
    code(FlCode.InvalidExcluded),
    code(FlCode.UnknownSubgroup),
    code(FlCode.NotAggregating),
  ];
  for (const [i, r] of refused.entries()) expectResult(r, expected[i]!, `refused report ${i}`);
  // Subgroup 0 leaves one of its updaters out; subgroup 1 keeps both.
  const out0 = inGroup(0)[1]!;
  for (const r of await d.block(k0.map((k) => [k, report(k, id, 1, 0, 1, "sg0", { excluded: [out0] })])))
    expectResult(r, 0, "subgroup 0 report");
  assert.equal(
    (await d.round(id, 1)).stages[2]!.status,
    StageStatus.Waiting,
    "root waits for every subgroup",
  );
  for (const r of await d.block(k1.map((k) => [k, report(k, id, 1, 1, 1, "sg1")])))
    expectResult(r, 0, "subgroup 1 report");
  ({ round, stages } = await d.round(id, 1));
  const root = stages[2]!;
  assert.equal(root.status, StageStatus.Aggregating);
  assert.equal(root.committee.length, 2);
  assert.equal(
    root.samples,
    samples.reduce((s, n) => s + n, 0n) - samples[trainers.findIndex((k) => k.address === out0)]!,
    "the root weighs subgroups by accepted samples",
  );
  const kr = committeeKeys(root.committee);
  await d.tx(
    kr[0]!,
    report(kr[0]!, id, 1, ROOT_STAGE, 1, "root", { excluded: [out0] }),
    code(FlCode.InvalidExcluded),
  );
  for (const r of await d.block(kr.map((k) => [k, report(k, id, 1, ROOT_STAGE, 1, "root")])))
    expectResult(r, 0, "root report");
  ({ round, stages } = await d.round(id, 1));
  assert.equal(round.status, RoundStatus.Final);
  assert.equal(round.aggregateCid, blob("root").cid, "the global model is the root's");
  await d.until(round.disputeEnd);
  payRound(
    pool,
    stages.flatMap((s) => s.agreed),
    trainers.filter((k) => k.address !== out0).map((k) => [k.address, samples[trainers.indexOf(k)]!]),
  );
  await assertBalances();
  const t = await d.task(id);
  assert.equal(t.status, TaskStatus.Finished);
  assert.equal(BigInt(t.paid) + BigInt(t.refunded), pool);
  assert.ok(groupOf.size === 4);
});

/** A one-round task of two trainers and a committee of one, up to its finality on `label`. */
async function finalSingleMember(label: string): Promise<{ id: bigint; member: TestKey }> {
  const id = await createTask({
    rewardPool: { denom: "ucif", amount: "100000" },
    rounds: 1,
    roundBlocks: 3n,
    minParticipants: 2,
    maxParticipants: 2,
    committeeSize: 1,
  });
  for (const r of await d.block(trainers.slice(0, 2).map((k) => [k, join(k, id)])))
    expectResult(r, 0, "join");
  for (const r of await d.block(
    trainers.slice(0, 2).map((k, i) => [k, update(k, id, 1, `${label}-u${i}`, 10n * BigInt(i + 1))]),
  ))
    expectResult(r, 0, "update");
  await d.until((await d.round(id, 1)).round.deadline);
  const s = (await d.round(id, 1)).stages[0]!;
  assert.equal(s.committee.length, 1);
  const member = byValoper.get(s.committee[0]!.validator)!;
  await d.tx(member, report(member, id, 1, 0, 1, label));
  assert.equal((await d.round(id, 1)).round.status, RoundStatus.Final);
  return { id, member };
}

test("a dispute that overturns: a larger committee recomputes, the signer is slashed, the aggregate replaced", async () => {
  const { id, member } = await finalSingleMember("wrong-agg");
  const tokensBefore = BigInt((await sd.validator(member)).tokens);
  const power = (await d.round(id, 1)).stages[0]!.committee[0]!.power;
  const opener = trainers[0]!;
  const openerBefore = await d.balance(opener.address);
  const fees0 = d.fee(opener.address);
  const open = (k: TestKey) =>
    anyOf(MsgOpenDispute, { opener: k.address, taskId: id, round: 1, subgroup: 0 });
  const [refused, opened] = await d.block([
    [outsider, open(outsider)],
    [opener, open(opener)],
  ]);
  expectResult(refused!, code(FlCode.DisputeNotAllowed), "a stranger may not dispute");
  expectResult(opened!, 0, "a participant may");
  assert.equal(await d.balance(FL_ACCOUNT), 100_000n + DEPOSIT, "the deposit is held with the escrow");
  const s = (await d.round(id, 1)).stages[0]!;
  assert.equal(s.dispute!.status, DisputeStatus.Open);
  assert.equal(s.dispute!.committee.length, 2);
  assert.ok(
    !s.dispute!.committee.some((m) => m.validator === valoperOf(member)),
    "avoids the original committee",
  );
  const judges = committeeKeys(s.dispute!.committee);
  const bad = await d.block([
    [trainers[1]!, open(trainers[1]!)],
    [judges[0]!, report(judges[0]!, id, 1, 0, 1, "right-agg")],
    [member, report(member, id, 1, 0, 1, "right-agg", { dispute: true })],
  ]);
  expectResult(bad[0]!, code(FlCode.DisputeNotAllowed), "one dispute per stage");
  expectResult(bad[1]!, code(FlCode.NotAggregating), "a dispute report without the flag");
  expectResult(bad[2]!, code(FlCode.NotCommitteeMember), "the disputed member is not a judge");
  await d.tx(judges[0]!, report(judges[0]!, id, 1, 0, 1, "right-agg", { dispute: true }));
  const settled = await d.tx(judges[1]!, report(judges[1]!, id, 1, 0, 1, "right-agg", { dispute: true }));
  assert.equal(attr(eventsOf(settled.events, "fl_dispute_resolved")[0]!, "result"), "upheld");
  assert.equal(eventsOf(settled.events, "fl_slash").length, 1);
  // 5% of the stake it had when it reported: power x 10^6 x 0.05.
  const slashed = (power * 1_000_000n * SLASH_PPM) / 1_000_000n;
  assert.equal(BigInt((await sd.validator(member)).tokens), tokensBefore - slashed);
  const { round, stages } = await d.round(id, 1);
  assert.equal(stages[0]!.dispute!.status, DisputeStatus.Upheld);
  assert.equal(round.aggregateHash, blob("right-agg").hash, "the round's aggregate is replaced");
  assert.deepEqual(stages[0]!.agreed, judges.map(valoperOf), "the fee goes to those who found it");
  assert.equal(
    await d.balance(opener.address),
    openerBefore - (d.fee(opener.address) - fees0),
    "deposit returned",
  );
  // The window closed while the dispute was open: the round waited, and pays in the next block.
  assert.ok(h.height >= round.disputeEnd);
  assert.equal(round.status, RoundStatus.Final);
  await d.until(h.height + 1n);
  assert.equal((await d.round(id, 1)).round.status, RoundStatus.Paid);
  payRound(100_000n, stages[0]!.agreed, [
    [trainers[0]!.address, 10n],
    [trainers[1]!.address, 20n],
  ]);
  await assertBalances();
  assert.equal((await d.task(id)).globalModelCid, blob("right-agg").cid);
});

test("a dispute that fails: the committee confirms, the deposit goes to the community pool, nobody is slashed", async () => {
  const { id, member } = await finalSingleMember("good-agg");
  const tokensBefore = BigInt((await sd.validator(member)).tokens);
  const opener = trainers[1]!;
  const openerBefore = await d.balance(opener.address);
  const fees0 = d.fee(opener.address);
  await d.tx(opener, anyOf(MsgOpenDispute, { opener: opener.address, taskId: id, round: 1, subgroup: 0 }));
  const judges = committeeKeys((await d.round(id, 1)).stages[0]!.dispute!.committee);
  const rs = await d.block(judges.map((k) => [k, report(k, id, 1, 0, 1, "good-agg", { dispute: true })]));
  for (const r of rs) expectResult(r, 0, "dispute report");
  assert.equal(attr(eventsOf(rs[1]!.events, "fl_dispute_resolved")[0]!, "result"), "rejected");
  const toPool = eventsOf(rs[1]!.events, "transfer").filter((e) => attr(e, "sender") === FL_ACCOUNT);
  assert.deepEqual(
    toPool.map((e) => [attr(e, "recipient"), attr(e, "amount")]),
    [[moduleAddress("distribution"), `${DEPOSIT}ucif`]],
    "the deposit goes to distribution's community pool",
  );
  const { round, stages } = await d.round(id, 1);
  assert.equal(stages[0]!.dispute!.status, DisputeStatus.Rejected);
  assert.equal(round.aggregateHash, blob("good-agg").hash);
  assert.equal(BigInt((await sd.validator(member)).tokens), tokensBefore, "not slashed");
  assert.equal(await d.balance(opener.address), openerBefore - (d.fee(opener.address) - fees0) - DEPOSIT);
  assert.equal(await d.balance(FL_ACCOUNT), 100_000n, "only the escrow is left");
  await d.until(round.disputeEnd);
  payRound(
    100_000n,
    [valoperOf(member)],
    [
      [trainers[0]!.address, 10n],
      [trainers[1]!.address, 20n],
    ],
  );
  earned.set(opener.address, (earned.get(opener.address) ?? 0n) - DEPOSIT);
  await assertBalances();
});

test("too few updates: the collection is extended once, then the task fails and the pool is refunded", async () => {
  const id = await createTask({ rounds: 2, roundBlocks: 3n, minParticipants: 2, maxParticipants: 2 });
  await d.block(trainers.slice(0, 2).map((k) => [k, join(k, id)]));
  await d.tx(trainers[0]!, update(trainers[0]!, id, 1, "lonely", 5n));
  const ownerBefore = await d.balance(owner.address);
  const deadline = (await d.round(id, 1)).round.deadline;
  await d.until(deadline);
  assert.equal(eventsOf(h.lastEvents, "fl_collection_extended").length, 1);
  assert.equal((await d.round(id, 1)).round.deadline, deadline + 3n);
  await d.until(deadline + 3n);
  assert.equal(eventsOf(h.lastEvents, "fl_task_failed").length, 1);
  const t = await d.task(id);
  assert.equal(t.status, TaskStatus.Failed);
  assert.equal(t.refunded, "1000000");
  assert.equal(await d.balance(owner.address), ownerBefore + 1_000_000n);
  await d.tx(trainers[1]!, update(trainers[1]!, id, 1, "too late", 5n), code(FlCode.WrongTaskStatus));
});

test("cancel: owner only, while open or running; the escrow returns", async () => {
  const id = await createTask({ minParticipants: 2 });
  await d.block(trainers.slice(0, 2).map((k) => [k, join(k, id)]));
  assert.equal((await d.task(id)).status, TaskStatus.Running);
  await d.tx(outsider, anyOf(MsgCancelTask, { owner: outsider.address, taskId: id }), code(FlCode.NotOwner));
  await d.tx(owner, anyOf(MsgCancelTask, { owner: owner.address, taskId: 999n }), code(FlCode.TaskNotFound));
  const before = await d.balance(owner.address);
  const fees0 = d.fee(owner.address);
  const r = await d.tx(owner, anyOf(MsgCancelTask, { owner: owner.address, taskId: id }));
  assert.equal(eventsOf(r.events, "fl_task_cancelled").length, 1);
  assert.equal(await d.balance(owner.address), before - (d.fee(owner.address) - fees0) + 1_000_000n);
  const t = await d.task(id);
  assert.equal(t.status, TaskStatus.Cancelled);
  assert.equal((await d.round(id, 1)).round.status, RoundStatus.Cancelled);
  await d.tx(owner, anyOf(MsgCancelTask, { owner: owner.address, taskId: id }), code(FlCode.WrongTaskStatus));
  await d.tx(trainers[2]!, join(trainers[2]!, id), code(FlCode.WrongTaskStatus));
  assert.equal(await d.balance(FL_ACCOUNT), 0n);
});

test("queries: tasks by status with pagination, participants with their earnings, params", async () => {
  const all = await d.query("Tasks", QueryTasksRequest, QueryTasksResponse, {});
  assert.deepEqual(
    all.tasks.map((t) => [t.id, t.status]),
    [
      [1n, TaskStatus.Finished],
      [2n, TaskStatus.Finished],
      [3n, TaskStatus.Finished],
      [4n, TaskStatus.Finished],
      [5n, TaskStatus.Failed],
      [6n, TaskStatus.Cancelled],
    ],
  );
  const page1 = await d.query("Tasks", QueryTasksRequest, QueryTasksResponse, {
    status: TaskStatus.Finished,
    pagination: { key: new Uint8Array(), offset: 0n, limit: 3n, countTotal: true, reverse: false },
  });
  assert.deepEqual(
    page1.tasks.map((t) => t.id),
    [1n, 2n, 3n],
  );
  assert.equal(page1.pagination!.total, 4n);
  const page2 = await d.query("Tasks", QueryTasksRequest, QueryTasksResponse, {
    status: TaskStatus.Finished,
    pagination: { key: page1.pagination!.nextKey, offset: 0n, limit: 3n, countTotal: false, reverse: false },
  });
  assert.deepEqual(
    page2.tasks.map((t) => t.id),
    [4n],
  );
  const { participants } = await d.query(
    "Participants",
    QueryParticipantsRequest,
    QueryParticipantsResponse,
    {
      taskId: task1,
    },
  );
  assert.equal(participants.length, 4);
  for (const p of participants) assert.equal(p.updates, 3);
  // Trainer 3 was left out of round 1: it earned in rounds 2 and 3 only.
  const earnedOf = (k: TestKey) => BigInt(participants.find((p) => p.address === k.address)!.earned);
  assert.ok(earnedOf(trainers[3]!) > 0n);
  const params = (await d.query("Params", QueryParamsRequest, QueryParamsResponse, {})).params!;
  assert.equal(params.disputeBlocks, DISPUTE_BLOCKS);
  assert.equal(params.disputeDeposit, DEPOSIT.toString());
  const missing = await h.query(
    "/cifer.fl.v1.Query/Task",
    QueryTaskRequest.encode(QueryTaskRequest.fromPartial({ taskId: 99n })).finish(),
  );
  assert.match(missing.log, /NotFound/);
});
