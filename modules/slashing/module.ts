import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import type { StakingKeeper } from "../staking/keeper.ts";
import { handleEquivocation } from "./equivocation.ts";
import { exportSlashingGenesis, initSlashingGenesis, parseSlashingGenesis } from "./genesis.ts";
import { slashingHooks } from "./hooks.ts";
import { SlashingKeeper } from "./keeper.ts";
import { handleValidatorSignature } from "./liveness.ts";
import { slashingMsgs } from "./msg-server.ts";
import { slashingQueries } from "./query-server.ts";
import { SLASHING_STORE_KEY } from "./store.ts";

/**
 * x/slashing (SDK v0.50) with x/evidence's handling of double signing. Its BeginBlock does what the
 * SDK's slashing BeginBlocker and then evidence BeginBlocker do: the last commit's votes
 * (liveness), then the block's misbehaviour (equivocation).
 */
export class SlashingModule implements AppModule {
  readonly name = "slashing";
  readonly storeKey = SLASHING_STORE_KEY;
  readonly keeper: SlashingKeeper;

  constructor(staking: StakingKeeper) {
    this.keeper = new SlashingKeeper(staking);
    staking.hooks.add(slashingHooks(this.keeper));
  }

  msgs() {
    return slashingMsgs(this.keeper);
  }

  queries() {
    return slashingQueries(this.keeper);
  }

  async beginBlock(ctx: Context): Promise<void> {
    const { lastCommit = [], misbehavior = [] } = ctx.block;
    if (lastCommit.length === 0 && misbehavior.length === 0) return;
    const params = await this.keeper.params(ctx);
    for (const vote of lastCommit) await handleValidatorSignature(ctx, this.keeper, params, vote);
    for (const m of misbehavior)
      if (m.type === "duplicate_vote") await handleEquivocation(ctx, this.keeper, params, m);
  }

  validateGenesis(state: unknown): void {
    parseSlashingGenesis(state);
  }

  initGenesis(ctx: Context, state: unknown): Promise<void> {
    return initSlashingGenesis(ctx, this.keeper.store, parseSlashingGenesis(state));
  }

  exportGenesis(ctx: Context): Promise<unknown> {
    return exportSlashingGenesis(ctx, this.keeper.store);
  }
}
