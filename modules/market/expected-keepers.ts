import type { Context } from "../../chain/app/context.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import type { WeightedValidator } from "../fl/committee.ts";
import type { Participant, Round, Task } from "../fl/proto.ts";

/** What market needs of bank: payments between accounts and its module account. */
export interface MarketBank {
  getBalance(ctx: Context, address: string, denom: string): Promise<bigint>;
  sendCoins(ctx: Context, from: string, to: string, coins: Coin64[]): Promise<void>;
}

/** Where protocol fees and forfeited review deposits go: distribution's community pool. */
export interface MarketDistribution {
  fundCommunityPool(ctx: Context, depositor: string, amount: Coin64[]): Promise<void>;
}

/**
 * What market reads of fl: a task's record (for $Model provenance) and who may sit on a committee
 * (the same eligibility and weights as fl's committees: stake x reputation x tier).
 */
export interface MarketFl {
  task(ctx: Context, id: bigint): Promise<Task | undefined>;
  modelSpec(ctx: Context, id: bigint): Promise<string>;
  round(ctx: Context, id: bigint, round: number): Promise<Round | undefined>;
  participants(ctx: Context, id: bigint): Promise<Participant[]>;
  eligibleValidators(ctx: Context): Promise<WeightedValidator[]>;
  /** fl's bound on a model's parameters, which a stand-alone $Model's spec must respect too. */
  maxParamCount(ctx: Context): Promise<bigint>;
}
