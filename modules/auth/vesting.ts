import { amountOf, type Coin64 } from "../../chain/types/coins.ts";
import { Dec } from "../../chain/types/dec.ts";

/**
 * The Cosmos SDK's x/auth/vesting accounting (v0.50 vesting_account.go and the bank keeper's
 * SpendableCoins), as pure functions over bigint coins. Times are unix seconds of the block time,
 * never the wall clock. Coin lists are sorted by denom and hold no zero amounts.
 */

export type VestingSchedule =
  /** Vests linearly from startTime to the account's endTime. */
  | { kind: "continuous"; startTime: bigint }
  /** Vests everything at endTime. */
  | { kind: "delayed" }
  /** Vests each period's amount once that period has elapsed, the first starting at startTime. */
  | { kind: "periodic"; startTime: bigint; periods: VestingPeriod[] };

export interface VestingPeriod {
  length: bigint;
  amount: Coin64[];
}

/** A BaseVestingAccount's fields beside its BaseAccount, with the schedule of its concrete type. */
export interface Vesting {
  originalVesting: Coin64[];
  delegatedFree: Coin64[];
  delegatedVesting: Coin64[];
  endTime: bigint;
  schedule: VestingSchedule;
}

/** Per-denom combination of two coin lists; zero results are dropped (sdk.Coins are sanitised). */
function combine(a: Coin64[], b: Coin64[], f: (x: bigint, y: bigint) => bigint): Coin64[] {
  const denoms = [...new Set([...a.map((c) => c.denom), ...b.map((c) => c.denom)])].sort();
  return denoms
    .map((denom) => ({ denom, amount: f(amountOf(a, denom), amountOf(b, denom)) }))
    .filter((c) => c.amount !== 0n);
}

const minBig = (x: bigint, y: bigint) => (x < y ? x : y);
const maxBig = (x: bigint, y: bigint) => (x > y ? x : y);

/** GetVestedCoins of the account's type at `time`. */
export function vestedCoins(v: Vesting, time: bigint): Coin64[] {
  const s = v.schedule;
  if (s.kind === "delayed") return time >= v.endTime ? v.originalVesting : [];
  // A start in the future (or a chain whose start was not known) has vested nothing yet.
  if (time <= s.startTime) return [];
  if (time >= v.endTime) return v.originalVesting;
  if (s.kind === "continuous") {
    // The SDK scales with LegacyDec (banker's rounding in Quo, Mul and RoundInt): so do we, to the unit.
    const fraction = Dec.fromInt(time - s.startTime).quo(Dec.fromInt(v.endTime - s.startTime));
    return v.originalVesting
      .map((c) => ({ denom: c.denom, amount: Dec.fromInt(c.amount).mul(fraction).roundInt() }))
      .filter((c) => c.amount !== 0n);
  }
  let vested: Coin64[] = [];
  let periodStart = s.startTime;
  for (const p of s.periods) {
    if (time - periodStart < p.length) break;
    vested = combine(vested, p.amount, (x, y) => x + y);
    periodStart += p.length;
  }
  return vested;
}

/** GetVestingCoins: what has not vested yet. */
export function vestingCoins(v: Vesting, time: bigint): Coin64[] {
  return combine(v.originalVesting, vestedCoins(v, time), (x, y) => x - y);
}

/**
 * LockedCoins: the vesting coins that are not delegated, max(vesting - delegatedVesting, 0) per denom.
 * Delegated vesting coins are out of the balance already, so they lock nothing more.
 */
export function lockedCoins(v: Vesting, time: bigint): Coin64[] {
  return combine(vestingCoins(v, time), v.delegatedVesting, (x, y) => maxBig(x - y, 0n));
}

/**
 * The bank's SpendableCoins: balance - locked. As the SDK does, when locked exceeds the balance in
 * any denom nothing at all is spendable.
 */
export function spendableCoins(balance: Coin64[], locked: Coin64[]): Coin64[] {
  if (locked.some((l) => amountOf(balance, l.denom) < l.amount)) return [];
  return combine(balance, locked, (x, y) => x - y);
}

/**
 * TrackDelegation: `amount` leaves a balance of `balance` (before the delegation) into staking. The
 * part still vesting, up to what is not yet delegated of it, counts as delegated vesting; the rest
 * as delegated free: X = min(max(V - DV, 0), D), Y = D - X.
 */
export function trackDelegation(v: Vesting, time: bigint, balance: Coin64[], amount: Coin64[]): Vesting {
  const vesting = vestingCoins(v, time);
  let { delegatedFree, delegatedVesting } = v;
  for (const coin of amount) {
    // The SDK panics here: callers (the bank's delegateCoins) check the balance first.
    if (coin.amount === 0n || amountOf(balance, coin.denom) < coin.amount)
      throw new Error("delegation attempt with zero coins or insufficient funds");
    const x = minBig(
      maxBig(amountOf(vesting, coin.denom) - amountOf(delegatedVesting, coin.denom), 0n),
      coin.amount,
    );
    const y = coin.amount - x;
    delegatedVesting = combine(delegatedVesting, [{ denom: coin.denom, amount: x }], (a, b) => a + b);
    delegatedFree = combine(delegatedFree, [{ denom: coin.denom, amount: y }], (a, b) => a + b);
  }
  return { ...v, delegatedFree, delegatedVesting };
}

/**
 * TrackUndelegation: `amount` comes back from staking. Free coins are returned first, then vesting
 * ones: X = min(DF, D), Y = min(DV, D - X). A slashed delegation returns less than was delegated,
 * so delegated vesting may stay above zero, as in the SDK.
 */
export function trackUndelegation(v: Vesting, amount: Coin64[]): Vesting {
  let { delegatedFree, delegatedVesting } = v;
  for (const coin of amount) {
    if (coin.amount === 0n) throw new Error("undelegation attempt with zero coins");
    const x = minBig(amountOf(delegatedFree, coin.denom), coin.amount);
    const y = minBig(amountOf(delegatedVesting, coin.denom), coin.amount - x);
    delegatedFree = combine(delegatedFree, [{ denom: coin.denom, amount: x }], (a, b) => a - b);
    delegatedVesting = combine(delegatedVesting, [{ denom: coin.denom, amount: y }], (a, b) => a - b);
  }
  return { ...v, delegatedFree, delegatedVesting };
}

/** The SDK's Validate() of each vesting account type (run on genesis accounts); throws what is wrong. */
export function validateVesting(v: Vesting): void {
  const s = v.schedule;
  if (s.kind === "continuous" && s.startTime >= v.endTime)
    throw new Error("vesting start-time cannot be before end-time");
  if (s.kind === "periodic") {
    if (s.startTime >= v.endTime) throw new Error("vesting start-time cannot be before end-time");
    let end = s.startTime;
    let total: Coin64[] = [];
    for (const p of s.periods) {
      end += p.length;
      total = combine(total, p.amount, (x, y) => x + y);
    }
    if (end !== v.endTime) throw new Error("vesting end time does not match length of all vesting periods");
    if (combine(total, v.originalVesting, (x, y) => x - y).length > 0)
      throw new Error("original vesting coins does not match the sum of all coins in vesting periods");
  }
  if (v.originalVesting.length === 0) throw new Error("invalid coins: original vesting is empty");
  if (v.delegatedVesting.some((c) => c.amount > amountOf(v.originalVesting, c.denom)))
    throw new Error("delegated vesting amount cannot be greater than original vesting amount");
}
