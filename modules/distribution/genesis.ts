import type { Context } from "../../chain/app/context.ts";
import { Dec } from "../../chain/types/dec.ts";
import { type DecCoin, truncateDecCoins } from "../../chain/types/dec-coins.ts";
import { arr, bool, type JsonObject, obj, optional, str, uint } from "../../chain/types/json.ts";
import type { DistributionKeeper } from "./keeper.ts";
import {
  DEFAULT_DISTRIBUTION_PARAMS,
  DEFAULT_EMISSION_PARAMS,
  type DistributionParams,
  type EmissionParams,
  validateDistributionParams,
  validateEmissionParams,
} from "./params.ts";

/**
 * The distribution section of genesis: the SDK's params and fee pool, plus Cifer's emission schedule.
 * Per-validator records are created by the genesis transactions (staking hooks), so the SDK's
 * record lists must be empty: importing a running chain's rewards state is not supported yet.
 */
export interface DistributionGenesis {
  params: DistributionParams;
  communityPool: DecCoin[];
  emission: EmissionParams;
}

const RECORD_LISTS = [
  "delegator_withdraw_infos",
  "outstanding_rewards",
  "validator_accumulated_commissions",
  "validator_historical_rewards",
  "validator_current_rewards",
  "delegator_starting_infos",
  "validator_slash_events",
];

function dec(v: unknown, path: string): Dec {
  try {
    return Dec.parse(str(v, path));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

function parseParams(v: unknown): DistributionParams {
  const p = obj(v ?? {}, "distribution.params");
  const d = DEFAULT_DISTRIBUTION_PARAMS;
  const decOr = (k: string, fallback: Dec) =>
    optional(p[k], (x) => dec(x, `distribution.params.${k}`), fallback);
  const params: DistributionParams = {
    communityTax: decOr("community_tax", d.communityTax),
    baseProposerReward: decOr("base_proposer_reward", d.baseProposerReward),
    bonusProposerReward: decOr("bonus_proposer_reward", d.bonusProposerReward),
    withdrawAddrEnabled: optional(
      p.withdraw_addr_enabled,
      (x) => bool(x, "distribution.params.withdraw_addr_enabled"),
      d.withdrawAddrEnabled,
    ),
  };
  try {
    validateDistributionParams(params);
  } catch (e) {
    throw new Error(`distribution.params: ${(e as Error).message}`);
  }
  return params;
}

function parseEmission(v: unknown): EmissionParams {
  const e = obj(v ?? {}, "distribution.emission");
  const d = DEFAULT_EMISSION_PARAMS;
  const at = (k: string) => `distribution.emission.${k}`;
  const p: EmissionParams = {
    source: optional(e.source, (x) => str(x, at("source")), d.source),
    initialPerBlock: optional(
      e.initial_per_block,
      (x) => uint(x, at("initial_per_block")),
      d.initialPerBlock,
    ),
    decayRate: optional(e.decay_rate, (x) => dec(x, at("decay_rate")), d.decayRate),
    decayPeriodBlocks: optional(
      e.decay_period_blocks,
      (x) => uint(x, at("decay_period_blocks")),
      d.decayPeriodBlocks,
    ),
  };
  try {
    validateEmissionParams(p);
  } catch (err) {
    throw new Error(`distribution.emission: ${(err as Error).message}`);
  }
  return p;
}

function parseCommunityPool(v: unknown): DecCoin[] {
  const pool = obj(v ?? {}, "distribution.fee_pool");
  const coins = arr(pool.community_pool ?? [], "distribution.fee_pool.community_pool").map((c, i) => {
    const at = `distribution.fee_pool.community_pool[${i}]`;
    const o = obj(c, at);
    const amount = dec(o.amount, `${at}.amount`);
    if (!amount.isPositive()) throw new Error(`${at}.amount: must be positive`);
    return { denom: str(o.denom, `${at}.denom`), amount };
  });
  for (let i = 1; i < coins.length; i++)
    if (coins[i - 1]!.denom >= coins[i]!.denom)
      throw new Error("distribution.fee_pool.community_pool: denominations must be sorted and unique");
  return coins;
}

export function parseDistributionGenesis(v: unknown): DistributionGenesis {
  const g = obj(v ?? {}, "distribution");
  for (const k of RECORD_LISTS)
    if (g[k] !== undefined && arr(g[k], `distribution.${k}`).length > 0)
      throw new Error(`distribution.${k}: importing rewards records is not supported; leave it empty`);
  return {
    params: parseParams(g.params),
    communityPool: parseCommunityPool(g.fee_pool),
    emission: parseEmission(g.emission),
  };
}

export async function initDistributionGenesis(
  ctx: Context,
  k: DistributionKeeper,
  g: DistributionGenesis,
): Promise<void> {
  k.store.setParams(ctx, g.params);
  k.store.setEmission(ctx, g.emission);
  k.store.setCommunityPool(ctx, g.communityPool);
  // The module account must hold exactly the community pool's whole coins (the SDK checks the same).
  const held = await k.bank.getAllBalances(ctx, k.moduleAddress);
  const { coins } = truncateDecCoins(g.communityPool);
  const same =
    held.length === coins.length &&
    coins.every((c) => held.some((h) => h.denom === c.denom && h.amount === c.amount));
  if (!same)
    throw new Error(
      `distribution: the module account holds ${JSON.stringify(held.map((c) => `${c.amount}${c.denom}`))}, the community pool needs ${JSON.stringify(coins.map((c) => `${c.amount}${c.denom}`))}`,
    );
}

export async function exportDistributionGenesis(ctx: Context, k: DistributionKeeper): Promise<JsonObject> {
  for await (const _ of k.store.allOutstanding(ctx))
    throw new Error("exporting rewards records of validators is not supported yet");
  const p = await k.params(ctx);
  const e = await k.store.emission(ctx);
  const pool = await k.store.communityPool(ctx);
  return {
    params: {
      community_tax: p.communityTax.toString(),
      base_proposer_reward: p.baseProposerReward.toString(),
      bonus_proposer_reward: p.bonusProposerReward.toString(),
      withdraw_addr_enabled: p.withdrawAddrEnabled,
    },
    fee_pool: { community_pool: pool.map((c) => ({ denom: c.denom, amount: c.amount.toString() })) },
    emission: {
      source: e.source,
      initial_per_block: e.initialPerBlock.toString(),
      decay_rate: e.decayRate.toString(),
      decay_period_blocks: e.decayPeriodBlocks.toString(),
    },
  };
}
