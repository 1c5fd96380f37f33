import { Metadata, Params } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import { moduleAddress, parseAddress } from "../../chain/crypto/address.ts";
import { concatBytes, fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { amountOf, type Coin64, coinString } from "../../chain/types/coins.ts";
import { spendableCoins } from "../auth/vesting.ts";

export const BANK_STORE_KEY = "bank";
export const DEFAULT_BANK_PARAMS: Params = { sendEnabled: [], defaultSendEnabled: true };

const KEY_BALANCE = utf8("b/");
const KEY_SUPPLY = utf8("s/");
const KEY_METADATA = utf8("d/");
const KEY_PARAMS = utf8("p");

/** Balances key: b/ | len(addr) | addr | denom, so one account's balances are one contiguous range. */
export function balancesPrefix(addrBytes: Uint8Array): Uint8Array {
  return concatBytes(KEY_BALANCE, Uint8Array.of(addrBytes.length), addrBytes);
}
export const SUPPLY_PREFIX = KEY_SUPPLY;
export const METADATA_PREFIX = KEY_METADATA;

const encodeAmount = (n: bigint) => utf8(n.toString());
export const decodeAmount = (b: Uint8Array) => BigInt(fromUtf8(b));

/** What bank needs of auth (the SDK's bank expected keepers). */
export interface BankAuth {
  hasAccount(ctx: Context, address: string): Promise<boolean>;
  newAccount(
    ctx: Context,
    address: string,
  ): Promise<{ base: { address: string; accountNumber: bigint; sequence: bigint } }>;
  setAccount(ctx: Context, acc: { base: { address: string; accountNumber: bigint; sequence: bigint } }): void;
  /** Coins the account may not spend at the block's time (a vesting account's locked coins). */
  lockedCoins(ctx: Context, address: string): Promise<Coin64[]>;
  trackDelegation(ctx: Context, address: string, balance: Coin64[], amount: Coin64[]): Promise<void>;
  trackUndelegation(ctx: Context, address: string, amount: Coin64[]): Promise<void>;
}

/** Balances, supply and denom metadata (the SDK's bank keeper). Every change keeps supply = sum of balances. */
export class BankKeeper {
  readonly storeKey = BANK_STORE_KEY;

  constructor(
    private readonly auth: BankAuth,
    /** Addresses that may not receive funds through messages: module accounts. */
    private readonly blocked: ReadonlySet<string> = new Set(),
  ) {}

  isBlocked(address: string): boolean {
    return this.blocked.has(address);
  }

  async getBalance(ctx: Context, address: string, denom: string): Promise<bigint> {
    const raw = await ctx
      .kv(this.storeKey)
      .get(concatBytes(balancesPrefix(parseAddress(address)), utf8(denom)));
    return raw ? decodeAmount(raw) : 0n;
  }

  async getAllBalances(ctx: Context, address: string): Promise<Coin64[]> {
    const prefix = balancesPrefix(parseAddress(address));
    const out: Coin64[] = [];
    for await (const [k, v] of iteratePrefix(ctx.kv(this.storeKey), prefix)) {
      out.push({ denom: fromUtf8(k.subarray(prefix.length)), amount: decodeAmount(v) });
    }
    return out;
  }

  private setBalance(ctx: Context, address: string, denom: string, amount: bigint): void {
    const key = concatBytes(balancesPrefix(parseAddress(address)), utf8(denom));
    if (amount === 0n) ctx.kv(this.storeKey).delete(key);
    else ctx.kv(this.storeKey).set(key, encodeAmount(amount));
  }

  async getSupply(ctx: Context, denom: string): Promise<bigint> {
    const raw = await ctx.kv(this.storeKey).get(concatBytes(KEY_SUPPLY, utf8(denom)));
    return raw ? decodeAmount(raw) : 0n;
  }

  setSupply(ctx: Context, denom: string, amount: bigint): void {
    const key = concatBytes(KEY_SUPPLY, utf8(denom));
    if (amount === 0n) ctx.kv(this.storeKey).delete(key);
    else ctx.kv(this.storeKey).set(key, encodeAmount(amount));
  }

  async getParams(ctx: Context): Promise<Params> {
    const raw = await ctx.kv(this.storeKey).get(KEY_PARAMS);
    return raw ? Params.decode(raw) : DEFAULT_BANK_PARAMS;
  }

  setParams(ctx: Context, p: Params): void {
    ctx.kv(this.storeKey).set(KEY_PARAMS, Params.encode(p).finish());
  }

  async getDenomMetadata(ctx: Context, denom: string): Promise<Metadata | undefined> {
    const raw = await ctx.kv(this.storeKey).get(concatBytes(KEY_METADATA, utf8(denom)));
    return raw ? Metadata.decode(raw) : undefined;
  }

  setDenomMetadata(ctx: Context, m: Metadata): void {
    ctx.kv(this.storeKey).set(concatBytes(KEY_METADATA, utf8(m.base)), Metadata.encode(m).finish());
  }

  async isSendEnabled(ctx: Context, denom: string): Promise<boolean> {
    const p = await this.getParams(ctx);
    return p.sendEnabled.find((s) => s.denom === denom)?.enabled ?? p.defaultSendEnabled;
  }

  /** The SDK's SpendableCoins: balances less locked coins (nothing when locked exceeds a balance). */
  async spendableCoins(ctx: Context, address: string): Promise<Coin64[]> {
    return spendableCoins(await this.getAllBalances(ctx, address), await this.auth.lockedCoins(ctx, address));
  }

  /** The SDK's SpendableCoin: one denom's balance less its locked amount (never below zero). */
  async spendableCoin(ctx: Context, address: string, denom: string): Promise<bigint> {
    const spendable =
      (await this.getBalance(ctx, address, denom)) -
      amountOf(await this.auth.lockedCoins(ctx, address), denom);
    return spendable > 0n ? spendable : 0n;
  }

  /**
   * Removes coins an account may spend (the SDK's subUnlockedCoins): every send from an account,
   * fees included, goes through here, so a vesting account never spends its locked coins. Fails as
   * a whole when any denom is short.
   */
  private async subUnlockedCoins(ctx: Context, address: string, coins: Coin64[]): Promise<void> {
    const locked = await this.auth.lockedCoins(ctx, address);
    for (const c of coins) {
      const have = await this.getBalance(ctx, address, c.denom);
      const lockedAmount = amountOf(locked, c.denom);
      if (have < lockedAmount) {
        throw sdkError(
          SdkCode.InsufficientFunds,
          `locked amount exceeds account balance funds: ${lockedAmount}${c.denom} > ${have}${c.denom}`,
        );
      }
      if (have - lockedAmount < c.amount) {
        throw sdkError(
          SdkCode.InsufficientFunds,
          `spendable balance ${have - lockedAmount}${c.denom} is smaller than ${c.amount}${c.denom}`,
        );
      }
      this.setBalance(ctx, address, c.denom, have - c.amount);
    }
    this.emitSpent(ctx, address, coins);
  }

  private emitSpent(ctx: Context, address: string, coins: Coin64[]): void {
    ctx.events.emit(
      event("coin_spent", [
        ["spender", address],
        ["amount", coinString(coins)],
      ]),
    );
  }

  async addCoins(ctx: Context, address: string, coins: Coin64[]): Promise<void> {
    for (const c of coins) {
      const have = await this.getBalance(ctx, address, c.denom);
      this.setBalance(ctx, address, c.denom, have + c.amount);
    }
    ctx.events.emit(
      event("coin_received", [
        ["receiver", address],
        ["amount", coinString(coins)],
      ]),
    );
  }

  /** Creates the recipient's account on first receipt, as the SDK's SendCoins does. */
  private async ensureAccount(ctx: Context, address: string): Promise<void> {
    if (!(await this.auth.hasAccount(ctx, address)))
      this.auth.setAccount(ctx, await this.auth.newAccount(ctx, address));
  }

  async sendCoins(ctx: Context, from: string, to: string, coins: Coin64[]): Promise<void> {
    await this.subUnlockedCoins(ctx, from, coins);
    await this.ensureAccount(ctx, to);
    await this.addCoins(ctx, to, coins);
    ctx.events.emit(
      event("transfer", [
        ["recipient", to],
        ["sender", from],
        ["amount", coinString(coins)],
      ]),
    );
    ctx.events.emit(event("message", [["sender", from]]));
  }

  async sendCoinsFromAccountToModule(
    ctx: Context,
    from: string,
    module: string,
    coins: Coin64[],
  ): Promise<void> {
    await this.sendCoins(ctx, from, moduleAddress(module), coins);
  }

  async sendCoinsFromModuleToAccount(
    ctx: Context,
    module: string,
    to: string,
    coins: Coin64[],
  ): Promise<void> {
    if (this.isBlocked(to)) throw sdkError(SdkCode.Unauthorized, `${to} is not allowed to receive funds`);
    await this.sendCoins(ctx, moduleAddress(module), to, coins);
  }

  /**
   * Staking's transfer of a delegation into its pool (the SDK's DelegateCoinsFromAccountToModule):
   * unlike a send it may use locked coins, since they stay locked in the delegation, and a vesting
   * account records how much of what it delegated was still vesting. Staking calls it for every
   * MsgDelegate and MsgCreateValidator self-delegation.
   */
  async delegateCoins(ctx: Context, delegator: string, module: string, coins: Coin64[]): Promise<void> {
    const pool = moduleAddress(module);
    await this.ensureAccount(ctx, pool);
    const balances: Coin64[] = [];
    for (const c of coins) {
      const have = await this.getBalance(ctx, delegator, c.denom);
      if (have < c.amount) {
        throw sdkError(
          SdkCode.InsufficientFunds,
          `failed to delegate; ${have}${c.denom} is smaller than ${coinString(coins)}`,
        );
      }
      balances.push({ denom: c.denom, amount: have });
      this.setBalance(ctx, delegator, c.denom, have - c.amount);
    }
    await this.auth.trackDelegation(ctx, delegator, balances, coins);
    this.emitSpent(ctx, delegator, coins);
    await this.addCoins(ctx, pool, coins);
  }

  /**
   * Staking's return of unbonded (or slashed-and-remaining) stake to its delegator (the SDK's
   * UndelegateCoinsFromModuleToAccount): a vesting account gives back delegated free coins first,
   * then delegated vesting ones. Staking calls it when an unbonding entry matures.
   */
  async undelegateCoins(ctx: Context, module: string, delegator: string, coins: Coin64[]): Promise<void> {
    if (this.isBlocked(delegator))
      throw sdkError(SdkCode.Unauthorized, `${delegator} is not allowed to receive funds`);
    await this.subUnlockedCoins(ctx, moduleAddress(module), coins);
    await this.auth.trackUndelegation(ctx, delegator, coins);
    await this.addCoins(ctx, delegator, coins);
  }

  /** MsgMultiSend's core: one input, many outputs, sums already checked equal. */
  async inputOutputCoins(
    ctx: Context,
    input: { address: string; coins: Coin64[] },
    outputs: { address: string; coins: Coin64[] }[],
  ) {
    await this.subUnlockedCoins(ctx, input.address, input.coins);
    ctx.events.emit(event("message", [["sender", input.address]]));
    for (const out of outputs) {
      await this.ensureAccount(ctx, out.address);
      await this.addCoins(ctx, out.address, out.coins);
      ctx.events.emit(
        event("transfer", [
          ["recipient", out.address],
          ["sender", input.address],
          ["amount", coinString(out.coins)],
        ]),
      );
    }
  }

  /** Sum of every balance per denom; used by genesis validation and the supply invariant. */
  async sumBalances(ctx: Context): Promise<Map<string, bigint>> {
    const sums = new Map<string, bigint>();
    for await (const [k, v] of iteratePrefix(ctx.kv(this.storeKey), KEY_BALANCE)) {
      const addrLen = k[KEY_BALANCE.length]!;
      const denom = fromUtf8(k.subarray(KEY_BALANCE.length + 1 + addrLen));
      sums.set(denom, (sums.get(denom) ?? 0n) + decodeAmount(v));
    }
    return sums;
  }
}
