import { BaseAccount, ModuleAccount, Params } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { Any } from "cosmjs-types/google/protobuf/any";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { moduleAddress, parseAddress } from "../../chain/crypto/address.ts";
import { concatBytes, utf8 } from "../../chain/crypto/hash.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import { lockedCoins, trackDelegation, trackUndelegation, type Vesting } from "./vesting.ts";
import { vestingAccountFromAny, vestingAccountToAny } from "./vesting-codec.ts";

export const AUTH_STORE_KEY = "auth";
export const BASE_ACCOUNT_TYPE = "/cosmos.auth.v1beta1.BaseAccount";
export const MODULE_ACCOUNT_TYPE = "/cosmos.auth.v1beta1.ModuleAccount";

/** x/auth defaults. */
export const DEFAULT_AUTH_PARAMS: Params = {
  maxMemoCharacters: 256n,
  txSigLimit: 7n,
  txSizeCostPerByte: 10n,
  sigVerifyCostEd25519: 590n,
  sigVerifyCostSecp256k1: 1000n,
};

/**
 * An account as stored: the Any the queries return, and its BaseAccount part, which the ante uses
 * (sequence, public key) whatever the account's type.
 */
export interface Account {
  base: BaseAccount;
  module?: { name: string; permissions: string[] };
  /** A vesting account (x/auth/vesting): coins that unlock over time. */
  vesting?: Vesting;
}

const KEY_ACCOUNT = utf8("a/");
const KEY_NEXT_NUMBER = utf8("n");
const KEY_PARAMS = utf8("p");

export const accountKey = (addrBytes: Uint8Array) => concatBytes(KEY_ACCOUNT, addrBytes);
export const ACCOUNT_PREFIX = KEY_ACCOUNT;

export function encodeAccount(acc: Account): Uint8Array {
  return Any.encode(toAny(acc)).finish();
}

export function toAny(acc: Account): Any {
  if (acc.vesting) return vestingAccountToAny(acc.base, acc.vesting);
  if (acc.module) {
    return {
      typeUrl: MODULE_ACCOUNT_TYPE,
      value: ModuleAccount.encode({
        baseAccount: acc.base,
        name: acc.module.name,
        permissions: acc.module.permissions,
      }).finish(),
    };
  }
  return { typeUrl: BASE_ACCOUNT_TYPE, value: BaseAccount.encode(acc.base).finish() };
}

export function decodeAccount(bytes: Uint8Array): Account {
  const any = Any.decode(bytes);
  if (any.typeUrl === MODULE_ACCOUNT_TYPE) {
    const m = ModuleAccount.decode(any.value);
    return { base: m.baseAccount!, module: { name: m.name, permissions: m.permissions } };
  }
  return vestingAccountFromAny(any) ?? { base: BaseAccount.decode(any.value) };
}

/** Reads and writes accounts and auth params (the SDK's AccountKeeper). */
export class AuthKeeper {
  readonly storeKey = AUTH_STORE_KEY;

  async getAccount(ctx: Context, address: string): Promise<Account | undefined> {
    const raw = await ctx.kv(this.storeKey).get(accountKey(parseAddress(address)));
    return raw ? decodeAccount(raw) : undefined;
  }

  async hasAccount(ctx: Context, address: string): Promise<boolean> {
    return (await ctx.kv(this.storeKey).get(accountKey(parseAddress(address)))) !== undefined;
  }

  setAccount(ctx: Context, acc: Account): void {
    ctx.kv(this.storeKey).set(accountKey(parseAddress(acc.base.address)), encodeAccount(acc));
  }

  /** A new BaseAccount with the next global account number (not stored until setAccount). */
  async newAccount(ctx: Context, address: string): Promise<Account> {
    const accountNumber = await this.nextAccountNumber(ctx);
    return { base: { address, accountNumber, sequence: 0n } };
  }

  async nextAccountNumber(ctx: Context): Promise<bigint> {
    const kv = ctx.kv(this.storeKey);
    const raw = await kv.get(KEY_NEXT_NUMBER);
    const n = raw ? BigInt(Buffer.from(raw).toString("utf8")) : 0n;
    kv.set(KEY_NEXT_NUMBER, utf8((n + 1n).toString()));
    return n;
  }

  async peekNextAccountNumber(ctx: Context): Promise<bigint> {
    const raw = await ctx.kv(this.storeKey).get(KEY_NEXT_NUMBER);
    return raw ? BigInt(Buffer.from(raw).toString("utf8")) : 0n;
  }

  setNextAccountNumber(ctx: Context, n: bigint): void {
    ctx.kv(this.storeKey).set(KEY_NEXT_NUMBER, utf8(n.toString()));
  }

  async getParams(ctx: Context): Promise<Params> {
    const raw = await ctx.kv(this.storeKey).get(KEY_PARAMS);
    return raw ? Params.decode(raw) : DEFAULT_AUTH_PARAMS;
  }

  setParams(ctx: Context, p: Params): void {
    ctx.kv(this.storeKey).set(KEY_PARAMS, Params.encode(p).finish());
  }

  /** Coins of a vesting account not spendable at the block's time; none for any other account. */
  async lockedCoins(ctx: Context, address: string): Promise<Coin64[]> {
    const acc = await this.getAccount(ctx, address);
    return acc?.vesting ? lockedCoins(acc.vesting, ctx.block.timeSeconds) : [];
  }

  /**
   * Records that `amount` of `address`'s coins, whose balance before was `balance`, went into
   * staking (the SDK's bank trackDelegation). Only vesting accounts keep track; called by the bank's
   * delegateCoins, never directly by staking.
   */
  async trackDelegation(ctx: Context, address: string, balance: Coin64[], amount: Coin64[]): Promise<void> {
    const acc = await this.existingAccount(ctx, address);
    if (!acc.vesting) return;
    this.setAccount(ctx, {
      ...acc,
      vesting: trackDelegation(acc.vesting, ctx.block.timeSeconds, balance, amount),
    });
  }

  /** Records that `amount` came back from staking to `address` (the bank's undelegateCoins calls it). */
  async trackUndelegation(ctx: Context, address: string, amount: Coin64[]): Promise<void> {
    const acc = await this.existingAccount(ctx, address);
    if (!acc.vesting) return;
    this.setAccount(ctx, { ...acc, vesting: trackUndelegation(acc.vesting, amount) });
  }

  private async existingAccount(ctx: Context, address: string): Promise<Account> {
    const acc = await this.getAccount(ctx, address);
    if (!acc) throw sdkError(SdkCode.UnknownAddress, `account ${address} does not exist`);
    return acc;
  }

  /** The module account of name, created on first use like the SDK's GetModuleAccount. */
  async getOrCreateModuleAccount(ctx: Context, name: string, permissions: string[] = []): Promise<Account> {
    const address = moduleAddress(name);
    const existing = await this.getAccount(ctx, address);
    if (existing) return existing;
    const acc = await this.newAccount(ctx, address);
    const created = { base: acc.base, module: { name, permissions } };
    this.setAccount(ctx, created);
    return created;
  }
}
