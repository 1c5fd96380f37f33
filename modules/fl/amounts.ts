// Amounts of the module: ucif as bigint in code, decimal strings in records (Cosmos Int).

const AMOUNT_RE = /^[0-9]{1,78}$/;

export const isValidCoinAmount = (s: string) => AMOUNT_RE.test(s);

/** A stored amount ("" is zero: proto3 leaves a zero out). */
export const amount = (s: string) => (s === "" ? 0n : BigInt(s));

export const amountString = (n: bigint) => n.toString();
