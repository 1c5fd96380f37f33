import { Dec } from "../../chain/types/dec.ts";
import { arr, type JsonObject, obj, optional, str, uint } from "../../chain/types/json.ts";
import { DEFAULT_STAKING_PARAMS, type StakingParams, validateStakingParams } from "./params.ts";

export interface StakingGenesis {
  params: StakingParams;
}

/** "1814400s" (the proto JSON Duration) as whole seconds. */
function durationSeconds(v: unknown, path: string): bigint {
  const s = str(v, path);
  const m = /^(\d{1,12})s$/.exec(s);
  if (!m) throw new Error(`${path}: expected a duration in whole seconds like "1814400s", got "${s}"`);
  return BigInt(m[1]!);
}

function smallInt(v: unknown, path: string): number {
  const n = typeof v === "number" ? BigInt(v) : uint(v, path);
  if (n > 1_000_000n) throw new Error(`${path}: ${n} is too large`);
  return Number(n);
}

/**
 * Reads the staking section of genesis (x/staking GenesisState in proto JSON) plus `epoch_blocks`.
 * A new chain starts with no validators here: they are created by the genesis transactions
 * (genutil). Importing an exported bonded state is not supported yet and is refused explicitly.
 */
export function parseStakingGenesis(v: unknown): StakingGenesis {
  const g = obj(v ?? {}, "staking");
  const p = obj(g.params ?? {}, "staking.params");
  const d = DEFAULT_STAKING_PARAMS;
  const params: StakingParams = {
    unbondingTimeSeconds: optional(
      p.unbonding_time,
      (x) => durationSeconds(x, "staking.params.unbonding_time"),
      d.unbondingTimeSeconds,
    ),
    maxValidators: optional(
      p.max_validators,
      (x) => smallInt(x, "staking.params.max_validators"),
      d.maxValidators,
    ),
    maxEntries: optional(p.max_entries, (x) => smallInt(x, "staking.params.max_entries"), d.maxEntries),
    historicalEntries: optional(
      p.historical_entries,
      (x) => smallInt(x, "staking.params.historical_entries"),
      d.historicalEntries,
    ),
    bondDenom: optional(p.bond_denom, (x) => str(x, "staking.params.bond_denom"), d.bondDenom),
    minCommissionRate: optional(
      p.min_commission_rate,
      (x) => Dec.parse(str(x, "staking.params.min_commission_rate")),
      d.minCommissionRate,
    ),
    epochBlocks: optional(g.epoch_blocks, (x) => uint(x, "staking.epoch_blocks"), d.epochBlocks),
  };
  try {
    validateStakingParams(params);
  } catch (e) {
    throw new Error(`staking.params: ${(e as Error).message}`);
  }
  for (const field of [
    "validators",
    "delegations",
    "unbonding_delegations",
    "redelegations",
    "last_validator_powers",
  ])
    if (arr(g[field] ?? [], `staking.${field}`).length > 0)
      throw new Error(
        `staking.${field}: importing an exported staking state is not supported; create validators with genutil.gen_txs`,
      );
  return { params };
}

export function stakingGenesisToJson(p: StakingParams): JsonObject {
  return {
    params: {
      unbonding_time: `${p.unbondingTimeSeconds}s`,
      max_validators: p.maxValidators,
      max_entries: p.maxEntries,
      historical_entries: p.historicalEntries,
      bond_denom: p.bondDenom,
      min_commission_rate: p.minCommissionRate.toString(),
    },
    epoch_blocks: p.epochBlocks.toString(),
    last_total_power: "0",
    last_validator_powers: [],
    validators: [],
    delegations: [],
    unbonding_delegations: [],
    redelegations: [],
    exported: false,
  };
}
