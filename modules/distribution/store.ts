import {
  DelegatorStartingInfo,
  FeePool,
  Params,
  ValidatorAccumulatedCommission,
  ValidatorCurrentRewards,
  ValidatorHistoricalRewards,
  ValidatorOutstandingRewards,
  ValidatorSlashEvent,
} from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { Context } from "../../chain/app/context.ts";
import { concatBytes, fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { deletePrefix, iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import { Dec } from "../../chain/types/dec.ts";
import { type DecCoin, decCoinsFromWire, decCoinsToWire } from "../../chain/types/dec-coins.ts";
import * as K from "./keys.ts";
import {
  DEFAULT_DISTRIBUTION_PARAMS,
  DEFAULT_EMISSION_PARAMS,
  type DistributionParams,
  distributionParamsFromWire,
  distributionParamsToWire,
  type EmissionParams,
} from "./params.ts";

export const DISTRIBUTION_STORE_KEY = "distribution";

export interface HistoricalRewards {
  cumulativeRewardRatio: DecCoin[];
  referenceCount: number;
}

export interface CurrentRewards {
  rewards: DecCoin[];
  period: bigint;
}

export interface StartingInfo {
  previousPeriod: bigint;
  stake: Dec;
  height: bigint;
}

export interface SlashEvent {
  height: bigint;
  validatorPeriod: bigint;
  fraction: Dec;
}

/**
 * Storage of x/distribution: the F1 records per validator and delegation, the fee pool, params.
 * Amounts are DecCoins in memory and the SDK's wire types on disk. No rules here (see rewards.ts).
 */
export class DistributionStore {
  private kv(ctx: Context): KVStore {
    return ctx.kv(DISTRIBUTION_STORE_KEY);
  }

  async params(ctx: Context): Promise<DistributionParams> {
    const raw = await this.kv(ctx).get(K.paramsKey);
    return raw ? distributionParamsFromWire(Params.decode(raw)) : DEFAULT_DISTRIBUTION_PARAMS;
  }

  setParams(ctx: Context, p: DistributionParams): void {
    this.kv(ctx).set(K.paramsKey, Params.encode(distributionParamsToWire(p)).finish());
  }

  async emission(ctx: Context): Promise<EmissionParams> {
    const raw = await this.kv(ctx).get(K.emissionKey);
    if (!raw) return DEFAULT_EMISSION_PARAMS;
    const j = JSON.parse(fromUtf8(raw)) as Record<string, string>;
    return {
      source: j.source!,
      initialPerBlock: BigInt(j.initial_per_block!),
      decayRate: Dec.fromProto(j.decay_rate!),
      decayPeriodBlocks: BigInt(j.decay_period_blocks!),
    };
  }

  /** JSON with a fixed key order and string numbers: the same bytes on every node. */
  setEmission(ctx: Context, p: EmissionParams): void {
    const j = {
      source: p.source,
      initial_per_block: p.initialPerBlock.toString(),
      decay_rate: p.decayRate.toProto(),
      decay_period_blocks: p.decayPeriodBlocks.toString(),
    };
    this.kv(ctx).set(K.emissionKey, utf8(JSON.stringify(j)));
  }

  async communityPool(ctx: Context): Promise<DecCoin[]> {
    const raw = await this.kv(ctx).get(K.feePoolKey);
    return raw ? decCoinsFromWire(FeePool.decode(raw).communityPool) : [];
  }

  setCommunityPool(ctx: Context, pool: DecCoin[]): void {
    this.kv(ctx).set(K.feePoolKey, FeePool.encode({ communityPool: decCoinsToWire(pool) }).finish());
  }

  // ---- per validator --------------------------------------------------------------------------

  async outstanding(ctx: Context, val: Uint8Array): Promise<DecCoin[] | undefined> {
    const raw = await this.kv(ctx).get(K.outstandingKey(val));
    return raw ? decCoinsFromWire(ValidatorOutstandingRewards.decode(raw).rewards) : undefined;
  }

  setOutstanding(ctx: Context, val: Uint8Array, rewards: DecCoin[]): void {
    this.kv(ctx).set(
      K.outstandingKey(val),
      ValidatorOutstandingRewards.encode({ rewards: decCoinsToWire(rewards) }).finish(),
    );
  }

  /** Every validator's outstanding rewards, by operator address bytes. */
  async *allOutstanding(ctx: Context): AsyncIterable<{ val: Uint8Array; rewards: DecCoin[] }> {
    for await (const [k, v] of iteratePrefix(this.kv(ctx), K.outstandingPrefix))
      yield {
        val: K.firstAddress(k),
        rewards: decCoinsFromWire(ValidatorOutstandingRewards.decode(v).rewards),
      };
  }

  async commission(ctx: Context, val: Uint8Array): Promise<DecCoin[] | undefined> {
    const raw = await this.kv(ctx).get(K.commissionKey(val));
    return raw ? decCoinsFromWire(ValidatorAccumulatedCommission.decode(raw).commission) : undefined;
  }

  setCommission(ctx: Context, val: Uint8Array, commission: DecCoin[]): void {
    this.kv(ctx).set(
      K.commissionKey(val),
      ValidatorAccumulatedCommission.encode({ commission: decCoinsToWire(commission) }).finish(),
    );
  }

  async current(ctx: Context, val: Uint8Array): Promise<CurrentRewards | undefined> {
    const raw = await this.kv(ctx).get(K.currentKey(val));
    if (!raw) return undefined;
    const c = ValidatorCurrentRewards.decode(raw);
    return { rewards: decCoinsFromWire(c.rewards), period: c.period };
  }

  setCurrent(ctx: Context, val: Uint8Array, c: CurrentRewards): void {
    this.kv(ctx).set(
      K.currentKey(val),
      ValidatorCurrentRewards.encode({ rewards: decCoinsToWire(c.rewards), period: c.period }).finish(),
    );
  }

  async historical(ctx: Context, val: Uint8Array, period: bigint): Promise<HistoricalRewards | undefined> {
    const raw = await this.kv(ctx).get(K.historicalKey(val, period));
    if (!raw) return undefined;
    const h = ValidatorHistoricalRewards.decode(raw);
    return {
      cumulativeRewardRatio: decCoinsFromWire(h.cumulativeRewardRatio),
      referenceCount: h.referenceCount,
    };
  }

  setHistorical(ctx: Context, val: Uint8Array, period: bigint, h: HistoricalRewards): void {
    this.kv(ctx).set(
      K.historicalKey(val, period),
      ValidatorHistoricalRewards.encode({
        cumulativeRewardRatio: decCoinsToWire(h.cumulativeRewardRatio),
        referenceCount: h.referenceCount,
      }).finish(),
    );
  }

  deleteHistorical(ctx: Context, val: Uint8Array, period: bigint): void {
    this.kv(ctx).delete(K.historicalKey(val, period));
  }

  /** Every historical record: (validator, period, reference count), for the reference-count invariant. */
  async *allHistorical(
    ctx: Context,
  ): AsyncIterable<{ val: Uint8Array; period: bigint; referenceCount: number }> {
    for await (const [k, v] of iteratePrefix(this.kv(ctx), K.historicalPrefix)) {
      const val = K.firstAddress(k);
      const period = Buffer.from(k.subarray(2 + val.length)).readBigUInt64BE();
      yield { val, period, referenceCount: ValidatorHistoricalRewards.decode(v).referenceCount };
    }
  }

  // ---- per delegation -------------------------------------------------------------------------

  async startingInfo(ctx: Context, val: Uint8Array, del: Uint8Array): Promise<StartingInfo | undefined> {
    const raw = await this.kv(ctx).get(K.startingInfoKey(val, del));
    if (!raw) return undefined;
    const s = DelegatorStartingInfo.decode(raw);
    return { previousPeriod: s.previousPeriod, stake: Dec.fromProto(s.stake), height: s.height };
  }

  setStartingInfo(ctx: Context, val: Uint8Array, del: Uint8Array, s: StartingInfo): void {
    this.kv(ctx).set(
      K.startingInfoKey(val, del),
      DelegatorStartingInfo.encode({
        previousPeriod: s.previousPeriod,
        stake: s.stake.toProto(),
        height: s.height,
      }).finish(),
    );
  }

  deleteStartingInfo(ctx: Context, val: Uint8Array, del: Uint8Array): void {
    this.kv(ctx).delete(K.startingInfoKey(val, del));
  }

  /** The period every delegation's starting info references, for the reference-count invariant. */
  async *allStartingPeriods(ctx: Context): AsyncIterable<{ val: Uint8Array; period: bigint }> {
    for await (const [k, v] of iteratePrefix(this.kv(ctx), K.startingInfoPrefix))
      yield { val: K.firstAddress(k), period: DelegatorStartingInfo.decode(v).previousPeriod };
  }

  async withdrawAddress(ctx: Context, del: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv(ctx).get(K.withdrawAddrKey(del));
  }

  setWithdrawAddress(ctx: Context, del: Uint8Array, to: Uint8Array): void {
    this.kv(ctx).set(K.withdrawAddrKey(del), to);
  }

  deleteWithdrawAddress(ctx: Context, del: Uint8Array): void {
    this.kv(ctx).delete(K.withdrawAddrKey(del));
  }

  // ---- slash events ---------------------------------------------------------------------------

  setSlashEvent(ctx: Context, val: Uint8Array, e: SlashEvent): void {
    this.kv(ctx).set(
      K.slashEventKey(val, e.height, e.validatorPeriod),
      ValidatorSlashEvent.encode({
        validatorPeriod: e.validatorPeriod,
        fraction: e.fraction.toProto(),
      }).finish(),
    );
  }

  /** IterateValidatorSlashEventsBetween: heights from..to inclusive, ascending (height, period). */
  async slashEventsBetween(ctx: Context, val: Uint8Array, from: bigint, to: bigint): Promise<SlashEvent[]> {
    const prefix = K.slashEventsOfPrefix(val);
    const out: SlashEvent[] = [];
    const end = concatBytes(prefix, K.u64(to + 1n));
    for await (const [k, v] of this.kv(ctx).iterate(concatBytes(prefix, K.u64(from)), end)) {
      const height = Buffer.from(k.subarray(prefix.length)).readBigUInt64BE();
      const e = ValidatorSlashEvent.decode(v);
      out.push({ height, validatorPeriod: e.validatorPeriod, fraction: Dec.fromProto(e.fraction) });
    }
    return out;
  }

  /** How many slash events are stored (each holds a reference to a historical period). */
  async slashEventCount(ctx: Context): Promise<number> {
    let n = 0;
    for await (const _ of iteratePrefix(this.kv(ctx), K.slashEventsPrefix)) n++;
    return n;
  }

  /** How many validators have distribution records (each references the start of its current period). */
  async validatorCount(ctx: Context): Promise<number> {
    let n = 0;
    for await (const _ of iteratePrefix(this.kv(ctx), K.currentPrefix)) n++;
    return n;
  }

  /** Deletes every record of a removed validator (AfterValidatorRemoved). */
  async deleteValidator(ctx: Context, val: Uint8Array): Promise<void> {
    const kv = this.kv(ctx);
    kv.delete(K.outstandingKey(val));
    kv.delete(K.commissionKey(val));
    kv.delete(K.currentKey(val));
    await deletePrefix(kv, K.slashEventsOfPrefix(val));
    await deletePrefix(kv, K.historicalOfPrefix(val));
  }
}
