import { PPM } from "./params.ts";

// Rewards of a round (issue #5, the simple form), in whole ucif with bigint arithmetic, so every node
// pays exactly the same and the escrow adds up to the last ucif. Division rounds down; what rounding
// leaves ("dust") stays in the escrow and returns to the owner when the task ends.

/**
 * The budget of round `round` (1-based) out of `rounds`: pool / rounds, and the last round takes
 * what the others' budgets leave (pool - (rounds - 1) x pool / rounds) so no ucif is lost to rounding.
 */
export function roundBudget(pool: bigint, rounds: number, round: number): bigint {
  if (rounds < 1 || round < 1 || round > rounds) throw new Error(`round ${round} of ${rounds}`);
  const base = pool / BigInt(rounds);
  return round === rounds ? pool - base * BigInt(rounds - 1) : base;
}

export interface Payout {
  address: string;
  amount: bigint;
}

export interface RoundPayouts {
  fee: bigint;
  /** By member (operator address, sorted); a member that agreed in several stages has one share per stage. */
  committee: Payout[];
  /** By trainer, in the order given. */
  trainers: Payout[];
  /** committee + trainers: never more than the budget. */
  total: bigint;
}

/**
 * Splits a round's budget: the committee fee (budget x fee_ppm / 10^6) equally among the agreeing
 * members' slots (one slot per member per stage), the rest to trainers pro rata to the weights of
 * their accepted updates (samples, or contribution scores when the task pays by contribution).
 * Zero payouts are left out; with all weights zero the trainers' part stays in escrow.
 */
export function splitRound(
  budget: bigint,
  committeeFeePpm: number,
  agreedSlots: readonly string[],
  trainers: readonly { address: string; weight: bigint }[],
): RoundPayouts {
  const fee = agreedSlots.length > 0 ? (budget * BigInt(committeeFeePpm)) / PPM : 0n;
  const perSlot = agreedSlots.length > 0 ? fee / BigInt(agreedSlots.length) : 0n;
  const shares = new Map<string, bigint>();
  for (const v of agreedSlots) shares.set(v, (shares.get(v) ?? 0n) + perSlot);
  const committee = [...shares.keys()]
    .sort()
    .map((address) => ({ address, amount: shares.get(address)! }))
    .filter((p) => p.amount > 0n);
  const forTrainers = budget - fee;
  const weights = trainers.reduce((s, t) => s + t.weight, 0n);
  const trainerPay =
    weights === 0n
      ? []
      : trainers
          .map((t) => ({ address: t.address, amount: (forTrainers * t.weight) / weights }))
          .filter((p) => p.amount > 0n);
  const total = [...committee, ...trainerPay].reduce((s, p) => s + p.amount, 0n);
  return { fee, committee, trainers: trainerPay, total };
}
