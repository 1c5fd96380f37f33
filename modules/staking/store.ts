import {
  Delegation,
  DVPairs,
  DVVTriplets,
  Redelegation,
  UnbondingDelegation,
  ValAddresses,
  Validator,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { Context } from "../../chain/app/context.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import { Dec } from "../../chain/types/dec.ts";
import * as K from "./keys.ts";
import { DEFAULT_STAKING_PARAMS, type StakingParams } from "./params.ts";
import { consensusAddress, potentialPower } from "./validator.ts";

export const STAKING_STORE_KEY = "staking";
export const VALOPER_PREFIX = "cifvaloper";
export const VALCONS_PREFIX = "cifvalcons";

export const valBytes = (valoper: string) => parseAddress(valoper, VALOPER_PREFIX);
export const accBytes = (address: string) => parseAddress(address);
export const valoperOf = (bytes: Uint8Array) => toAddress(bytes, VALOPER_PREFIX);
export const accountOf = (bytes: Uint8Array) => toAddress(bytes);

/**
 * Storage of x/staking: every record and its secondary indexes, written together. No business
 * rules here; the keeper decides, this keeps the indexes consistent.
 */
export class StakingStore {
  private kv(ctx: Context): KVStore {
    return ctx.kv(STAKING_STORE_KEY);
  }

  async params(ctx: Context): Promise<StakingParams> {
    const raw = await this.kv(ctx).get(K.KEY_PARAMS);
    if (!raw) return DEFAULT_STAKING_PARAMS;
    const j = JSON.parse(fromUtf8(raw)) as Record<string, string | number>;
    return {
      unbondingTimeSeconds: BigInt(j.unbondingTimeSeconds!),
      maxValidators: Number(j.maxValidators),
      maxEntries: Number(j.maxEntries),
      historicalEntries: Number(j.historicalEntries),
      bondDenom: String(j.bondDenom),
      minCommissionRate: Dec.fromProto(String(j.minCommissionRate)),
      epochBlocks: BigInt(j.epochBlocks!),
    };
  }

  setParams(ctx: Context, p: StakingParams): void {
    const j = {
      unbondingTimeSeconds: p.unbondingTimeSeconds.toString(),
      maxValidators: p.maxValidators,
      maxEntries: p.maxEntries,
      historicalEntries: p.historicalEntries,
      bondDenom: p.bondDenom,
      minCommissionRate: p.minCommissionRate.toProto(),
      epochBlocks: p.epochBlocks.toString(),
    };
    this.kv(ctx).set(K.KEY_PARAMS, utf8(JSON.stringify(j)));
  }

  // ---- validators ------------------------------------------------------------------------------

  async validator(ctx: Context, val: Uint8Array): Promise<Validator | undefined> {
    const raw = await this.kv(ctx).get(K.validatorKey(val));
    return raw ? Validator.decode(raw) : undefined;
  }

  async validatorByCons(ctx: Context, cons: Uint8Array): Promise<Validator | undefined> {
    const val = await this.kv(ctx).get(K.validatorByConsKey(cons));
    return val ? this.validator(ctx, val) : undefined;
  }

  /**
   * Writes a validator and keeps the power index in step: indexed while not jailed, at the power of
   * its tokens (the SDK maintains it by hand at every call site; doing it here makes it unmissable).
   */
  async setValidator(ctx: Context, v: Validator): Promise<void> {
    const val = valBytes(v.operatorAddress);
    const old = await this.validator(ctx, val);
    if (old && !old.jailed) this.kv(ctx).delete(K.powerIndexKey(potentialPower(old), val));
    this.kv(ctx).set(K.validatorKey(val), Validator.encode(v).finish());
    this.kv(ctx).set(K.validatorByConsKey(consensusAddress(v)), val);
    if (!v.jailed) this.kv(ctx).set(K.powerIndexKey(potentialPower(v), val), val);
  }

  removeValidator(ctx: Context, v: Validator): void {
    const val = valBytes(v.operatorAddress);
    this.kv(ctx).delete(K.validatorKey(val));
    this.kv(ctx).delete(K.validatorByConsKey(consensusAddress(v)));
    this.kv(ctx).delete(K.powerIndexKey(potentialPower(v), val));
  }

  async *validators(ctx: Context): AsyncIterable<Validator> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.validatorPrefix)) yield Validator.decode(v);
  }

  /** Operator addresses by power, most first (jailed validators are not indexed). */
  async *validatorsByPower(ctx: Context): AsyncIterable<Uint8Array> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.powerIndexPrefix, true)) yield v;
  }

  /** What consensus was last told of a validator: its power and proposer weight ("power/weight"). */
  setLastPower(ctx: Context, val: Uint8Array, power: bigint, weight: bigint): void {
    this.kv(ctx).set(K.lastPowerKey(val), utf8(`${power}/${weight}`));
  }

  deleteLastPower(ctx: Context, val: Uint8Array): void {
    this.kv(ctx).delete(K.lastPowerKey(val));
  }

  /** The consensus set as last handed to CometBFT: operator address to power, by address. */
  async lastPowers(ctx: Context): Promise<Map<string, { val: Uint8Array; power: bigint; weight: bigint }>> {
    const out = new Map<string, { val: Uint8Array; power: bigint; weight: bigint }>();
    for await (const [k, v] of iteratePrefix(this.kv(ctx), K.lastPowerPrefix)) {
      const [val] = K.readAddresses(k, K.lastPowerPrefix.length);
      const [power, weight] = fromUtf8(v)
        .split("/")
        .map((x) => BigInt(x)) as [bigint, bigint];
      out.set(Buffer.from(val!).toString("hex"), { val: Uint8Array.from(val!), power, weight });
    }
    return out;
  }

  async lastTotalPower(ctx: Context): Promise<bigint> {
    const raw = await this.kv(ctx).get(K.KEY_LAST_TOTAL_POWER);
    return raw ? BigInt(fromUtf8(raw)) : 0n;
  }

  setLastTotalPower(ctx: Context, power: bigint): void {
    this.kv(ctx).set(K.KEY_LAST_TOTAL_POWER, utf8(power.toString()));
  }

  // ---- delegations ----------------------------------------------------------------------------

  async delegation(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<Delegation | undefined> {
    const raw = await this.kv(ctx).get(K.delegationKey(del, val));
    return raw ? Delegation.decode(raw) : undefined;
  }

  setDelegation(ctx: Context, d: Delegation): void {
    const del = accBytes(d.delegatorAddress);
    const val = valBytes(d.validatorAddress);
    this.kv(ctx).set(K.delegationKey(del, val), Delegation.encode(d).finish());
    this.kv(ctx).set(K.delegationByValKey(val, del), new Uint8Array());
  }

  removeDelegation(ctx: Context, d: Delegation): void {
    const del = accBytes(d.delegatorAddress);
    const val = valBytes(d.validatorAddress);
    this.kv(ctx).delete(K.delegationKey(del, val));
    this.kv(ctx).delete(K.delegationByValKey(val, del));
  }

  async delegationsOf(ctx: Context, del: Uint8Array): Promise<Delegation[]> {
    const out: Delegation[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.delegationsOfPrefix(del)))
      out.push(Delegation.decode(v));
    return out;
  }

  async delegationsTo(ctx: Context, val: Uint8Array): Promise<Delegation[]> {
    const prefix = K.delegationByValPrefix(val);
    const dels: Uint8Array[] = [];
    for await (const [k] of iteratePrefix(this.kv(ctx), prefix))
      dels.push(K.readAddresses(k, prefix.length)[0]!);
    const out: Delegation[] = [];
    for (const del of dels) {
      const d = await this.delegation(ctx, del, val);
      if (d) out.push(d);
    }
    return out;
  }

  async *allDelegations(ctx: Context): AsyncIterable<Delegation> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.delegationPrefix)) yield Delegation.decode(v);
  }

  // ---- unbonding delegations ------------------------------------------------------------------

  async unbonding(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<UnbondingDelegation | undefined> {
    const raw = await this.kv(ctx).get(K.unbondingKey(del, val));
    return raw ? UnbondingDelegation.decode(raw) : undefined;
  }

  /** Writes an unbonding delegation, or removes it (and its index) once it has no entries left. */
  setUnbonding(ctx: Context, u: UnbondingDelegation): void {
    const del = accBytes(u.delegatorAddress);
    const val = valBytes(u.validatorAddress);
    if (u.entries.length === 0) {
      this.kv(ctx).delete(K.unbondingKey(del, val));
      this.kv(ctx).delete(K.unbondingByValKey(val, del));
      return;
    }
    this.kv(ctx).set(K.unbondingKey(del, val), UnbondingDelegation.encode(u).finish());
    this.kv(ctx).set(K.unbondingByValKey(val, del), new Uint8Array());
  }

  async unbondingsOf(ctx: Context, del: Uint8Array): Promise<UnbondingDelegation[]> {
    const out: UnbondingDelegation[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.unbondingsOfPrefix(del)))
      out.push(UnbondingDelegation.decode(v));
    return out;
  }

  async unbondingsFrom(ctx: Context, val: Uint8Array): Promise<UnbondingDelegation[]> {
    const prefix = K.unbondingByValPrefix(val);
    const dels: Uint8Array[] = [];
    for await (const [k] of iteratePrefix(this.kv(ctx), prefix))
      dels.push(K.readAddresses(k, prefix.length)[0]!);
    const out: UnbondingDelegation[] = [];
    for (const del of dels) {
      const u = await this.unbonding(ctx, del, val);
      if (u) out.push(u);
    }
    return out;
  }

  async *allUnbondings(ctx: Context): AsyncIterable<UnbondingDelegation> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.unbondingPrefix))
      yield UnbondingDelegation.decode(v);
  }

  // ---- redelegations --------------------------------------------------------------------------

  async redelegation(
    ctx: Context,
    del: Uint8Array,
    src: Uint8Array,
    dst: Uint8Array,
  ): Promise<Redelegation | undefined> {
    const raw = await this.kv(ctx).get(K.redelegationKey(del, src, dst));
    return raw ? Redelegation.decode(raw) : undefined;
  }

  setRedelegation(ctx: Context, r: Redelegation): void {
    const del = accBytes(r.delegatorAddress);
    const src = valBytes(r.validatorSrcAddress);
    const dst = valBytes(r.validatorDstAddress);
    const keys = [K.redelegationBySrcKey(src, del, dst), K.redelegationByDstKey(dst, del, src)];
    if (r.entries.length === 0) {
      this.kv(ctx).delete(K.redelegationKey(del, src, dst));
      for (const k of keys) this.kv(ctx).delete(k);
      return;
    }
    this.kv(ctx).set(K.redelegationKey(del, src, dst), Redelegation.encode(r).finish());
    for (const k of keys) this.kv(ctx).set(k, new Uint8Array());
  }

  async redelegationsOf(ctx: Context, del: Uint8Array): Promise<Redelegation[]> {
    const out: Redelegation[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.redelegationsOfPrefix(del)))
      out.push(Redelegation.decode(v));
    return out;
  }

  async redelegationsFrom(ctx: Context, src: Uint8Array): Promise<Redelegation[]> {
    const prefix = K.redelegationBySrcPrefix(src);
    const keys: Uint8Array[][] = [];
    for await (const [k] of iteratePrefix(this.kv(ctx), prefix)) keys.push(K.readAddresses(k, prefix.length));
    const out: Redelegation[] = [];
    for (const [del, dst] of keys) {
      const r = await this.redelegation(ctx, del!, src, dst!);
      if (r) out.push(r);
    }
    return out;
  }

  /** HasReceivingRedelegation: does `del` have a redelegation in progress into `dst`? */
  async hasReceivingRedelegation(ctx: Context, del: Uint8Array, dst: Uint8Array): Promise<boolean> {
    for await (const _ of iteratePrefix(this.kv(ctx), K.redelegationByDstPrefix(dst, del))) return true;
    return false;
  }

  async *allRedelegations(ctx: Context): AsyncIterable<Redelegation> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.redelegationPrefix)) yield Redelegation.decode(v);
  }

  // ---- time queues ----------------------------------------------------------------------------

  async pushUnbondingQueue(ctx: Context, t: Timestamp, del: string, val: string): Promise<void> {
    const key = K.unbondingQueueKey(t);
    const raw = await this.kv(ctx).get(key);
    const pairs = raw ? DVPairs.decode(raw).pairs : [];
    pairs.push({ delegatorAddress: del, validatorAddress: val });
    this.kv(ctx).set(key, DVPairs.encode({ pairs }).finish());
  }

  /** Removes and returns every (delegator, validator) pair due at or before `now`, in time order. */
  async popMatureUnbondings(
    ctx: Context,
    now: Timestamp,
  ): Promise<{ delegatorAddress: string; validatorAddress: string }[]> {
    const due = await this.popDue(ctx, K.unbondingQueuePrefix, K.unbondingQueueKey(now));
    return due.flatMap((v) => DVPairs.decode(v).pairs);
  }

  async pushRedelegationQueue(
    ctx: Context,
    t: Timestamp,
    del: string,
    src: string,
    dst: string,
  ): Promise<void> {
    const key = K.redelegationQueueKey(t);
    const raw = await this.kv(ctx).get(key);
    const triplets = raw ? DVVTriplets.decode(raw).triplets : [];
    triplets.push({ delegatorAddress: del, validatorSrcAddress: src, validatorDstAddress: dst });
    this.kv(ctx).set(key, DVVTriplets.encode({ triplets }).finish());
  }

  async popMatureRedelegations(ctx: Context, now: Timestamp) {
    const due = await this.popDue(ctx, K.redelegationQueuePrefix, K.redelegationQueueKey(now));
    return due.flatMap((v) => DVVTriplets.decode(v).triplets);
  }

  async pushValidatorQueue(ctx: Context, t: Timestamp, height: bigint, val: string): Promise<void> {
    const key = K.validatorQueueKey(t, height);
    const raw = await this.kv(ctx).get(key);
    const addresses = raw ? ValAddresses.decode(raw).addresses : [];
    addresses.push(val);
    this.kv(ctx).set(key, ValAddresses.encode({ addresses }).finish());
  }

  async removeFromValidatorQueue(ctx: Context, t: Timestamp, height: bigint, val: string): Promise<void> {
    const key = K.validatorQueueKey(t, height);
    const raw = await this.kv(ctx).get(key);
    if (!raw) return;
    const addresses = ValAddresses.decode(raw).addresses.filter((a) => a !== val);
    if (addresses.length === 0) this.kv(ctx).delete(key);
    else this.kv(ctx).set(key, ValAddresses.encode({ addresses }).finish());
  }

  /** Validators whose unbonding time has passed, due by time (and height, as the SDK keys them). */
  async popMatureValidators(ctx: Context, now: Timestamp, height: bigint): Promise<string[]> {
    const due = await this.popDue(ctx, K.validatorQueuePrefix, K.validatorQueueKey(now, height));
    return due.flatMap((v) => ValAddresses.decode(v).addresses);
  }

  private async popDue(ctx: Context, prefix: Uint8Array, upToKey: Uint8Array): Promise<Uint8Array[]> {
    const kv = this.kv(ctx);
    const hits: [Uint8Array, Uint8Array][] = [];
    // The end key is exclusive: extend it so that entries at exactly `now` are due.
    const end = Uint8Array.from([...upToKey, 0xff]);
    for await (const [k, v] of kv.iterate(prefix, end)) hits.push([Uint8Array.from(k), v]);
    for (const [k] of hits) kv.delete(k);
    return hits.map(([, v]) => v);
  }
}

/** The validator's operator address as an account address (its self-delegator). */
export const operatorAccount = (v: Validator) => accountOf(valBytes(v.operatorAddress));
