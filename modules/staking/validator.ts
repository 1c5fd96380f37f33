import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { Dec } from "../../chain/types/dec.ts";
import { StakingCode, stakingError } from "./errors.ts";
import { POWER_REDUCTION } from "./params.ts";

// Pure share arithmetic of a validator (x/staking/types/validator.go). Validators are the wire type
// itself (cosmjs-types Validator: tokens an integer string, shares a Dec's atomics), so what is
// stored is exactly what queries return; these functions return new objects and never mutate.

export const ED25519_PUBKEY_TYPE = "/cosmos.crypto.ed25519.PubKey";

export const tokensOf = (v: Validator) => BigInt(v.tokens || "0");
export const sharesOf = (v: Validator) => Dec.fromProto(v.delegatorShares);
export const isBonded = (v: Validator) => v.status === BondStatus.BOND_STATUS_BONDED;
export const isUnbonded = (v: Validator) => v.status === BondStatus.BOND_STATUS_UNBONDED;

/** The validator's ed25519 consensus key from its Any. */
export function consensusPubKey(v: Validator): Uint8Array {
  if (v.consensusPubkey?.typeUrl !== ED25519_PUBKEY_TYPE)
    throw stakingError(StakingCode.ValidatorPubKeyTypeNotSupported, `${v.consensusPubkey?.typeUrl}`);
  return PubKey.decode(v.consensusPubkey.value).key;
}

export const consensusAddress = (v: Validator) => ed25519Address(consensusPubKey(v));

/** TokensToConsensusPower. */
export const tokensToPower = (tokens: bigint) => tokens / POWER_REDUCTION;

/** ConsensusPower: zero unless bonded. */
export const consensusPower = (v: Validator) => (isBonded(v) ? tokensToPower(tokensOf(v)) : 0n);

/** PotentialConsensusPower: what it would have if bonded (the power index orders by this). */
export const potentialPower = (v: Validator) => tokensToPower(tokensOf(v));

/** InvalidExRate: shares outstanding but no tokens behind them (fully slashed). */
export const invalidExRate = (v: Validator) => tokensOf(v) === 0n && sharesOf(v).isPositive();

export function tokensFromShares(v: Validator, shares: Dec): Dec {
  return shares.mulInt(tokensOf(v)).quo(sharesOf(v));
}

export function tokensFromSharesTruncated(v: Validator, shares: Dec): Dec {
  return shares.mulInt(tokensOf(v)).quoTruncate(sharesOf(v));
}

export function sharesFromTokens(v: Validator, amount: bigint): Dec {
  if (tokensOf(v) === 0n) throw stakingError(StakingCode.InsufficientShares, "validator has no tokens");
  return sharesOf(v).mulInt(amount).quoInt(tokensOf(v));
}

/** AddTokensFromDel: the shares issued for `amount` tokens at the current exchange rate. */
export function addTokensFromDel(v: Validator, amount: bigint): { validator: Validator; issued: Dec } {
  const issued = sharesOf(v).isZero() ? Dec.fromInt(amount) : sharesFromTokens(v, amount);
  return {
    validator: {
      ...v,
      tokens: (tokensOf(v) + amount).toString(),
      delegatorShares: sharesOf(v).add(issued).toProto(),
    },
    issued,
  };
}

/** RemoveDelShares: the tokens paid out for `shares`; the last shares take every remaining token. */
export function removeDelShares(v: Validator, shares: Dec): { validator: Validator; tokens: bigint } {
  const remaining = sharesOf(v).sub(shares);
  if (remaining.isNegative())
    throw stakingError(StakingCode.InsufficientShares, "removing more shares than exist");
  const tokens = remaining.isZero() ? tokensOf(v) : tokensFromShares(v, shares).truncateInt();
  const left = tokensOf(v) - tokens;
  if (left < 0n) throw new Error("validator tokens would go negative");
  return { validator: { ...v, tokens: left.toString(), delegatorShares: remaining.toProto() }, tokens };
}

/** RemoveTokens: slashing takes tokens without touching shares (every delegator loses pro rata). */
export function removeTokens(v: Validator, tokens: bigint): Validator {
  if (tokens < 0n || tokens > tokensOf(v))
    throw new Error("cannot remove more tokens than the validator has");
  return { ...v, tokens: (tokensOf(v) - tokens).toString() };
}
