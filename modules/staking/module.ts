import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import type { ValidatorUpdate } from "../../chain/types/block.ts";
import { stakingEndBlock } from "./epoch.ts";
import { parseStakingGenesis, stakingGenesisToJson } from "./genesis.ts";
import { type StakingBank, StakingKeeper } from "./keeper.ts";
import { stakingMsgs } from "./msg-server.ts";
import { stakingQueries } from "./query-server.ts";
import { STAKING_STORE_KEY } from "./store.ts";
import { isBonded, tokensOf } from "./validator.ts";

/** x/staking: validators, delegations, unbonding, the consensus set at epoch boundaries. */
export class StakingModule implements AppModule {
  readonly name = "staking";
  readonly storeKey = STAKING_STORE_KEY;
  readonly keeper: StakingKeeper;

  constructor(bank: StakingBank) {
    this.keeper = new StakingKeeper(bank);
  }

  msgs() {
    return stakingMsgs(this.keeper);
  }

  queries() {
    return stakingQueries(this.keeper);
  }

  endBlock(ctx: Context): Promise<ValidatorUpdate[]> {
    return stakingEndBlock(ctx, this.keeper);
  }

  /** After the genesis transactions: the first consensus set, from the validators they created. */
  genesisValidators(ctx: Context): Promise<ValidatorUpdate[]> {
    return stakingEndBlock(ctx, this.keeper, true);
  }

  /** The pools hold exactly the stake: bonded = bonded validators' tokens; not bonded = the rest and unbondings. */
  async invariants(ctx: Context): Promise<string[]> {
    const { store } = this.keeper;
    let bonded = 0n;
    let notBonded = 0n;
    for await (const v of store.validators(ctx)) {
      if (isBonded(v)) bonded += tokensOf(v);
      else notBonded += tokensOf(v);
    }
    for await (const u of store.allUnbondings(ctx)) for (const e of u.entries) notBonded += BigInt(e.balance);
    const pools = await this.keeper.poolBalances(ctx);
    const broken: string[] = [];
    if (pools.bonded !== bonded)
      broken.push(`bonded pool holds ${pools.bonded}, bonded validators ${bonded}`);
    if (pools.notBonded !== notBonded)
      broken.push(
        `not-bonded pool holds ${pools.notBonded}, unbonded validators and unbondings ${notBonded}`,
      );
    return broken;
  }

  validateGenesis(state: unknown): void {
    parseStakingGenesis(state);
  }

  async initGenesis(ctx: Context, state: unknown): Promise<void> {
    this.keeper.store.setParams(ctx, parseStakingGenesis(state).params);
  }

  async exportGenesis(ctx: Context): Promise<unknown> {
    for await (const _ of this.keeper.store.validators(ctx))
      throw new Error("exporting a bonded staking state is not supported yet");
    return stakingGenesisToJson(await this.keeper.params(ctx));
  }
}
