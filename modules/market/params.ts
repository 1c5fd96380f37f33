import { type JsonObject, obj, optional, uint } from "../../chain/types/json.ts";
import type { MarketParamsWire } from "./proto.ts";

/** The market module account: escrows and review deposits. */
export const MARKET_MODULE = "market";
/** Where base rewards and use bonuses come from: the community & ecosystem allocation (DESIGN 10). */
export const COMMUNITY_ALLOCATION = "community";

/** Millionths: 1_000_000 = 1.0. */
export const PPM = 1_000_000n;

/**
 * Parameters of the market module (genesis `market.params`). Every text, list, price and window is
 * bounded, so that one asset can never make a record or a block's work unbounded.
 */
export interface MarketParams {
  protocolFeePpm: number;
  maxCuratorSharePpm: number;
  maxPortfolioItems: number;
  maxTextBytes: number;
  maxModelSpecBytes: bigint;
  maxPrice: bigint;
  maxExponentDen: number;
  maxExponent: number;
  escrowCommitteeSize: number;
  escrowCommitBlocks: bigint;
  escrowRevealBlocks: bigint;
  minEscrowBlocks: bigint;
  maxEscrowBlocks: bigint;
  reviewDeposit: bigint;
  reviewLockBlocks: bigint;
  maxReviewVotes: number;
  rewardEpochBlocks: bigint;
  dataBaseReward: bigint;
  maxEpochRewards: bigint;
  dataUseBonus: bigint;
  curatorUseBonus: bigint;
  maxKeyWraps: number;
  rewardMinRevenue: bigint;
}

export const DEFAULT_MARKET_PARAMS: MarketParams = {
  // 2.5% of every sale to the community pool.
  protocolFeePpm: 25_000,
  maxCuratorSharePpm: 500_000,
  maxPortfolioItems: 64,
  maxTextBytes: 4096,
  maxModelSpecBytes: 256n * 1024n,
  // 10^9 CIF: the whole supply; a curve stops selling once it would ask more.
  maxPrice: 1_000_000_000_000_000n,
  maxExponentDen: 8,
  maxExponent: 4,
  escrowCommitteeSize: 3,
  // Evaluating one model on a test set is seconds of CPU; each phase gets about a minute.
  escrowCommitBlocks: 60n,
  escrowRevealBlocks: 30n,
  minEscrowBlocks: 100n,
  maxEscrowBlocks: 100_000n,
  // 1 CIF: a review that raters find unhelpful costs its author this.
  reviewDeposit: 1_000_000n,
  reviewLockBlocks: 100n,
  maxReviewVotes: 1000,
  // About an hour of 1 s blocks.
  rewardEpochBlocks: 3600n,
  // 1 CIF per epoch for each $Data that earned its owners 100 CIF in it, at most 1000 CIF an epoch in
  // all (half the fee of 100 CIF of sales is 1.25 CIF: wash trading never pays, see rewards.ts).
  dataBaseReward: 1_000_000n,
  maxEpochRewards: 1_000_000_000n,
  dataUseBonus: 100_000n,
  curatorUseBonus: 50_000n,
  maxKeyWraps: 100,
  rewardMinRevenue: 100_000_000n,
};

const U32 = 0xffff_ffff;

export function validateMarketParams(p: MarketParams): void {
  const atLeast = (v: bigint | number, min: number, name: string) => {
    if (BigInt(v) < BigInt(min)) throw new Error(`${name} must be at least ${min}`);
  };
  atLeast(p.maxPortfolioItems, 1, "max_portfolio_items");
  atLeast(p.maxTextBytes, 1, "max_text_bytes");
  atLeast(p.maxModelSpecBytes, 2, "max_model_spec_bytes");
  atLeast(p.maxPrice, 1, "max_price");
  atLeast(p.maxExponentDen, 1, "max_exponent_den");
  atLeast(p.maxExponent, 1, "max_exponent");
  atLeast(p.escrowCommitteeSize, 1, "escrow_committee_size");
  atLeast(p.escrowCommitBlocks, 1, "escrow_commit_blocks");
  atLeast(p.escrowRevealBlocks, 1, "escrow_reveal_blocks");
  atLeast(p.reviewLockBlocks, 1, "review_lock_blocks");
  atLeast(p.rewardEpochBlocks, 1, "reward_epoch_blocks");
  atLeast(p.maxKeyWraps, 1, "max_key_wraps");
  if (p.minEscrowBlocks < p.escrowCommitBlocks + p.escrowRevealBlocks)
    throw new Error("min_escrow_blocks must leave room for the commit and reveal phases");
  if (p.maxEscrowBlocks < p.minEscrowBlocks)
    throw new Error("max_escrow_blocks must be >= min_escrow_blocks");
  if (p.maxExponentDen > 64 || p.maxExponent > 16)
    throw new Error("max_exponent_den must be at most 64 and max_exponent at most 16");
  if (p.dataBaseReward > p.maxEpochRewards) throw new Error("data_base_reward must be <= max_epoch_rewards");
  // Qualifying for a base reward must cost more than it pays: half the protocol fee of
  // reward_min_revenue of sales (what a wash sale costs at least) covers data_base_reward.
  if (p.dataBaseReward * 2n * PPM > p.rewardMinRevenue * BigInt(p.protocolFeePpm))
    throw new Error(
      "data_base_reward must be at most half the protocol fee of reward_min_revenue (else wash trading pays)",
    );
  for (const [name, v] of [
    ["protocol_fee_ppm", p.protocolFeePpm],
    ["max_curator_share_ppm", p.maxCuratorSharePpm],
  ] as const)
    if (v < 0 || BigInt(v) > PPM) throw new Error(`${name} must be within [0, 1000000]`);
  if (BigInt(p.protocolFeePpm + p.maxCuratorSharePpm) > PPM)
    throw new Error("protocol_fee_ppm + max_curator_share_ppm must be at most 1000000");
}

const AMOUNTS = [
  "maxPrice",
  "reviewDeposit",
  "dataBaseReward",
  "maxEpochRewards",
  "dataUseBonus",
  "curatorUseBonus",
  "rewardMinRevenue",
] as const satisfies ReadonlyArray<keyof MarketParams>;

export function marketParamsToWire(p: MarketParams): MarketParamsWire {
  const w: Record<string, unknown> = { ...p };
  for (const k of AMOUNTS) w[k] = p[k].toString();
  return w as unknown as MarketParamsWire;
}

export function marketParamsFromWire(w: MarketParamsWire): MarketParams {
  const p: Record<string, unknown> = { ...w };
  for (const k of AMOUNTS) p[k] = BigInt(w[k] || "0");
  return p as unknown as MarketParams;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const KEYS = Object.keys(DEFAULT_MARKET_PARAMS) as (keyof MarketParams)[];

/** Genesis JSON (snake_case, integers as decimal strings, as Cosmos JSON); absent keys take defaults. */
export function marketParamsFromJson(v: unknown): MarketParams {
  const j = obj(v ?? {}, "market.params");
  const known = new Set(KEYS.map(snake));
  for (const k of Object.keys(j)) if (!known.has(k)) throw new Error(`market.params.${k}: unknown parameter`);
  const out: Record<string, bigint | number> = {};
  for (const key of KEYS) {
    const d = DEFAULT_MARKET_PARAMS[key];
    const s = snake(key);
    const read = optional(j[s], (x) => uint(x, `market.params.${s}`), BigInt(d));
    if (typeof d === "number") {
      if (read > BigInt(U32)) throw new Error(`market.params.${s}: must be a uint32`);
      out[key] = Number(read);
    } else out[key] = read;
  }
  const p = out as unknown as MarketParams;
  try {
    validateMarketParams(p);
  } catch (e) {
    throw new Error(`market.params: ${(e as Error).message}`);
  }
  return p;
}

export function marketParamsToJson(p: MarketParams): JsonObject {
  const out: JsonObject = {};
  for (const key of KEYS) out[snake(key)] = p[key].toString();
  return out;
}
