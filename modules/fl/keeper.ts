import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { moduleAddress, parseAddress } from "../../chain/crypto/address.ts";
import { VALOPER_PREFIX } from "../staking/store.ts";
import { amount, amountString } from "./amounts.ts";
import { parseCid } from "./cid.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlBank, FlDistribution, FlReputation, FlStaking } from "./expected-keepers.ts";
import { FL_MODULE, type FlParams } from "./params.ts";
import {
  type MsgCreateTask,
  type MsgSubmitUpdate,
  PAYOUT_NAMES,
  PRIVACY_NAMES,
  Payout,
  Privacy,
  RULE_NAMES,
  type Round,
  RoundStatus,
  type Stage,
  type Task,
  TaskStatus,
} from "./proto.ts";
import { endRound, startRound } from "./rounds.ts";
import { FlStore } from "./store.ts";
import { checkCreateTask } from "./task-spec.ts";

/**
 * The fl keeper: tasks, their escrow and the messages of owners and trainers. The round lifecycle
 * (rounds.ts), committee reports (aggregate.ts) and disputes (dispute.ts) build on it.
 *
 * Escrow rule: every ucif of a task's reward pool is, at every moment, exactly one of paid (to a
 * trainer or committee member), refunded (to the owner) or escrow (held by the fl account); the
 * module's invariants check it after every block.
 */
export class FlKeeper {
  readonly store = new FlStore();
  readonly moduleAddress = moduleAddress(FL_MODULE);

  constructor(
    readonly staking: FlStaking,
    readonly bank: FlBank,
    readonly reputation: FlReputation,
    readonly distribution: FlDistribution,
  ) {}

  params(ctx: Context): Promise<FlParams> {
    return this.store.params(ctx);
  }

  async taskOr404(ctx: Context, id: bigint): Promise<Task> {
    const t = await this.store.task(ctx, id);
    if (!t) throw flError(FlCode.TaskNotFound, `task ${id} does not exist`);
    return t;
  }

  async roundOf(ctx: Context, t: Task, round: number): Promise<Round> {
    const r = await this.store.round(ctx, t.id, round);
    if (!r) throw new Error(`task ${t.id} has no round ${round}`);
    return r;
  }

  // ---- escrow ---------------------------------------------------------------------------------

  /** Pays from the task's escrow (a reward); nothing is sent for zero. */
  async payFromEscrow(ctx: Context, t: Task, to: string, value: bigint): Promise<void> {
    if (value === 0n) return;
    const escrow = amount(t.escrow);
    if (value > escrow) throw new Error(`task ${t.id}: paying ${value} from an escrow of ${escrow}`);
    const denom = await this.staking.bondDenom(ctx);
    await this.bank.sendCoins(ctx, this.moduleAddress, to, [{ denom, amount: value }]);
    t.escrow = amountString(escrow - value);
    t.paid = amountString(amount(t.paid) + value);
  }

  /** What is left in escrow goes back to the owner (end, failure, cancellation). */
  async refundEscrow(ctx: Context, t: Task): Promise<bigint> {
    const left = amount(t.escrow);
    if (left > 0n) {
      const denom = await this.staking.bondDenom(ctx);
      await this.bank.sendCoins(ctx, this.moduleAddress, t.owner, [{ denom, amount: left }]);
    }
    t.escrow = "0";
    t.refunded = amountString(amount(t.refunded) + left);
    ctx.events.emit(
      event("fl_refund", [
        ["task_id", t.id.toString()],
        ["owner", t.owner],
        ["amount", `${left}${t.rewardPool?.denom ?? ""}`],
      ]),
    );
    return left;
  }

  /**
   * Join bonds at the task's end: each goes back to its trainer, except, when `forfeit` (the task
   * finished), a trainer whose contribution was zero: with contribution payout, its contribution
   * scores summed to 0; with sample payout, it was never paid (no update of it was accepted). A
   * forfeited bond goes to the community pool, as a rejected dispute's deposit does, so that nobody
   * on the task gains from another's failure. A failed or cancelled task returns every bond.
   */
  async settleBonds(ctx: Context, t: Task, forfeit: boolean): Promise<void> {
    if (amount(t.heldBonds) === 0n) return;
    const denom = await this.staking.bondDenom(ctx);
    for (const who of await this.store.participants(ctx, t.id)) {
      const bond = amount(who.bond);
      if (bond === 0n) continue;
      const zero =
        t.payout === Payout.Contribution ? who.contributionTotalPpm === 0n : amount(who.earned) === 0n;
      const lost = forfeit && zero;
      const coins = [{ denom, amount: bond }];
      if (lost) await this.distribution.fundCommunityPool(ctx, this.moduleAddress, coins);
      else await this.bank.sendCoins(ctx, this.moduleAddress, who.address, coins);
      t.heldBonds = amountString(amount(t.heldBonds) - bond);
      this.store.setParticipant(ctx, { ...who, bond: "0" });
      ctx.events.emit(
        event("fl_bond_settled", [
          ["task_id", t.id.toString()],
          ["participant", who.address],
          ["amount", bond.toString()],
          ["outcome", lost ? "forfeited" : "returned"],
        ]),
      );
    }
  }

  /** A dispute deposit leaves the module (to its opener, or the community pool). */
  async releaseDeposit(ctx: Context, t: Task, value: bigint, to: string | "community_pool"): Promise<void> {
    const held = amount(t.heldDeposits);
    if (value > held) throw new Error(`task ${t.id}: releasing ${value} of ${held} held`);
    t.heldDeposits = amountString(held - value);
    if (value === 0n) return;
    const coins = [{ denom: await this.staking.bondDenom(ctx), amount: value }];
    if (to === "community_pool") await this.distribution.fundCommunityPool(ctx, this.moduleAddress, coins);
    else await this.bank.sendCoins(ctx, this.moduleAddress, to, coins);
  }

  // ---- owners and trainers --------------------------------------------------------------------

  /** MsgCreateTask: checks the task can run, escrows the pool, opens it for participants. */
  async createTask(ctx: Context, m: MsgCreateTask): Promise<bigint> {
    const p = await this.params(ctx);
    const denom = await this.staking.bondDenom(ctx);
    const checked = checkCreateTask(m, p, denom);
    for (const w of checked.evalSet?.wraps ?? [])
      if (!(await this.staking.validator(ctx, parseAddress(w.validator, VALOPER_PREFIX))))
        throw flError(
          FlCode.InvalidEvalSet,
          `the eval set's key is wrapped for ${w.validator}, which is no validator`,
        );
    // The pool first: an owner short of spendable funds is refused by bank (insufficient funds), and
    // the failed message leaves nothing behind.
    await this.bank.sendCoins(ctx, m.owner, this.moduleAddress, [{ denom, amount: checked.pool }]);
    const id = await this.store.takeTaskId(ctx);
    const t: Task = {
      id,
      owner: m.owner,
      genesisWeightsCid: m.genesisWeightsCid,
      rewardPool: { denom, amount: checked.pool.toString() },
      rounds: m.rounds,
      roundBlocks: m.roundBlocks,
      minParticipants: m.minParticipants,
      maxParticipants: m.maxParticipants,
      rule: m.rule,
      ruleParams: m.ruleParams ?? { f: 0, m: 0, betaPpm: 0 },
      committeeSize: m.committeeSize,
      subgroupSize: m.subgroupSize,
      paramCount: checked.paramCount,
      updateBytes: checked.updateBytes,
      status: TaskStatus.Open,
      currentRound: 0,
      participantCount: 0,
      escrow: checked.pool.toString(),
      paid: "0",
      refunded: "0",
      heldDeposits: "0",
      globalModelCid: m.genesisWeightsCid,
      createdHeight: ctx.block.height,
      endedHeight: 0n,
      nextWake: 0n,
      privacy: m.privacy ?? Privacy.Plain,
      payout: m.payout ?? Payout.Samples,
      evalSet: checked.evalSet,
      joinBond: checked.joinBond.toString(),
      heldBonds: "0",
      ckksPublicKeyCid: m.ckksPublicKeyCid ?? "",
    };
    this.store.setTask(ctx, t);
    this.store.setModelSpec(ctx, id, m.modelSpec);
    ctx.events.emit(
      event("fl_task_created", [
        ["task_id", id.toString()],
        ["owner", m.owner],
        ["reward_pool", `${checked.pool}${denom}`],
        ["rounds", m.rounds.toString()],
        ["rule", RULE_NAMES[m.rule]],
        ["privacy", PRIVACY_NAMES[t.privacy]],
        ["payout", PAYOUT_NAMES[t.payout]],
        ["eval_set", checked.evalSet?.cid ?? ""],
        ["evaluators", (checked.evalSet?.wraps ?? []).map((w) => w.validator).join(",")],
        ["join_bond", t.joinBond],
        ["param_count", checked.paramCount.toString()],
        ["update_bytes", checked.updateBytes.toString()],
      ]),
    );
    return id;
  }

  /**
   * MsgJoinTask: while the task is open or running (newcomers train from the next round they can
   * reach). The join that brings the task to min_participants starts round 1 in the same block.
   */
  async joinTask(ctx: Context, participant: string, id: bigint): Promise<void> {
    const t = await this.taskOr404(ctx, id);
    if (t.status !== TaskStatus.Open && t.status !== TaskStatus.Running)
      throw flError(FlCode.WrongTaskStatus, `task ${id} is not open for participants`);
    if (await this.store.participant(ctx, id, participant))
      throw flError(FlCode.AlreadyJoined, `${participant} already joined task ${id}`);
    if (t.participantCount >= t.maxParticipants)
      throw flError(FlCode.TaskFull, `task ${id} has its ${t.maxParticipants} participants`);
    // The bond first: a trainer short of funds is refused by bank and nothing is written.
    const bond = amount(t.joinBond);
    if (bond > 0n) {
      const denom = await this.staking.bondDenom(ctx);
      await this.bank.sendCoins(ctx, participant, this.moduleAddress, [{ denom, amount: bond }]);
      t.heldBonds = amountString(amount(t.heldBonds) + bond);
    }
    this.store.setParticipant(ctx, {
      taskId: id,
      address: participant,
      joinedHeight: ctx.block.height,
      updates: 0,
      earned: "0",
      bond: bond.toString(),
      contributionTotalPpm: 0n,
    });
    t.participantCount++;
    ctx.events.emit(
      event("fl_task_joined", [
        ["task_id", id.toString()],
        ["participant", participant],
        ["participants", t.participantCount.toString()],
        ["bond", bond.toString()],
      ]),
    );
    if (t.status === TaskStatus.Open && t.participantCount >= t.minParticipants) {
      await startRound(ctx, this, t, 1);
    }
    this.store.setTask(ctx, t);
  }

  /** MsgSubmitUpdate: one update per participant per round, while the round collects. */
  async submitUpdate(ctx: Context, m: MsgSubmitUpdate): Promise<void> {
    const t = await this.taskOr404(ctx, m.taskId);
    if (t.status !== TaskStatus.Running) throw flError(FlCode.WrongTaskStatus, `task ${t.id} is not running`);
    const who = await this.store.participant(ctx, t.id, m.participant);
    if (!who) throw flError(FlCode.NotParticipant, `${m.participant} has not joined task ${t.id}`);
    if (m.round !== t.currentRound)
      throw flError(FlCode.WrongRound, `task ${t.id} is in round ${t.currentRound}, not ${m.round}`);
    const r = await this.roundOf(ctx, t, m.round);
    if (r.status !== RoundStatus.Collecting || ctx.block.height >= r.deadline)
      throw flError(
        FlCode.LateSubmission,
        `round ${r.round} of task ${t.id} stopped collecting updates (deadline ${r.deadline})`,
      );
    if (await this.store.update(ctx, t.id, r.round, m.participant))
      throw flError(
        FlCode.DuplicateSubmission,
        `${m.participant} already submitted an update for round ${r.round} of task ${t.id}`,
      );
    const cid = parseCid(m.cid);
    if ("error" in cid) throw flError(FlCode.InvalidCid, `update: ${cid.error}`);
    if (m.sizeBytes !== t.updateBytes)
      throw flError(
        FlCode.WrongUpdateSize,
        `an update of task ${t.id} is ${t.updateBytes} bytes (${t.paramCount} float32), not ${m.sizeBytes}`,
      );
    const { maxSamples } = await this.params(ctx);
    if (m.samples < 1n || m.samples > maxSamples)
      throw flError(FlCode.InvalidSamples, `samples must be within [1, ${maxSamples}], got ${m.samples}`);
    this.store.setUpdate(ctx, {
      taskId: t.id,
      round: r.round,
      participant: m.participant,
      cid: m.cid,
      sizeBytes: m.sizeBytes,
      samples: m.samples,
      height: ctx.block.height,
      subgroup: 0,
      evaluated: false,
      trustPpm: 0,
      accuracyPpm: 0,
      contributionPpm: 0,
    });
    r.updateCount++;
    r.totalSamples += m.samples;
    this.store.setRound(ctx, r);
    this.store.setParticipant(ctx, { ...who, updates: who.updates + 1 });
    ctx.events.emit(
      event("fl_update_submitted", [
        ["task_id", t.id.toString()],
        ["round", r.round.toString()],
        ["participant", m.participant],
        ["cid", m.cid],
        ["samples", m.samples.toString()],
      ]),
    );
  }

  /**
   * MsgCancelTask: the owner stops an open or running task. Rounds already paid stay paid; the
   * current round is abandoned (its open disputes' deposits go back to their openers) and the rest
   * of the escrow returns to the owner.
   */
  async cancelTask(ctx: Context, owner: string, id: bigint): Promise<void> {
    const t = await this.taskOr404(ctx, id);
    if (t.owner !== owner) throw flError(FlCode.NotOwner, `${owner} is not the owner of task ${id}`);
    if (t.status !== TaskStatus.Open && t.status !== TaskStatus.Running)
      throw flError(FlCode.WrongTaskStatus, `task ${id} has already ended`);
    await endRound(ctx, this, t, RoundStatus.Cancelled);
    const refunded = await this.refundEscrow(ctx, t);
    await this.settleBonds(ctx, t, false);
    t.status = TaskStatus.Cancelled;
    t.endedHeight = ctx.block.height;
    this.store.schedule(ctx, t, 0n);
    this.store.setTask(ctx, t);
    ctx.events.emit(
      event("fl_task_cancelled", [
        ["task_id", id.toString()],
        ["refunded", refunded.toString()],
      ]),
    );
  }

  /** Stages of a round, subgroups by index then the root. */
  stages(ctx: Context, t: Task, round: number): Promise<Stage[]> {
    return this.store.stages(ctx, t.id, round);
  }
}
