import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { amount } from "./amounts.ts";
import type { FlBank, FlDistribution, FlReputation, FlStaking } from "./expected-keepers.ts";
import { exportFlGenesis, initFlGenesis, parseFlGenesis } from "./genesis.ts";
import { FlKeeper } from "./keeper.ts";
import { flMsgs } from "./msg-server.ts";
import { DisputeStatus, TaskStatus } from "./proto.ts";
import { flQueries } from "./query-server.ts";
import { tick } from "./rounds.ts";
import { FL_STORE_KEY } from "./store.ts";

/**
 * cifer.fl: federated-learning tasks (DESIGN section 8, issue #5). Owners escrow a reward pool,
 * trainers submit updates each round, committees of validators drawn by stake and reputation agree
 * on the aggregate, disputes recompute it, rewards are paid per round. See README.md.
 *
 * Deadlines run in BeginBlock, placed after slashing so that a validator jailed in this block's
 * BeginBlock (downtime, double signing) is never drawn into a committee in the same block.
 */
export class FlModule implements AppModule {
  readonly name = "fl";
  readonly storeKey = FL_STORE_KEY;
  readonly keeper: FlKeeper;

  constructor(staking: FlStaking, bank: FlBank, reputation: FlReputation, distribution: FlDistribution) {
    this.keeper = new FlKeeper(staking, bank, reputation, distribution);
  }

  msgs() {
    return flMsgs(this.keeper);
  }

  queries() {
    return flQueries(this.keeper);
  }

  /** The tasks whose wake-up height came, in height then id order. */
  async beginBlock(ctx: Context): Promise<void> {
    for (const id of await this.keeper.store.popDue(ctx, ctx.block.height)) {
      const t = await this.keeper.store.task(ctx, id);
      if (t) await tick(ctx, this.keeper, t);
    }
  }

  /**
   * The module account holds exactly every task's escrow plus its open disputes' deposits and its
   * participants' join bonds (each task's held_bonds is the sum of its participants' bonds); every
   * task's pool is exactly paid + refunded + escrow; an ended task holds nothing; a running task
   * holds exactly the deposits of its current round's open disputes.
   */
  async invariants(ctx: Context): Promise<string[]> {
    const k = this.keeper;
    const broken: string[] = [];
    const denom = await k.staking.bondDenom(ctx);
    let expected = 0n;
    for await (const t of k.store.tasks(ctx)) {
      const escrow = amount(t.escrow);
      const held = amount(t.heldDeposits);
      const bonds = amount(t.heldBonds);
      expected += escrow + held + bonds;
      let owed = 0n;
      for (const p of await k.store.participants(ctx, t.id)) owed += amount(p.bond);
      if (owed !== bonds)
        broken.push(`task ${t.id} holds ${bonds} of bonds, its participants' bonds are ${owed}`);
      const pool = amount(t.rewardPool?.amount ?? "");
      const accounted = amount(t.paid) + amount(t.refunded) + escrow;
      if (accounted !== pool)
        broken.push(
          `task ${t.id}: paid ${t.paid} + refunded ${t.refunded} + escrow ${t.escrow} != pool ${pool}`,
        );
      const ended = t.status !== TaskStatus.Open && t.status !== TaskStatus.Running;
      if (ended && escrow + held + bonds !== 0n)
        broken.push(`task ${t.id} ended holding ${escrow + held + bonds}`);
      if (t.status === TaskStatus.Running) {
        let open = 0n;
        for (const s of await k.store.stages(ctx, t.id, t.currentRound))
          if (s.dispute?.status === DisputeStatus.Open) open += amount(s.dispute.deposit);
        if (open !== held) broken.push(`task ${t.id} holds ${held} of deposits, its open disputes ${open}`);
      }
    }
    const balances = await k.bank.getBalance(ctx, k.moduleAddress, denom);
    if (balances !== expected)
      broken.push(`fl account holds ${balances}${denom}, escrow, deposits and bonds are ${expected}${denom}`);
    return broken;
  }

  validateGenesis(state: unknown): void {
    parseFlGenesis(state);
  }

  initGenesis(ctx: Context, state: unknown): Promise<void> {
    return initFlGenesis(ctx, this.keeper, parseFlGenesis(state));
  }

  exportGenesis(ctx: Context): Promise<unknown> {
    return exportFlGenesis(ctx, this.keeper);
  }
}
