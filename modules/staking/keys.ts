import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { concatBytes, uint64BE, utf8 } from "../../chain/crypto/hash.ts";

// Store layout of x/staking (the SDK's x/staking/types/keys.go, with length-prefixed addresses).
export const KEY_PARAMS = utf8("p");
export const KEY_LAST_TOTAL_POWER = Uint8Array.of(0x12);
const LAST_POWER = Uint8Array.of(0x11);
const VALIDATOR = Uint8Array.of(0x21);
const VALIDATOR_BY_CONS = Uint8Array.of(0x22);
const VALIDATOR_BY_POWER = Uint8Array.of(0x23);
const DELEGATION = Uint8Array.of(0x31);
const DELEGATION_BY_VAL = Uint8Array.of(0x37);
const UNBONDING = Uint8Array.of(0x32);
const UNBONDING_BY_VAL = Uint8Array.of(0x33);
const REDELEGATION = Uint8Array.of(0x34);
const REDELEGATION_BY_SRC = Uint8Array.of(0x35);
const REDELEGATION_BY_DST = Uint8Array.of(0x36);
const UNBONDING_QUEUE = Uint8Array.of(0x41);
const REDELEGATION_QUEUE = Uint8Array.of(0x42);
const VALIDATOR_QUEUE = Uint8Array.of(0x43);

const lp = (addr: Uint8Array) => concatBytes(Uint8Array.of(addr.length), addr);

/** Sortable time: seconds then nanos, big-endian (negative times are refused before this). */
export const timeKey = (t: Timestamp) => {
  const b = Buffer.alloc(12);
  b.writeBigUInt64BE(t.seconds);
  b.writeUInt32BE(t.nanos, 8);
  return new Uint8Array(b);
};

export const lastPowerPrefix = LAST_POWER;
export const lastPowerKey = (val: Uint8Array) => concatBytes(LAST_POWER, lp(val));
export const validatorPrefix = VALIDATOR;
export const validatorKey = (val: Uint8Array) => concatBytes(VALIDATOR, lp(val));
export const validatorByConsKey = (cons: Uint8Array) => concatBytes(VALIDATOR_BY_CONS, lp(cons));
export const powerIndexPrefix = VALIDATOR_BY_POWER;

/**
 * Power index key: consensus power big-endian, then the operator address bit-inverted, so iterating
 * backwards yields the most power first and, among equals, the lower address first (as the SDK).
 */
export function powerIndexKey(power: bigint, val: Uint8Array): Uint8Array {
  return concatBytes(VALIDATOR_BY_POWER, uint64BE(power), lp(val.map((b) => 0xff - b)));
}

export const delegationPrefix = DELEGATION;
export const delegationKey = (del: Uint8Array, val: Uint8Array) => concatBytes(DELEGATION, lp(del), lp(val));
export const delegationsOfPrefix = (del: Uint8Array) => concatBytes(DELEGATION, lp(del));
export const delegationByValKey = (val: Uint8Array, del: Uint8Array) =>
  concatBytes(DELEGATION_BY_VAL, lp(val), lp(del));
export const delegationByValPrefix = (val: Uint8Array) => concatBytes(DELEGATION_BY_VAL, lp(val));

export const unbondingPrefix = UNBONDING;
export const unbondingKey = (del: Uint8Array, val: Uint8Array) => concatBytes(UNBONDING, lp(del), lp(val));
export const unbondingsOfPrefix = (del: Uint8Array) => concatBytes(UNBONDING, lp(del));
export const unbondingByValKey = (val: Uint8Array, del: Uint8Array) =>
  concatBytes(UNBONDING_BY_VAL, lp(val), lp(del));
export const unbondingByValPrefix = (val: Uint8Array) => concatBytes(UNBONDING_BY_VAL, lp(val));

export const redelegationPrefix = REDELEGATION;
export const redelegationKey = (del: Uint8Array, src: Uint8Array, dst: Uint8Array) =>
  concatBytes(REDELEGATION, lp(del), lp(src), lp(dst));
export const redelegationsOfPrefix = (del: Uint8Array) => concatBytes(REDELEGATION, lp(del));
export const redelegationBySrcKey = (src: Uint8Array, del: Uint8Array, dst: Uint8Array) =>
  concatBytes(REDELEGATION_BY_SRC, lp(src), lp(del), lp(dst));
export const redelegationBySrcPrefix = (src: Uint8Array) => concatBytes(REDELEGATION_BY_SRC, lp(src));
export const redelegationByDstKey = (dst: Uint8Array, del: Uint8Array, src: Uint8Array) =>
  concatBytes(REDELEGATION_BY_DST, lp(dst), lp(del), lp(src));
export const redelegationByDstPrefix = (dst: Uint8Array, del: Uint8Array) =>
  concatBytes(REDELEGATION_BY_DST, lp(dst), lp(del));

export const unbondingQueueKey = (t: Timestamp) => concatBytes(UNBONDING_QUEUE, timeKey(t));
export const unbondingQueuePrefix = UNBONDING_QUEUE;
export const redelegationQueueKey = (t: Timestamp) => concatBytes(REDELEGATION_QUEUE, timeKey(t));
export const redelegationQueuePrefix = REDELEGATION_QUEUE;
export const validatorQueueKey = (t: Timestamp, height: bigint) =>
  concatBytes(VALIDATOR_QUEUE, timeKey(t), uint64BE(height));
export const validatorQueuePrefix = VALIDATOR_QUEUE;

/** Splits a key made of length-prefixed addresses after `skip` bytes. */
export function readAddresses(key: Uint8Array, skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = skip; i < key.length; ) {
    const n = key[i]!;
    out.push(key.subarray(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return out;
}
