import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { obj, optional, uint } from "../../chain/types/json.ts";
import type { StakingKeeper } from "../staking/keeper.ts";
import { valoperOf } from "../staking/store.ts";
import { ReputationKeeper } from "./keeper.ts";
import type { ReputationParams } from "./proto.ts";
import { reputationQueries } from "./query-server.ts";
import { DEFAULT_REPUTATION_PARAMS, validateReputationParams } from "./score.ts";

function parseReputationGenesis(v: unknown): ReputationParams {
  const g = obj(v ?? {}, "reputation");
  const p = obj(g.params ?? {}, "reputation.params");
  const d = DEFAULT_REPUTATION_PARAMS;
  const read = (k: string, fallback: bigint) =>
    optional(p[k], (x) => uint(x, `reputation.params.${k}`), fallback);
  const params = {
    signAlpha: read("sign_alpha", d.signAlpha),
    proposeAlpha: read("propose_alpha", d.proposeAlpha),
    flAlpha: read("fl_alpha", d.flAlpha),
    trustedWeightPercent: read("trusted_weight_percent", d.trustedWeightPercent),
    normalWeightPercent: read("normal_weight_percent", d.normalWeightPercent),
    historyInterval: read("history_interval", d.historyInterval),
    historyLength: read("history_length", d.historyLength),
  };
  try {
    validateReputationParams(params);
  } catch (e) {
    throw new Error(`reputation.params: ${(e as Error).message}`);
  }
  return params;
}

/**
 * cifer.reputation: R and tiers of validators (DESIGN section 7). Placed before staking in the
 * app so that at an epoch boundary its EndBlock (tiers, jailing Unreliable validators) runs
 * before staking computes the next consensus set with the tiers' proposer weights.
 */
export class ReputationModule implements AppModule {
  readonly name = "reputation";
  readonly storeKey = "reputation";
  readonly keeper: ReputationKeeper;

  constructor(private readonly staking: StakingKeeper) {
    const k = new ReputationKeeper(staking);
    this.keeper = k;
    staking.proposerWeight = (ctx, v, power) => k.weightOf(ctx, v, power);
    staking.hooks.add({
      afterValidatorCreated: async (ctx, val) => {
        const v = await staking.store.validator(ctx, val);
        if (v) await k.register(ctx, v);
      },
      afterValidatorBonded: (ctx, _cons, val) => k.activated(ctx, valoperOf(val)),
      afterValidatorRemoved: (ctx, _cons, val) => k.remove(ctx, val),
    });
  }

  msgs() {
    return [];
  }

  queries() {
    return reputationQueries(this.keeper);
  }

  /**
   * First the history sample of the previous height, before this block observes anything: the
   * records as that height committed them, after every module's EndBlock of it (staking's bonding
   * hooks and fl's verdicts run after this module's own EndBlock). Then the observations of the
   * previous height (signatures, failed proposers) and this block's proposer.
   */
  async beginBlock(ctx: Context): Promise<void> {
    await this.keeper.recordHistory(ctx, ctx.block.height - 1n);
    const { store } = this.staking;
    const byCons = async (cons: Uint8Array) => (await store.validatorByCons(ctx, cons))?.operatorAddress;
    for (const vote of ctx.block.lastCommit ?? []) {
      const valoper = await byCons(vote.validatorAddress);
      if (valoper) await this.keeper.observe(ctx, valoper, vote.signed ? "signed" : "missed");
    }
    for (const cons of ctx.block.lastFailedProposers ?? []) {
      const valoper = await byCons(cons);
      if (valoper) await this.keeper.observe(ctx, valoper, "proposal-failed");
    }
    if (ctx.block.proposerAddress) {
      const valoper = await byCons(ctx.block.proposerAddress);
      if (valoper) await this.keeper.observe(ctx, valoper, "proposed");
    }
    for (const m of ctx.block.misbehavior ?? []) {
      const valoper = await byCons(m.validatorAddress);
      if (valoper) await this.keeper.doubleSigned(ctx, valoper);
    }
  }

  async endBlock(ctx: Context): Promise<undefined> {
    const { epochBlocks } = await this.staking.params(ctx);
    if (ctx.block.height % epochBlocks === 0n) await this.keeper.epoch(ctx);
    return undefined;
  }

  invariants(ctx: Context): Promise<string[]> {
    return this.keeper.historyInvariants(ctx);
  }

  validateGenesis(state: unknown): void {
    parseReputationGenesis(state);
  }

  async initGenesis(ctx: Context, state: unknown): Promise<void> {
    this.keeper.setParams(ctx, parseReputationGenesis(state));
  }

  /**
   * Params only: records (and so their samples) come with staking's validators, and staking exports
   * no state with validators yet; when it does, the records and their history belong here too.
   */
  async exportGenesis(ctx: Context): Promise<unknown> {
    const p = await this.keeper.params(ctx);
    return {
      params: {
        sign_alpha: p.signAlpha.toString(),
        propose_alpha: p.proposeAlpha.toString(),
        fl_alpha: p.flAlpha.toString(),
        trusted_weight_percent: p.trustedWeightPercent.toString(),
        normal_weight_percent: p.normalWeightPercent.toString(),
        history_interval: p.historyInterval.toString(),
        history_length: p.historyLength.toString(),
      },
    };
  }
}
