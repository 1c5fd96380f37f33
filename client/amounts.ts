/**
 * Amounts as people type them: `1000ucif`, `1.5CIF`, `10ucif,5uother`. Base-denom amounts are positive
 * integers within 256 bits (the SDK's math.Int bound); CIF (the display unit, 1 CIF = 10^6 ucif) accepts at
 * most 6 decimals and is converted exactly (no floating point) to ucif.
 */
import type { Coin } from "@cosmjs/proto-signing";
import { MAX_AMOUNT } from "../chain/types/coins.ts";

export const BASE_DENOM = "ucif";
export const DISPLAY_DENOM = "CIF";
export const DISPLAY_DECIMALS = 6;
export const DEFAULT_GAS_PRICE = `0.0025${BASE_DENOM}`;

export class InvalidAmountError extends Error {
  override name = "InvalidAmountError";
}

const COIN_RE = /^([0-9]+)(?:\.([0-9]+))?([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;
const EXAMPLE = "e.g. 1000ucif or 1.5CIF";

/** Parses one coin. `allowZero` is for fees, which may legitimately be 0. */
export function parseCoin(input: string, opts: { allowZero?: boolean } = {}): Coin {
  const s = input.trim();
  if (s.startsWith("-"))
    throw new InvalidAmountError(
      `invalid amount ${JSON.stringify(input)}: amounts must be positive (${EXAMPLE})`,
    );
  const m = COIN_RE.exec(s);
  if (!m)
    throw new InvalidAmountError(
      `invalid amount ${JSON.stringify(input)}: expected <amount><denom>, ${EXAMPLE}`,
    );
  const [, whole, frac, denom] = m as unknown as [string, string, string | undefined, string];
  let amount: bigint;
  let outDenom = denom;
  if (denom.toUpperCase() === DISPLAY_DENOM) {
    const f = frac ?? "";
    if (f.length > DISPLAY_DECIMALS) {
      throw new InvalidAmountError(
        `invalid amount ${JSON.stringify(input)}: ${DISPLAY_DENOM} has ${DISPLAY_DECIMALS} decimals (1 ${DISPLAY_DENOM} = 10^${DISPLAY_DECIMALS} ${BASE_DENOM})`,
      );
    }
    amount = BigInt(whole) * 10n ** BigInt(DISPLAY_DECIMALS) + BigInt(f.padEnd(DISPLAY_DECIMALS, "0") || "0");
    outDenom = BASE_DENOM;
  } else {
    if (frac !== undefined) {
      throw new InvalidAmountError(
        `invalid amount ${JSON.stringify(input)}: ${denom} amounts are integers; decimals are only accepted for ${DISPLAY_DENOM}`,
      );
    }
    amount = BigInt(whole);
  }
  if (amount > MAX_AMOUNT)
    throw new InvalidAmountError(`invalid amount ${JSON.stringify(input)}: exceeds 256 bits`);
  if (amount === 0n && !opts.allowZero)
    throw new InvalidAmountError(`invalid amount ${JSON.stringify(input)}: must be positive`);
  return { denom: outDenom, amount: amount.toString() };
}

/** Parses a comma-separated list of coins into sorted, duplicate-free sdk.Coins. */
export function parseCoins(input: string, opts: { allowZero?: boolean } = {}): Coin[] {
  if (input.trim() === "") throw new InvalidAmountError(`empty amount: ${EXAMPLE}`);
  const coins = input.split(",").map((c) => parseCoin(c, opts));
  coins.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
  for (let i = 1; i < coins.length; i++) {
    if (coins[i]!.denom === coins[i - 1]!.denom) {
      throw new InvalidAmountError(
        `invalid amount ${JSON.stringify(input)}: denomination ${coins[i]!.denom} appears twice`,
      );
    }
  }
  return coins;
}

/** 1500000 -> "1.5"; exact, for any size. */
export function formatCif(ucif: bigint | string): string {
  const v = BigInt(ucif);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(DISPLAY_DECIMALS + 1, "0");
  const whole = digits.slice(0, -DISPLAY_DECIMALS);
  const frac = digits.slice(-DISPLAY_DECIMALS).replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** "1500000ucif (1.5 CIF)" for ucif, "5uother" for anything else. */
export function formatCoin(c: Coin): string {
  return c.denom === BASE_DENOM
    ? `${c.amount}${c.denom} (${formatCif(c.amount)} ${DISPLAY_DENOM})`
    : `${c.amount}${c.denom}`;
}
