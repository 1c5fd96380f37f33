import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accountFromAny } from "@cosmjs/stargate";
import { ContinuousVestingAccount } from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import type { Coin64 } from "../../chain/types/coins.ts";
import { accountFromJson, accountToJson } from "../../modules/auth/account-json.ts";
import { type Account, decodeAccount, encodeAccount, toAny } from "../../modules/auth/keeper.ts";
import {
  lockedCoins,
  spendableCoins,
  trackDelegation,
  trackUndelegation,
  validateVesting,
  type Vesting,
  type VestingSchedule,
  vestedCoins,
  vestingCoins,
} from "../../modules/auth/vesting.ts";
import { randomKey } from "../helpers/signer.ts";

// Test vectors of the Cosmos SDK's x/auth/vesting/types/vesting_account_test.go: original vesting
// 1000fee + 100stake over 24 hours from `now`.

const now = 1_767_225_600n;
const HOUR = 3600n;
const end = now + 24n * HOUR;
const c = (fee: bigint, stake: bigint): Coin64[] =>
  [
    { denom: "fee", amount: fee },
    { denom: "stake", amount: stake },
  ].filter((x) => x.amount > 0n);
const stake = (n: bigint): Coin64[] => [{ denom: "stake", amount: n }];
const orig = c(1000n, 100n);
const periods = [
  { length: 12n * HOUR, amount: c(500n, 50n) },
  { length: 6n * HOUR, amount: c(250n, 25n) },
  { length: 6n * HOUR, amount: c(250n, 25n) },
];

function account(schedule: VestingSchedule, original = orig, endTime = end): Vesting {
  return { originalVesting: original, delegatedFree: [], delegatedVesting: [], endTime, schedule };
}
const continuous = () => account({ kind: "continuous", startTime: now });
const delayed = () => account({ kind: "delayed" });
const periodic = () => account({ kind: "periodic", startTime: now, periods });

describe("ContinuousVestingAccount", () => {
  test("vested and vesting coins: none at the start, half at half time, all at and after the end", () => {
    const v = continuous();
    assert.deepEqual(vestedCoins(v, now), []);
    assert.deepEqual(vestedCoins(v, now - HOUR), [], "a start in the future has vested nothing");
    assert.deepEqual(vestedCoins(v, end), orig);
    assert.deepEqual(vestedCoins(v, now + 12n * HOUR), c(500n, 50n));
    assert.deepEqual(vestedCoins(v, now + 48n * HOUR), orig);
    assert.deepEqual(vestingCoins(v, now), orig);
    assert.deepEqual(vestingCoins(v, end), []);
    assert.deepEqual(vestingCoins(v, now + 12n * HOUR), c(500n, 50n));
  });

  test("scaling rounds as the SDK's LegacyDec: the fraction and the product, half to even", () => {
    const one = (amount: bigint, length: bigint) =>
      account({ kind: "continuous", startTime: 0n }, stake(amount), length);
    assert.deepEqual(vestedCoins(one(1n, 2n), 1n), [], "0.5 rounds to 0");
    assert.deepEqual(vestedCoins(one(3n, 2n), 1n), stake(2n), "1.5 rounds to 2");
    // 2/7 is 0.285714285714285714 in LegacyDec: 300000000000000001 x 2/7 = 85714285714285714.57 exactly,
    // but 85714285714285714.28... with the rounded fraction, so the SDK vests one unit less.
    assert.deepEqual(vestedCoins(one(300_000_000_000_000_001n, 7n), 2n), stake(85_714_285_714_285_714n));
  });

  test("locked coins: all at the start, none at the end, the vesting half at half time", () => {
    const v = continuous();
    assert.deepEqual(lockedCoins(v, now), orig);
    assert.deepEqual(lockedCoins(v, end), []);
    assert.deepEqual(lockedCoins(v, now + 12n * HOUR), c(500n, 50n));
  });

  test("trackDelegation splits a delegation into vesting and free parts", () => {
    let v = trackDelegation(continuous(), now, orig, orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [orig, []], "all vesting coins");
    v = trackDelegation(continuous(), end, orig, orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [[], orig], "all vested coins");
    v = trackDelegation(continuous(), now + 12n * HOUR, orig, stake(50n));
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [stake(50n), []]);
    v = trackDelegation(v, now + 12n * HOUR, orig, stake(50n));
    assert.deepEqual(
      [v.delegatedVesting, v.delegatedFree],
      [stake(50n), stake(50n)],
      "vesting half, then free",
    );
    const before = continuous();
    assert.throws(() => trackDelegation(before, end, orig, stake(1_000_000n)), /insufficient funds/);
    assert.throws(() => trackDelegation(before, end, orig, stake(0n)), /zero coins/);
    assert.deepEqual([before.delegatedVesting, before.delegatedFree], [[], []], "nothing changed");
  });

  test("trackUndelegation returns free coins first, then vesting ones (slashed delegations)", () => {
    let v = trackUndelegation(trackDelegation(continuous(), now, orig, orig), orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [[], []]);
    v = trackUndelegation(trackDelegation(continuous(), end, orig, orig), orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [[], []]);
    assert.throws(() => trackUndelegation(continuous(), stake(0n)), /zero coins/);
    // Vest 50%, delegate 50 to each of two validators; one was slashed by half.
    v = trackDelegation(continuous(), now + 12n * HOUR, orig, stake(50n));
    v = trackDelegation(v, now + 12n * HOUR, orig, stake(50n));
    v = trackUndelegation(v, stake(25n));
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [stake(50n), stake(25n)]);
    v = trackUndelegation(v, stake(50n));
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [stake(25n), []]);
  });

  test("delegated vesting coins lock nothing more: locked = max(vesting - delegated vesting, 0)", () => {
    const v = trackDelegation(continuous(), now, orig, stake(60n));
    assert.deepEqual(lockedCoins(v, now), c(1000n, 40n));
    // Half vested (50 stake still vesting) with 60 delegated vesting: no stake is locked.
    assert.deepEqual(lockedCoins(v, now + 12n * HOUR), c(500n, 0n));
  });
});

describe("DelayedVestingAccount", () => {
  test("vests everything at the end time and nothing before", () => {
    const v = delayed();
    assert.deepEqual(vestedCoins(v, now), []);
    assert.deepEqual(vestedCoins(v, end - 1n), []);
    assert.deepEqual(vestedCoins(v, end), orig);
    assert.deepEqual(vestingCoins(v, now), orig);
    assert.deepEqual(vestingCoins(v, end), []);
    assert.deepEqual(lockedCoins(v, now), orig);
    assert.deepEqual(lockedCoins(v, now + 12n * HOUR), orig);
    assert.deepEqual(lockedCoins(v, end), []);
    const d = trackDelegation(v, now + 12n * HOUR, orig, stake(50n));
    assert.deepEqual(lockedCoins(d, now + 12n * HOUR), c(1000n, 50n), "delegating reduces the locked coins");
  });

  test("delegation tracking", () => {
    let v = trackDelegation(delayed(), now, orig, orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [orig, []]);
    v = trackDelegation(delayed(), end, orig, orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [[], orig]);
    v = trackDelegation(delayed(), now + 12n * HOUR, orig, orig);
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [orig, []]);
    v = trackDelegation(delayed(), now + 12n * HOUR, orig, stake(50n));
    v = trackDelegation(v, now + 12n * HOUR, orig, stake(50n));
    v = trackUndelegation(v, stake(25n));
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [stake(75n), []]);
    v = trackUndelegation(v, stake(50n));
    assert.deepEqual([v.delegatedVesting, v.delegatedFree], [stake(25n), []]);
  });
});

describe("PeriodicVestingAccount", () => {
  test("each period's coins vest when the period is over", () => {
    const v = periodic();
    assert.deepEqual(vestedCoins(v, now), []);
    assert.deepEqual(vestedCoins(v, end), orig);
    assert.deepEqual(vestedCoins(v, now + 6n * HOUR), []);
    assert.deepEqual(vestedCoins(v, now + 12n * HOUR), c(500n, 50n));
    assert.deepEqual(vestedCoins(v, now + 15n * HOUR), c(500n, 50n));
    assert.deepEqual(vestedCoins(v, now + 18n * HOUR), c(750n, 75n));
    assert.deepEqual(vestedCoins(v, now + 48n * HOUR), orig);
    assert.deepEqual(vestingCoins(v, now + 18n * HOUR), c(250n, 25n));
    assert.deepEqual(lockedCoins(v, now + 12n * HOUR), c(500n, 50n));
  });

  test("a delegation uses the vesting coins first", () => {
    const v = trackDelegation(periodic(), now + 12n * HOUR, orig, c(750n, 75n));
    assert.deepEqual(v.delegatedVesting, periods[0]!.amount);
    assert.deepEqual(v.delegatedFree, periods[1]!.amount);
  });
});

test("spendable = balance - locked; nothing when locked exceeds a balance (the SDK's SpendableCoins)", () => {
  assert.deepEqual(spendableCoins(orig, stake(50n)), c(1000n, 50n));
  assert.deepEqual(spendableCoins(orig, []), orig);
  assert.deepEqual(spendableCoins(orig, orig), []);
  assert.deepEqual(spendableCoins(orig, stake(101n)), []);
  assert.deepEqual(spendableCoins([], []), []);
});

test("validation refuses what the SDK's Validate refuses", () => {
  const cases: Array<[Vesting, RegExp]> = [
    [account({ kind: "continuous", startTime: end }), /start-time cannot be before end-time/],
    [account({ kind: "periodic", startTime: now, periods: periods.slice(1) }), /end time does not match/],
    [
      account({ kind: "periodic", startTime: now, periods }, c(1000n, 99n)),
      /does not match the sum of all coins in vesting periods/,
    ],
    [account({ kind: "delayed" }, []), /invalid coins/],
    [{ ...delayed(), delegatedVesting: stake(101n) }, /cannot be greater than original vesting/],
  ];
  for (const [v, msg] of cases) assert.throws(() => validateVesting(v), msg);
  for (const v of [continuous(), delayed(), periodic()]) validateVesting(v);
});

describe("vesting accounts on the wire", () => {
  const base = { address: randomKey().address, pubKey: undefined, accountNumber: 7n, sequence: 3n };
  const accounts: Account[] = [continuous(), delayed(), periodic()].map((v) => ({
    base,
    vesting: trackDelegation(v, now, orig, stake(10n)),
  }));

  test("stored Any and genesis JSON round-trip every field", () => {
    for (const a of accounts) {
      assert.deepEqual(decodeAccount(encodeAccount(a)), a);
      assert.deepEqual(accountFromJson(JSON.parse(JSON.stringify(accountToJson(a))), "a"), a);
    }
  });

  test("the SDK's JSON shape: @type, base_vesting_account, start_time", () => {
    const j = accountToJson(accounts[0]!);
    assert.equal(j["@type"], "/cosmos.vesting.v1beta1.ContinuousVestingAccount");
    assert.equal(j.start_time, now.toString());
    assert.deepEqual(j.base_vesting_account, {
      base_account: { address: base.address, pub_key: null, account_number: "7", sequence: "3" },
      original_vesting: [
        { denom: "fee", amount: "1000" },
        { denom: "stake", amount: "100" },
      ],
      delegated_free: [],
      delegated_vesting: [{ denom: "stake", amount: "10" }],
      end_time: end.toString(),
    });
    assert.equal(accountToJson(accounts[1]!).start_time, undefined, "a delayed account has no start time");
  });

  test("CosmJS's accountFromAny reads each type's base account", () => {
    for (const a of accounts) {
      const read = accountFromAny(toAny(a));
      assert.deepEqual(
        { address: read.address, accountNumber: read.accountNumber, sequence: read.sequence },
        { address: base.address, accountNumber: 7n, sequence: 3 },
      );
    }
    const cva = ContinuousVestingAccount.decode(toAny(accounts[0]!).value);
    assert.equal(cva.startTime, now);
    assert.equal(cva.baseVestingAccount!.endTime, end);
  });
});
