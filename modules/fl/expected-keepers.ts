import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import type { Dec } from "../../chain/types/dec.ts";
import type { Tier } from "../reputation/proto.ts";

/** What fl needs of staking: the bond denom, the validators, and Slash (staking/slash.ts). */
export interface FlStaking {
  bondDenom(ctx: Context): Promise<string>;
  /** Every validator, in store (operator address) order. */
  validators(ctx: Context): AsyncIterable<Validator>;
  validator(ctx: Context, val: Uint8Array): Promise<Validator | undefined>;
  /** Takes `fraction` of the stake the validator (consensus address) had at `infractionHeight`. */
  slash(
    ctx: Context,
    cons: Uint8Array,
    infractionHeight: bigint,
    power: bigint,
    fraction: Dec,
  ): Promise<bigint>;
}

/** What fl needs of bank: escrow in and out of its module account. */
export interface FlBank {
  getBalance(ctx: Context, address: string, denom: string): Promise<bigint>;
  sendCoins(ctx: Context, from: string, to: string, coins: Coin64[]): Promise<void>;
}

/** FL verdicts of #4: validators whose reports matched the committee's agreement, or did not. */
export type FlObservation = "fl-agreed" | "fl-disagreed";

/** What fl needs of reputation: tiers and R for committee sampling, and its observations. */
export interface FlReputation {
  get(ctx: Context, valoper: string): Promise<{ tier: Tier; reputation: bigint } | undefined>;
  params(ctx: Context): Promise<{ trustedWeightPercent: bigint; normalWeightPercent: bigint }>;
  observe(ctx: Context, valoper: string, what: FlObservation): Promise<void>;
}

/** Where a failed dispute's deposit goes: the community pool, as distribution accounts for it. */
export interface FlDistribution {
  fundCommunityPool(ctx: Context, depositor: string, amount: Coin64[]): Promise<void>;
}
