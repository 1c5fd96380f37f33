import type { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import {
  type BaseVestingAccount,
  ContinuousVestingAccount,
  DelayedVestingAccount,
  PeriodicVestingAccount,
} from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { type Coin64, toWireCoins } from "../../chain/types/coins.ts";
import type { Vesting, VestingSchedule } from "./vesting.ts";

/** The SDK's vesting account types, Any-encoded exactly as x/auth/vesting registers them. */
export const CONTINUOUS_VESTING_ACCOUNT_TYPE = "/cosmos.vesting.v1beta1.ContinuousVestingAccount";
export const DELAYED_VESTING_ACCOUNT_TYPE = "/cosmos.vesting.v1beta1.DelayedVestingAccount";
export const PERIODIC_VESTING_ACCOUNT_TYPE = "/cosmos.vesting.v1beta1.PeriodicVestingAccount";

export const VESTING_TYPE_OF: Record<VestingSchedule["kind"], string> = {
  continuous: CONTINUOUS_VESTING_ACCOUNT_TYPE,
  delayed: DELAYED_VESTING_ACCOUNT_TYPE,
  periodic: PERIODIC_VESTING_ACCOUNT_TYPE,
};

// Stored state was validated when written, so amounts are read back without re-validation.
const fromWire = (coins: Coin[]): Coin64[] =>
  coins.map((c) => ({ denom: c.denom, amount: BigInt(c.amount) }));

function toBaseVesting(base: BaseAccount, v: Vesting): BaseVestingAccount {
  return {
    baseAccount: base,
    originalVesting: toWireCoins(v.originalVesting),
    delegatedFree: toWireCoins(v.delegatedFree),
    delegatedVesting: toWireCoins(v.delegatedVesting),
    endTime: v.endTime,
  };
}

function fromBaseVesting(
  bva: BaseVestingAccount | undefined,
  schedule: VestingSchedule,
): { base: BaseAccount; vesting: Vesting } {
  if (!bva?.baseAccount) throw new Error("vesting account without a base account");
  return {
    base: bva.baseAccount,
    vesting: {
      originalVesting: fromWire(bva.originalVesting),
      delegatedFree: fromWire(bva.delegatedFree),
      delegatedVesting: fromWire(bva.delegatedVesting),
      endTime: bva.endTime,
      schedule,
    },
  };
}

export function vestingAccountToAny(base: BaseAccount, v: Vesting): Any {
  const baseVestingAccount = toBaseVesting(base, v);
  const s = v.schedule;
  const typeUrl = VESTING_TYPE_OF[s.kind];
  if (s.kind === "continuous")
    return {
      typeUrl,
      value: ContinuousVestingAccount.encode({ baseVestingAccount, startTime: s.startTime }).finish(),
    };
  if (s.kind === "delayed")
    return { typeUrl, value: DelayedVestingAccount.encode({ baseVestingAccount }).finish() };
  return {
    typeUrl,
    value: PeriodicVestingAccount.encode({
      baseVestingAccount,
      startTime: s.startTime,
      vestingPeriods: s.periods.map((p) => ({ length: p.length, amount: toWireCoins(p.amount) })),
    }).finish(),
  };
}

/** The account of a vesting Any; undefined when the Any is not a vesting account type. */
export function vestingAccountFromAny(any: Any): { base: BaseAccount; vesting: Vesting } | undefined {
  switch (any.typeUrl) {
    case CONTINUOUS_VESTING_ACCOUNT_TYPE: {
      const a = ContinuousVestingAccount.decode(any.value);
      return fromBaseVesting(a.baseVestingAccount, { kind: "continuous", startTime: a.startTime });
    }
    case DELAYED_VESTING_ACCOUNT_TYPE:
      return fromBaseVesting(DelayedVestingAccount.decode(any.value).baseVestingAccount, { kind: "delayed" });
    case PERIODIC_VESTING_ACCOUNT_TYPE: {
      const a = PeriodicVestingAccount.decode(any.value);
      return fromBaseVesting(a.baseVestingAccount, {
        kind: "periodic",
        startTime: a.startTime,
        periods: a.vestingPeriods.map((p) => ({ length: p.length, amount: fromWire(p.amount) })),
      });
    }
    default:
      return undefined;
  }
}
