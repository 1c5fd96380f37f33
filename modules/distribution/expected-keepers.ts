import type { Delegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import type { StakingHooks } from "../staking/hooks.ts";

/** What distribution reads of staking (the SDK's expected StakingKeeper), addresses as raw bytes. */
export interface DistributionStaking {
  validator(ctx: Context, val: Uint8Array): Promise<Validator | undefined>;
  validatorByCons(ctx: Context, cons: Uint8Array): Promise<Validator | undefined>;
  delegation(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<Delegation | undefined>;
  delegationsOf(ctx: Context, del: Uint8Array): Promise<Delegation[]>;
  bondDenom(ctx: Context): Promise<string>;
  addHooks(h: StakingHooks): void;
}

/** What distribution needs of bank: balances and transfers by address (module accounts included). */
export interface DistributionBank {
  getBalance(ctx: Context, address: string, denom: string): Promise<bigint>;
  getAllBalances(ctx: Context, address: string): Promise<Coin64[]>;
  sendCoins(ctx: Context, from: string, to: string, coins: Coin64[]): Promise<void>;
  /** Module accounts and other addresses that may not receive funds from users. */
  isBlocked(address: string): boolean;
}
