import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { SdkCode, sdkError } from "../app/errors.ts";
import { arr, obj, str } from "./json.ts";

/** sdk.Coin with a bigint amount. Amounts are bigint in code and decimal strings on the wire. */
export interface Coin64 {
  denom: string;
  amount: bigint;
}

/** The Cosmos SDK's math.Int is bounded to 256 bits; larger amounts are invalid, not wrapped. */
export const MAX_AMOUNT = (1n << 256n) - 1n;
const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const AMOUNT_RE = /^[0-9]+$/;

export function validateDenom(denom: string): void {
  if (!DENOM_RE.test(denom)) throw sdkError(SdkCode.InvalidCoins, `invalid denom: ${denom}`);
}

/** Parses a wire amount: digits only (no sign, no exponent), within 256 bits. */
export function parseAmount(amount: string): bigint {
  if (!AMOUNT_RE.test(amount))
    throw sdkError(SdkCode.InvalidCoins, `invalid coin amount: ${JSON.stringify(amount)}`);
  const v = BigInt(amount);
  if (v > MAX_AMOUNT) throw sdkError(SdkCode.InvalidCoins, `coin amount ${amount} overflows 256 bits`);
  return v;
}

export const coinString = (coins: Coin64[]) => coins.map((c) => `${c.amount}${c.denom}`).join(",");

/**
 * Validates coins as sdk.Coins.Validate does for amounts that must be sent: each denom valid, sorted,
 * no duplicates, every amount strictly positive.
 */
export function parseCoins(coins: Coin[], allowEmpty = false): Coin64[] {
  if (coins.length === 0 && !allowEmpty) throw sdkError(SdkCode.InvalidCoins, "empty coins: invalid coins");
  const out: Coin64[] = [];
  for (const c of coins) {
    validateDenom(c.denom);
    const amount = parseAmount(c.amount);
    if (amount === 0n)
      throw sdkError(SdkCode.InvalidCoins, `coin ${c.amount}${c.denom} amount is not positive`);
    const prev = out[out.length - 1];
    if (prev && prev.denom >= c.denom) {
      throw sdkError(
        SdkCode.InvalidCoins,
        `${coinString([...out, { denom: c.denom, amount }])}: denominations must be sorted and unique`,
      );
    }
    out.push({ denom: c.denom, amount });
  }
  return out;
}

/** Coins in genesis JSON ([{denom, amount}]), validated as parseCoins does; errors name the path. */
export function coinsFromJson(v: unknown, path: string, allowEmpty = false): Coin64[] {
  const wire = arr(v, path).map((c, i) => {
    const o = obj(c, `${path}[${i}]`);
    return { denom: str(o.denom, `${path}[${i}].denom`), amount: str(o.amount, `${path}[${i}].amount`) };
  });
  try {
    return parseCoins(wire, allowEmpty);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

export const coinsToJson = (coins: Coin64[]) =>
  coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));

export const toWireCoins = (coins: Coin64[]): Coin[] => coinsToJson(coins);

/** sdk.Coins.AmountOf: the amount of one denom, zero when absent. */
export const amountOf = (coins: Coin64[], denom: string): bigint =>
  coins.find((c) => c.denom === denom)?.amount ?? 0n;

export function addCoins(a: Coin64[], b: Coin64[]): Coin64[] {
  const m = new Map<string, bigint>();
  for (const c of [...a, ...b]) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  return [...m.entries()]
    .filter(([, v]) => v !== 0n)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([denom, amount]) => ({ denom, amount }));
}
