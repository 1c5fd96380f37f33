import { type JsonObject, obj, optional, uint } from "../../chain/types/json.ts";
import type { FlParamsWire } from "./proto.ts";

/** The fl module account: reward pools in escrow and open dispute deposits. */
export const FL_MODULE = "fl";

/** Millionths: 1_000_000 = 1.0. */
export const PPM = 1_000_000n;

/**
 * Parameters of the fl module (genesis `fl.params`). Bounds exist so that one task can never make a
 * block's work or a record unbounded: a task's subgroups, committees and participants are all capped.
 */
export interface FlParams {
  maxModelSpecBytes: bigint;
  maxParamCount: bigint;
  maxParticipants: number;
  maxRounds: number;
  minRoundBlocks: bigint;
  maxRoundBlocks: bigint;
  maxCommitteeSize: number;
  maxSubgroups: number;
  maxSamples: bigint;
  aggregateBlocks: bigint;
  maxExtensions: number;
  maxAttempts: number;
  disputeBlocks: bigint;
  disputeDeposit: bigint;
  slashFractionPpm: number;
  committeeFeePpm: number;
  commitBlocks: bigint;
  revealBlocks: bigint;
  scoreTolerancePpm: number;
  maxKeyWraps: number;
  publishBlocks: bigint;
}

export const DEFAULT_FL_PARAMS: FlParams = {
  maxModelSpecBytes: 256n * 1024n,
  maxParamCount: 10_000_000n,
  maxParticipants: 1000,
  maxRounds: 1000,
  minRoundBlocks: 2n,
  maxRoundBlocks: 1_000_000n,
  maxCommitteeSize: 100,
  maxSubgroups: 64,
  maxSamples: 1_000_000_000n,
  // About a minute of 1 s blocks for a committee to fetch, aggregate and report.
  aggregateBlocks: 60n,
  maxExtensions: 3,
  maxAttempts: 3,
  disputeBlocks: 60n,
  // 10 CIF: a dispute costs its committee real work.
  disputeDeposit: 10_000_000n,
  // 5%, as double signing: signing a provably wrong aggregate is as deliberate.
  slashFractionPpm: 50_000,
  // 10% of each round's budget to the committee.
  committeeFeePpm: 100_000,
  // Evaluating a round (decrypt the set, score every update, train a reference) takes seconds to
  // a minute of CPU; each phase gets about that.
  commitBlocks: 60n,
  revealBlocks: 30n,
  // Evaluators train their references on the same split from the same model, but not to the same
  // floats (backends, thread counts): their cosines differ by a few hundredths, an attacker's by
  // far more than this.
  scoreTolerancePpm: 200_000,
  // The largest active set the chain is meant for.
  maxKeyWraps: 100,
  // About two minutes for a CKKS task's owner to decrypt and publish.
  publishBlocks: 120n,
};

const U32 = 0xffff_ffff;

export function validateFlParams(p: FlParams): void {
  const atLeast = (v: bigint | number, min: number, name: string) => {
    if (BigInt(v) < BigInt(min)) throw new Error(`${name} must be at least ${min}`);
  };
  atLeast(p.maxModelSpecBytes, 2, "max_model_spec_bytes");
  atLeast(p.maxParamCount, 1, "max_param_count");
  atLeast(p.maxParticipants, 1, "max_participants");
  atLeast(p.maxRounds, 1, "max_rounds");
  atLeast(p.minRoundBlocks, 1, "min_round_blocks");
  if (p.maxRoundBlocks < p.minRoundBlocks) throw new Error("max_round_blocks must be >= min_round_blocks");
  atLeast(p.maxCommitteeSize, 1, "max_committee_size");
  atLeast(p.maxSubgroups, 1, "max_subgroups");
  atLeast(p.maxSamples, 1, "max_samples");
  // At least one block, so a stage or window never opens and closes in the same block.
  atLeast(p.aggregateBlocks, 1, "aggregate_blocks");
  atLeast(p.maxAttempts, 1, "max_attempts");
  atLeast(p.disputeBlocks, 1, "dispute_blocks");
  atLeast(p.disputeDeposit, 1, "dispute_deposit");
  atLeast(p.commitBlocks, 1, "commit_blocks");
  atLeast(p.revealBlocks, 1, "reveal_blocks");
  atLeast(p.maxKeyWraps, 1, "max_key_wraps");
  atLeast(p.publishBlocks, 1, "publish_blocks");
  for (const [name, v] of [
    ["slash_fraction_ppm", p.slashFractionPpm],
    ["committee_fee_ppm", p.committeeFeePpm],
    ["score_tolerance_ppm", p.scoreTolerancePpm],
  ] as const)
    if (v < 0 || BigInt(v) > PPM) throw new Error(`${name} must be within [0, 1000000]`);
  for (const [name, v] of [
    ["max_participants", p.maxParticipants],
    ["max_rounds", p.maxRounds],
    ["max_committee_size", p.maxCommitteeSize],
    ["max_subgroups", p.maxSubgroups],
    ["max_extensions", p.maxExtensions],
    ["max_attempts", p.maxAttempts],
    ["max_key_wraps", p.maxKeyWraps],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > U32) throw new Error(`${name} must be a uint32`);
}

export const flParamsToWire = (p: FlParams): FlParamsWire => ({
  ...p,
  disputeDeposit: p.disputeDeposit.toString(),
});

export const flParamsFromWire = (w: FlParamsWire): FlParams => ({
  ...w,
  disputeDeposit: BigInt(w.disputeDeposit || "0"),
});

const SNAKE: Record<keyof FlParams, string> = {
  maxModelSpecBytes: "max_model_spec_bytes",
  maxParamCount: "max_param_count",
  maxParticipants: "max_participants",
  maxRounds: "max_rounds",
  minRoundBlocks: "min_round_blocks",
  maxRoundBlocks: "max_round_blocks",
  maxCommitteeSize: "max_committee_size",
  maxSubgroups: "max_subgroups",
  maxSamples: "max_samples",
  aggregateBlocks: "aggregate_blocks",
  maxExtensions: "max_extensions",
  maxAttempts: "max_attempts",
  disputeBlocks: "dispute_blocks",
  disputeDeposit: "dispute_deposit",
  slashFractionPpm: "slash_fraction_ppm",
  committeeFeePpm: "committee_fee_ppm",
  commitBlocks: "commit_blocks",
  revealBlocks: "reveal_blocks",
  scoreTolerancePpm: "score_tolerance_ppm",
  maxKeyWraps: "max_key_wraps",
  publishBlocks: "publish_blocks",
};

/** Genesis JSON (snake_case, integers as decimal strings, as Cosmos JSON); absent keys take defaults. */
export function flParamsFromJson(v: unknown): FlParams {
  const j = obj(v ?? {}, "fl.params");
  for (const k of Object.keys(j))
    if (!Object.values(SNAKE).includes(k)) throw new Error(`fl.params.${k}: unknown parameter`);
  const out: Record<string, bigint | number> = {};
  for (const [key, snake] of Object.entries(SNAKE) as [keyof FlParams, string][]) {
    const d = DEFAULT_FL_PARAMS[key];
    const read = optional(j[snake], (x) => uint(x, `fl.params.${snake}`), BigInt(d));
    if (typeof d === "number") {
      if (read > BigInt(U32)) throw new Error(`fl.params.${snake}: must be a uint32`);
      out[key] = Number(read);
    } else out[key] = read;
  }
  const p = out as unknown as FlParams;
  try {
    validateFlParams(p);
  } catch (e) {
    throw new Error(`fl.params: ${(e as Error).message}`);
  }
  return p;
}

export function flParamsToJson(p: FlParams): JsonObject {
  const out: JsonObject = {};
  for (const [key, snake] of Object.entries(SNAKE) as [keyof FlParams, string][])
    out[snake] = p[key].toString();
  return out;
}
