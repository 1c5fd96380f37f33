import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import type { Description } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  MsgBeginRedelegate,
  MsgBeginRedelegateResponse,
  MsgCreateValidator,
  MsgCreateValidatorResponse,
  MsgDelegate,
  MsgDelegateResponse,
  MsgEditValidator,
  MsgEditValidatorResponse,
  MsgUndelegate,
  MsgUndelegateResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import type { MsgDef } from "../../chain/app/module.ts";
import { Dec, DecError } from "../../chain/types/dec.ts";
import { StakingCode, stakingError } from "./errors.ts";
import type { StakingKeeper } from "./keeper.ts";
import { accBytes, accountOf, valBytes } from "./store.ts";
import { ED25519_PUBKEY_TYPE } from "./validator.ts";

/** The SDK's sentinel for "leave this description field as it is" in MsgEditValidator. */
export const DO_NOT_MODIFY = "[do-not-modify]";
const LIMITS: Record<keyof Description, number> = {
  moniker: 70,
  identity: 3000,
  website: 140,
  securityContact: 140,
  details: 280,
};

function address(bytesOf: (a: string) => Uint8Array, a: string, what: string): Uint8Array {
  try {
    return bytesOf(a);
  } catch (e) {
    throw sdkError(SdkCode.InvalidAddress, `invalid ${what} address: ${(e as Error).message}`);
  }
}
const valAddr = (a: string) => address(valBytes, a, "validator");
const delAddr = (a: string) => address(accBytes, a, "delegator");

function dec(s: string, what: string): Dec {
  try {
    return Dec.fromProto(s);
  } catch (e) {
    if (e instanceof DecError) throw sdkError(SdkCode.InvalidRequest, `invalid ${what}: ${e.message}`);
    throw e;
  }
}

function positiveInt(s: string, what: string): bigint {
  if (!/^\d{1,77}$/.test(s)) throw sdkError(SdkCode.InvalidRequest, `invalid ${what} "${s}"`);
  return BigInt(s);
}

function bondAmount(c: Coin | undefined, what: string): bigint {
  if (!c) throw sdkError(SdkCode.InvalidRequest, `missing ${what}`);
  const amount = positiveInt(c.amount, what);
  if (amount === 0n) throw sdkError(SdkCode.InvalidRequest, `invalid ${what}: must be positive`);
  return amount;
}

async function checkDenom(ctx: Context, k: StakingKeeper, c: Coin): Promise<void> {
  const { bondDenom } = await k.params(ctx);
  if (c.denom !== bondDenom)
    throw sdkError(
      SdkCode.InvalidRequest,
      `invalid coin denomination: got ${c.denom}, expected ${bondDenom}`,
    );
}

function checkDescription(d: Description | undefined, edit: boolean): void {
  if (!d) throw sdkError(SdkCode.InvalidRequest, "missing description");
  for (const [field, max] of Object.entries(LIMITS) as [keyof Description, number][])
    if (d[field].length > max && d[field] !== DO_NOT_MODIFY)
      throw sdkError(SdkCode.InvalidRequest, `invalid ${field} length; got: ${d[field].length}, max: ${max}`);
  if (!edit && d.moniker.trim() === "") throw sdkError(SdkCode.InvalidRequest, "empty description: moniker");
}

function checkCommission(rate: Dec, maxRate: Dec, maxChangeRate: Dec): void {
  if (maxRate.isNegative() || rate.isNegative() || maxChangeRate.isNegative())
    throw stakingError(StakingCode.CommissionNegative, "commission must be positive");
  if (maxRate.gt(Dec.ONE))
    throw stakingError(StakingCode.CommissionHuge, "commission cannot be more than 100%");
  if (rate.gt(maxRate))
    throw stakingError(StakingCode.CommissionGTMaxRate, "commission cannot be more than the max rate");
  if (maxChangeRate.gt(maxRate))
    throw stakingError(
      StakingCode.CommissionChangeRateGTMaxRate,
      "commission change rate cannot be more than the max rate",
    );
}

const merge = (old: Description, d: Description): Description => ({
  moniker: d.moniker === DO_NOT_MODIFY ? old.moniker : d.moniker,
  identity: d.identity === DO_NOT_MODIFY ? old.identity : d.identity,
  website: d.website === DO_NOT_MODIFY ? old.website : d.website,
  securityContact: d.securityContact === DO_NOT_MODIFY ? old.securityContact : d.securityContact,
  details: d.details === DO_NOT_MODIFY ? old.details : d.details,
});

const reply = (typeUrl: string, value: Uint8Array) => ({ typeUrl, value });

export function stakingMsgs(k: StakingKeeper): MsgDef<never>[] {
  const createValidator: MsgDef<MsgCreateValidator> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
    decode: (b) => MsgCreateValidator.decode(b),
    // SDK v0.50: the operator signs; the deprecated delegator address, if set, must be the same account.
    signers: (m) => [accountOf(valAddr(m.validatorAddress))],
    validateBasic(m) {
      const val = valAddr(m.validatorAddress);
      if (
        m.delegatorAddress !== "" &&
        Buffer.compare(Buffer.from(delAddr(m.delegatorAddress)), Buffer.from(val)) !== 0
      )
        throw sdkError(SdkCode.InvalidRequest, "delegator address must be the validator's own account");
      if (!m.pubkey) throw stakingError(StakingCode.EmptyValidatorPubKey, "empty validator public key");
      if (m.pubkey.typeUrl !== ED25519_PUBKEY_TYPE)
        throw stakingError(
          StakingCode.ValidatorPubKeyTypeNotSupported,
          `got: ${m.pubkey.typeUrl}, expected: [ed25519]`,
        );
      if (PubKey.decode(m.pubkey.value).key.length !== 32)
        throw stakingError(StakingCode.ValidatorPubKeyTypeNotSupported, "ed25519 keys are 32 bytes");
      bondAmount(m.value, "delegation amount");
      checkDescription(m.description, false);
      const c = m.commission;
      if (!c) throw sdkError(SdkCode.InvalidRequest, "missing commission");
      checkCommission(
        dec(c.rate, "rate"),
        dec(c.maxRate, "max rate"),
        dec(c.maxChangeRate, "max change rate"),
      );
      const min = positiveInt(m.minSelfDelegation, "minimum self delegation");
      if (min === 0n)
        throw sdkError(SdkCode.InvalidRequest, "minimum self delegation must be a positive integer");
      if (bondAmount(m.value, "delegation amount") < min)
        throw stakingError(StakingCode.SelfDelegationBelowMinimum, "self delegation is below the minimum");
    },
    async handle(ctx, m) {
      await checkDenom(ctx, k, m.value!);
      const c = m.commission!;
      await k.createValidator(ctx, {
        valoper: m.validatorAddress,
        pubkey: m.pubkey!,
        value: BigInt(m.value!.amount),
        description: m.description!,
        commission: {
          rate: Dec.fromProto(c.rate),
          maxRate: Dec.fromProto(c.maxRate),
          maxChangeRate: Dec.fromProto(c.maxChangeRate),
        },
        minSelfDelegation: BigInt(m.minSelfDelegation),
      });
      return reply(
        "/cosmos.staking.v1beta1.MsgCreateValidatorResponse",
        MsgCreateValidatorResponse.encode({}).finish(),
      );
    },
  };

  const editValidator: MsgDef<MsgEditValidator> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator",
    decode: (b) => MsgEditValidator.decode(b),
    signers: (m) => [accountOf(valAddr(m.validatorAddress))],
    validateBasic(m) {
      valAddr(m.validatorAddress);
      checkDescription(m.description, true);
      if (m.commissionRate !== "") {
        const r = dec(m.commissionRate, "commission rate");
        if (r.isNegative() || r.gt(Dec.ONE))
          throw sdkError(SdkCode.InvalidRequest, "commission rate must be between 0 and 1 (inclusive)");
      }
      if (m.minSelfDelegation !== "" && positiveInt(m.minSelfDelegation, "minimum self delegation") === 0n)
        throw sdkError(SdkCode.InvalidRequest, "minimum self delegation must be a positive integer");
    },
    async handle(ctx, m) {
      const v = await k.validator(ctx, m.validatorAddress);
      await k.editValidator(ctx, m.validatorAddress, {
        description: merge(v.description!, m.description!),
        ...(m.commissionRate !== "" ? { rate: Dec.fromProto(m.commissionRate) } : {}),
        ...(m.minSelfDelegation !== "" ? { minSelfDelegation: BigInt(m.minSelfDelegation) } : {}),
      });
      return reply(
        "/cosmos.staking.v1beta1.MsgEditValidatorResponse",
        MsgEditValidatorResponse.encode({}).finish(),
      );
    },
  };

  const delegate: MsgDef<MsgDelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
    decode: (b) => MsgDelegate.decode(b),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      delAddr(m.delegatorAddress);
      valAddr(m.validatorAddress);
      bondAmount(m.amount, "delegation amount");
    },
    async handle(ctx, m) {
      await checkDenom(ctx, k, m.amount!);
      const v = await k.validator(ctx, m.validatorAddress);
      const amount = BigInt(m.amount!.amount);
      const shares = await k.delegate(ctx, delAddr(m.delegatorAddress), amount, 1, v, true);
      ctx.events.emit(
        event("delegate", [
          ["validator", m.validatorAddress],
          ["delegator", m.delegatorAddress],
          ["amount", `${amount}${m.amount!.denom}`],
          ["new_shares", shares.toString()],
        ]),
      );
      return reply("/cosmos.staking.v1beta1.MsgDelegateResponse", MsgDelegateResponse.encode({}).finish());
    },
  };

  const undelegate: MsgDef<MsgUndelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
    decode: (b) => MsgUndelegate.decode(b),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      delAddr(m.delegatorAddress);
      valAddr(m.validatorAddress);
      bondAmount(m.amount, "shares amount");
    },
    async handle(ctx, m) {
      await checkDenom(ctx, k, m.amount!);
      const del = delAddr(m.delegatorAddress);
      const shares = await k.sharesForAmount(ctx, del, m.validatorAddress, BigInt(m.amount!.amount));
      const { completionTime, amount } = await k.undelegate(ctx, del, m.validatorAddress, shares);
      ctx.events.emit(
        event("unbond", [
          ["validator", m.validatorAddress],
          ["delegator", m.delegatorAddress],
          ["amount", `${amount}${m.amount!.denom}`],
          ["completion_time", new Date(Number(completionTime.seconds) * 1000).toISOString()],
        ]),
      );
      return reply(
        "/cosmos.staking.v1beta1.MsgUndelegateResponse",
        MsgUndelegateResponse.encode({
          completionTime,
          amount: { denom: m.amount!.denom, amount: amount.toString() },
        }).finish(),
      );
    },
  };

  const redelegate: MsgDef<MsgBeginRedelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
    decode: (b) => MsgBeginRedelegate.decode(b),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      delAddr(m.delegatorAddress);
      valAddr(m.validatorSrcAddress);
      valAddr(m.validatorDstAddress);
      bondAmount(m.amount, "shares amount");
    },
    async handle(ctx, m) {
      await checkDenom(ctx, k, m.amount!);
      const del = delAddr(m.delegatorAddress);
      const shares = await k.sharesForAmount(ctx, del, m.validatorSrcAddress, BigInt(m.amount!.amount));
      const completionTime = await k.beginRedelegation(
        ctx,
        del,
        m.validatorSrcAddress,
        m.validatorDstAddress,
        shares,
      );
      ctx.events.emit(
        event("redelegate", [
          ["source_validator", m.validatorSrcAddress],
          ["destination_validator", m.validatorDstAddress],
          ["delegator", m.delegatorAddress],
          ["amount", `${m.amount!.amount}${m.amount!.denom}`],
        ]),
      );
      return reply(
        "/cosmos.staking.v1beta1.MsgBeginRedelegateResponse",
        MsgBeginRedelegateResponse.encode({ completionTime }).finish(),
      );
    },
  };

  return [createValidator, editValidator, delegate, undelegate, redelegate] as MsgDef<never>[];
}
