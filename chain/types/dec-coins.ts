import type { DecCoin as WireDecCoin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import type { Coin64 } from "./coins.ts";
import { Dec, DecError } from "./dec.ts";

/** The SDK's DecCoins: positive decimal amounts, one per denom, sorted by denom. */
export interface DecCoin {
  denom: string;
  amount: Dec;
}

const byDenom = (a: { denom: string }, b: { denom: string }) =>
  a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0;

/** Drops zero amounts and sorts: the canonical form every operation returns. */
function normalise(coins: DecCoin[]): DecCoin[] {
  return coins.filter((c) => !c.amount.isZero()).sort(byDenom);
}

export const decCoinsFromCoins = (coins: readonly Coin64[]): DecCoin[] =>
  normalise(coins.map((c) => ({ denom: c.denom, amount: Dec.fromInt(c.amount) })));

export function addDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const sum = new Map<string, Dec>();
  for (const c of [...a, ...b]) sum.set(c.denom, (sum.get(c.denom) ?? Dec.ZERO).add(c.amount));
  return normalise([...sum].map(([denom, amount]) => ({ denom, amount })));
}

/** a - b; throws when a denom would go negative (the SDK's SafeSub refusing). */
export function subDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const out = new Map(a.map((c) => [c.denom, c.amount]));
  for (const c of b) {
    const left = (out.get(c.denom) ?? Dec.ZERO).sub(c.amount);
    if (left.isNegative()) throw new DecError(`negative ${c.denom} after subtraction`);
    out.set(c.denom, left);
  }
  return normalise([...out].map(([denom, amount]) => ({ denom, amount })));
}

export const mulDecCoins = (a: readonly DecCoin[], d: Dec): DecCoin[] =>
  normalise(a.map((c) => ({ denom: c.denom, amount: c.amount.mul(d) })));

export const mulDecCoinsTruncate = (a: readonly DecCoin[], d: Dec): DecCoin[] =>
  normalise(a.map((c) => ({ denom: c.denom, amount: c.amount.mulTruncate(d) })));

export const quoDecCoinsTruncate = (a: readonly DecCoin[], d: Dec): DecCoin[] =>
  normalise(a.map((c) => ({ denom: c.denom, amount: c.amount.quoTruncate(d) })));

/** The per-denom minimum of two sets (the SDK's Intersect). */
export function intersectDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const other = new Map(b.map((c) => [c.denom, c.amount]));
  return normalise(
    a.map((c) => ({ denom: c.denom, amount: Dec.min(c.amount, other.get(c.denom) ?? Dec.ZERO) })),
  );
}

/** TruncateDecimal: the whole coins, and the decimal change left over. */
export function truncateDecCoins(a: readonly DecCoin[]): { coins: Coin64[]; change: DecCoin[] } {
  const coins: Coin64[] = [];
  const change: DecCoin[] = [];
  for (const c of a) {
    const whole = c.amount.truncateInt();
    if (whole > 0n) coins.push({ denom: c.denom, amount: whole });
    const rest = c.amount.sub(Dec.fromInt(whole));
    if (!rest.isZero()) change.push({ denom: c.denom, amount: rest });
  }
  return { coins, change };
}

export const amountOfDec = (a: readonly DecCoin[], denom: string): Dec =>
  a.find((c) => c.denom === denom)?.amount ?? Dec.ZERO;

export const decCoinsToWire = (a: readonly DecCoin[]): WireDecCoin[] =>
  a.map((c) => ({ denom: c.denom, amount: c.amount.toProto() }));

export const decCoinsFromWire = (a: readonly WireDecCoin[]): DecCoin[] =>
  normalise(a.map((c) => ({ denom: c.denom, amount: Dec.fromProto(c.amount) })));
