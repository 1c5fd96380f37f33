import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { paginate } from "../../chain/app/grpc.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { concatBytes, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import type { StakingKeeper } from "../staking/keeper.ts";
import { VALCONS_PREFIX, valBytes } from "../staking/store.ts";
import { consensusAddress } from "../staking/validator.ts";
import { appendSample, dropHistory, historyInvariants, historyPrefix } from "./history.ts";
import {
  decodeParams,
  decodeReputation,
  decodeSample,
  encodeParams,
  encodeReputation,
  type ReputationParams,
  type ReputationSample,
  TIER_NAMES,
  Tier,
  type ValidatorReputation,
} from "./proto.ts";
import { DEFAULT_REPUTATION_PARAMS, ema, proposerWeight, R_INITIAL, tierAtEpoch } from "./score.ts";

export const REPUTATION_STORE_KEY = "reputation";
const KEY_PARAMS = utf8("p");
const RECORD = utf8("r/");
const recordKey = (val: Uint8Array) => concatBytes(RECORD, Uint8Array.of(val.length), val);

/** What was observed of a validator: each kind moves R with its own weight (params). */
export type Observation = "signed" | "missed" | "proposed" | "proposal-failed" | "fl-agreed" | "fl-disagreed";

/**
 * Reputation of validators (DESIGN section 7): R as an EMA of observed behaviour, tiers that gate
 * proposing (through the proposer weights staking hands to consensus) and send Unreliable
 * validators to jail at the next epoch. Records are keyed by operator address.
 */
export class ReputationKeeper {
  constructor(private readonly staking: StakingKeeper) {}

  private kv(ctx: Context) {
    return ctx.kv(REPUTATION_STORE_KEY);
  }

  async params(ctx: Context): Promise<ReputationParams> {
    const raw = await this.kv(ctx).get(KEY_PARAMS);
    return raw ? decodeParams(raw) : DEFAULT_REPUTATION_PARAMS;
  }

  setParams(ctx: Context, p: ReputationParams): void {
    this.kv(ctx).set(KEY_PARAMS, encodeParams(p));
  }

  async get(ctx: Context, valoper: string): Promise<ValidatorReputation | undefined> {
    const raw = await this.kv(ctx).get(recordKey(valBytes(valoper)));
    return raw ? decodeReputation(raw) : undefined;
  }

  private set(ctx: Context, r: ValidatorReputation): void {
    this.kv(ctx).set(recordKey(valBytes(r.validatorAddress)), encodeReputation(r));
  }

  async all(ctx: Context): Promise<ValidatorReputation[]> {
    const out: ValidatorReputation[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), RECORD)) out.push(decodeReputation(v));
    return out;
  }

  /** A validator was created: registered, not yet active. */
  async register(ctx: Context, v: Validator): Promise<void> {
    this.set(ctx, {
      validatorAddress: v.operatorAddress,
      consensusAddress: toAddress(consensusAddress(v), VALCONS_PREFIX),
      reputation: R_INITIAL,
      tier: Tier.New,
      tierSince: ctx.block.height,
      probationUntil: 0n,
      signedBlocks: 0n,
      missedBlocks: 0n,
      proposalsCommitted: 0n,
      proposalsFailed: 0n,
    });
  }

  /**
   * A validator entered the consensus set: Initial with R0 for one epoch of probation, from a
   * fresh R (a validator returning from jail starts over). The genesis set has no one to vouch
   * for it and no probation: it starts Normal, or nobody could propose the first blocks.
   */
  async activated(ctx: Context, valoper: string): Promise<void> {
    const r = await this.get(ctx, valoper);
    if (!r) return;
    const { epochBlocks } = await this.staking.params(ctx);
    const genesis = ctx.mode === "genesis";
    const next: ValidatorReputation = {
      ...r,
      reputation: R_INITIAL,
      probationUntil: genesis ? 0n : ctx.block.height + epochBlocks,
    };
    this.transition(ctx, next, genesis ? Tier.Normal : Tier.Initial);
  }

  async remove(ctx: Context, val: Uint8Array): Promise<void> {
    this.kv(ctx).delete(recordKey(val));
    await dropHistory(this.kv(ctx), val);
  }

  /**
   * Every history_interval heights, a sample of each record (R, tier) as height `committed` left it,
   * kept in a ring of history_length per validator. The node serves no past state, so this is what
   * a reputation history (the explorer's) is read from. Params of zero come only from state written
   * before history existed: nothing is recorded then.
   */
  async recordHistory(ctx: Context, committed: bigint): Promise<void> {
    const { historyInterval, historyLength } = await this.params(ctx);
    if (committed < 1n || historyInterval === 0n || historyLength === 0n) return;
    if (committed % historyInterval !== 0n) return;
    for (const r of await this.all(ctx)) {
      const sample = { height: committed, reputation: r.reputation, tier: r.tier };
      await appendSample(this.kv(ctx), valBytes(r.validatorAddress), sample, historyLength);
    }
  }

  /** One page of a validator's samples, by height (next_key: the next sample's 8-byte height). */
  history(
    ctx: Context,
    valoper: string,
    page: PageRequest | undefined,
  ): Promise<{ items: ReputationSample[]; pagination: PageResponse }> {
    return paginate(this.kv(ctx), historyPrefix(valBytes(valoper)), page, (_k, v) => decodeSample(v));
  }

  async historyInvariants(ctx: Context): Promise<string[]> {
    const { historyLength } = await this.params(ctx);
    return historyInvariants(
      this.kv(ctx),
      historyLength,
      async (val) => (await this.kv(ctx).get(recordKey(val))) !== undefined,
    );
  }

  /**
   * Folds one observation into R (for the modules that observe: consensus here, FL in #5). A jailed
   * validator's R stands still: it keeps signing until the next epoch takes it out of the set, and
   * a double signer must stay at R = 0 (it starts over from R0 only if it ever returns).
   */
  async observe(ctx: Context, valoper: string, what: Observation): Promise<void> {
    const r = await this.get(ctx, valoper);
    if (!r || r.tier === Tier.New) return;
    if ((await this.staking.store.validator(ctx, valBytes(valoper)))?.jailed) return;
    const p = await this.params(ctx);
    const next = { ...r };
    switch (what) {
      case "signed":
      case "missed":
        next.reputation = ema(r.reputation, what === "signed", p.signAlpha);
        if (what === "signed") next.signedBlocks++;
        else next.missedBlocks++;
        break;
      case "proposed":
      case "proposal-failed":
        next.reputation = ema(r.reputation, what === "proposed", p.proposeAlpha);
        if (what === "proposed") next.proposalsCommitted++;
        else next.proposalsFailed++;
        break;
      default:
        next.reputation = ema(r.reputation, what === "fl-agreed", p.flAlpha);
    }
    this.set(ctx, next);
  }

  /** Double signing: R = 0 and Unreliable at once (slashing jails and tombstones it). */
  async doubleSigned(ctx: Context, valoper: string): Promise<void> {
    const r = await this.get(ctx, valoper);
    if (!r) return;
    this.transition(ctx, { ...r, reputation: 0n }, Tier.Unreliable);
  }

  /**
   * At an epoch boundary, before staking computes the next set: tiers follow R (probation ends),
   * and active Unreliable validators are jailed so the set computed right after leaves them out.
   */
  async epoch(ctx: Context): Promise<void> {
    for (const r of await this.all(ctx)) {
      const tier = tierAtEpoch(r.tier, r.reputation, ctx.block.height, r.probationUntil);
      if (tier !== r.tier) this.transition(ctx, r, tier);
      if (tier !== Tier.Unreliable) continue;
      const v = await this.staking.store.validator(ctx, valBytes(r.validatorAddress));
      if (v && !v.jailed) await this.staking.jail(ctx, v);
    }
  }

  /** The proposer weight staking hands to consensus for a validator of the next set. */
  async weightOf(ctx: Context, v: Validator, power: bigint): Promise<bigint> {
    const r = await this.get(ctx, v.operatorAddress);
    return proposerWeight(r?.tier ?? Tier.Normal, power, await this.params(ctx));
  }

  private transition(ctx: Context, r: ValidatorReputation, tier: Tier): void {
    const from = r.tier;
    this.set(ctx, { ...r, tier, tierSince: tier === from ? r.tierSince : ctx.block.height });
    if (tier === from) return;
    ctx.events.emit(
      event("reputation_tier_change", [
        ["validator", r.validatorAddress],
        ["from", TIER_NAMES[from]],
        ["to", TIER_NAMES[tier]],
        ["reputation", r.reputation.toString()],
      ]),
    );
  }
}
