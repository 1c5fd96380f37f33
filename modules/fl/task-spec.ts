import { isValidCoinAmount } from "./amounts.ts";
import { parseCid } from "./cid.ts";
import { FlCode, flError } from "./errors.ts";
import { parseModelSpec, updateBytesOf } from "./model-spec.ts";
import type { FlParams } from "./params.ts";
import type { MsgCreateTask } from "./proto.ts";
import { checkRule } from "./rules.ts";

/** What MsgCreateTask derives once its parameters are known to be possible. */
export interface CheckedTask {
  pool: bigint;
  paramCount: bigint;
  updateBytes: bigint;
}

/**
 * Every check of a new task against the module's params, before anything is written or escrowed: a
 * task that could never run (impossible bounds, a rule its smallest subgroup cannot satisfy, a
 * model too large) is refused with the typed error that names the problem. Pure.
 */
export function checkCreateTask(m: MsgCreateTask, p: FlParams, bondDenom: string): CheckedTask {
  const specBytes = BigInt(Buffer.byteLength(m.modelSpec, "utf8"));
  if (specBytes > p.maxModelSpecBytes)
    throw flError(
      FlCode.ModelTooLarge,
      `model spec is ${specBytes} bytes, the limit is ${p.maxModelSpecBytes}`,
    );
  const { paramCount } = parseModelSpec(m.modelSpec, p.maxParamCount);
  const cid = parseCid(m.genesisWeightsCid);
  if ("error" in cid) throw flError(FlCode.InvalidCid, `genesis weights: ${cid.error}`);

  const coin = m.rewardPool;
  if (!coin || coin.denom !== bondDenom)
    throw flError(FlCode.InvalidRewardPool, `the reward pool must be paid in ${bondDenom}`);
  if (!isValidCoinAmount(coin.amount) || BigInt(coin.amount) === 0n)
    throw flError(
      FlCode.InvalidRewardPool,
      `reward pool amount ${JSON.stringify(coin.amount)} is not positive`,
    );
  const pool = BigInt(coin.amount);

  if (m.rounds < 1 || m.rounds > p.maxRounds)
    throw flError(FlCode.InvalidRounds, `rounds must be within [1, ${p.maxRounds}], got ${m.rounds}`);
  if (m.roundBlocks < p.minRoundBlocks || m.roundBlocks > p.maxRoundBlocks)
    throw flError(
      FlCode.InvalidRoundBlocks,
      `round_blocks must be within [${p.minRoundBlocks}, ${p.maxRoundBlocks}], got ${m.roundBlocks}`,
    );
  if (m.minParticipants < 1) throw flError(FlCode.InvalidParticipants, "min_participants must be at least 1");
  if (m.maxParticipants < m.minParticipants)
    throw flError(
      FlCode.InvalidParticipants,
      `max_participants ${m.maxParticipants} is below min_participants ${m.minParticipants}`,
    );
  if (m.maxParticipants > p.maxParticipants)
    throw flError(
      FlCode.InvalidParticipants,
      `max_participants ${m.maxParticipants} is above the limit ${p.maxParticipants}`,
    );
  if (m.committeeSize < 1 || m.committeeSize > p.maxCommitteeSize)
    throw flError(
      FlCode.InvalidCommitteeSize,
      `committee_size must be within [1, ${p.maxCommitteeSize}], got ${m.committeeSize}`,
    );
  if (m.subgroupSize !== 0) {
    if (m.subgroupSize < m.minParticipants)
      throw flError(
        FlCode.InvalidSubgroupSize,
        `subgroup_size ${m.subgroupSize} is below min_participants ${m.minParticipants} (0 = no split)`,
      );
    const most = Math.ceil(m.maxParticipants / m.subgroupSize);
    if (most > p.maxSubgroups)
      throw flError(
        FlCode.InvalidSubgroupSize,
        `subgroup_size ${m.subgroupSize} splits ${m.maxParticipants} participants into up to ${most} subgroups, the limit is ${p.maxSubgroups}`,
      );
  }
  checkRule(m.rule, m.ruleParams ?? { f: 0, m: 0, betaPpm: 0 }, m.minParticipants);
  return { pool, paramCount, updateBytes: updateBytesOf(paramCount) };
}
