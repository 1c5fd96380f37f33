import { isValidCoinAmount } from "./amounts.ts";
import { parseCid } from "./cid.ts";
import { FlCode, flError } from "./errors.ts";
import { parseModelSpec, updateBytesOf } from "./model-spec.ts";
import type { FlParams } from "./params.ts";
import { checkEvalSetShape } from "./evalset/check.ts";
import { ckksBlobBytes } from "./ckks/params.ts";
import { type EvalSet, type MsgCreateTask, Payout, Privacy, RULE_NAMES, Rule } from "./proto.ts";
import { checkRule } from "./rules.ts";

/** What MsgCreateTask derives once its parameters are known to be possible. */
export interface CheckedTask {
  pool: bigint;
  paramCount: bigint;
  updateBytes: bigint;
  joinBond: bigint;
  /** The eval set with its wraps sorted by validator, or undefined. */
  evalSet: EvalSet | undefined;
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
  const joinBond = checkJoinBond(m.joinBond ?? "");
  checkPrivacy(m);
  const evalSet = checkEvalSet(m, p);
  // A CKKS update is ciphertexts of one fixed size per 4096 values (modules/fl/ckks/params.ts).
  const updateBytes =
    (m.privacy ?? Privacy.Plain) === Privacy.Ckks ? ckksBlobBytes(paramCount) : updateBytesOf(paramCount);
  return { pool, paramCount, updateBytes, joinBond, evalSet };
}

function checkJoinBond(bond: string): bigint {
  if (bond === "") return 0n;
  if (!isValidCoinAmount(bond))
    throw flError(
      FlCode.InvalidJoinBond,
      `join_bond must be a whole ucif amount, got ${JSON.stringify(bond.slice(0, 80))}`,
    );
  return BigInt(bond);
}

/**
 * The eval set, when the task has one: TRUST and CONTRIBUTION need it (their scores come from the
 * committee's evaluation), and its key must be wrapped for at least one validator, each once, in
 * the wrap format of modules/fl/evalset. Whether the validators exist is the keeper's check.
 */
function checkEvalSet(m: MsgCreateTask, p: FlParams): EvalSet | undefined {
  const payout = m.payout ?? Payout.Samples;
  if (payout !== Payout.Samples && payout !== Payout.Contribution)
    throw flError(FlCode.InvalidEvalSet, `unknown payout ${payout}`);
  const needs =
    m.rule === Rule.Trust ? "the trust rule" : payout === Payout.Contribution ? "contribution payout" : "";
  const e = m.evalSet;
  if (!e) {
    if (needs)
      throw flError(FlCode.InvalidEvalSet, `${needs} needs an eval set (the committee evaluates on it)`);
    return undefined;
  }
  try {
    return checkEvalSetShape(e, p.maxKeyWraps);
  } catch (err) {
    throw flError(FlCode.InvalidEvalSet, (err as Error).message);
  }
}

/**
 * CKKS: the committee only adds ciphertexts, so the rule is FedAvg (trainers encrypt their weights
 * times their samples, the owner divides the sum by the accepted samples); the robust rules and
 * TRUST compare plaintext updates and cannot run, and nobody but the owner can evaluate an update,
 * so there is no eval set and trainers are paid by samples.
 */
function checkPrivacy(m: MsgCreateTask): void {
  const privacy = m.privacy ?? Privacy.Plain;
  const keyCid = m.ckksPublicKeyCid ?? "";
  if (privacy === Privacy.Plain) {
    if (keyCid !== "") throw flError(FlCode.IncompatiblePrivacy, "a plain task takes no ckks public key");
    return;
  }
  if (privacy !== Privacy.Ckks) throw flError(FlCode.IncompatiblePrivacy, `unknown privacy mode ${privacy}`);
  if (m.rule !== Rule.FedAvg)
    throw flError(
      FlCode.IncompatiblePrivacy,
      `privacy mode ckks sums encrypted updates, so its rule is fedavg; ${RULE_NAMES[m.rule] ?? m.rule} needs plaintext updates`,
    );
  if (m.evalSet || (m.payout ?? Payout.Samples) !== Payout.Samples)
    throw flError(
      FlCode.IncompatiblePrivacy,
      "privacy mode ckks pays by samples and takes no eval set: nobody but the owner can read an update",
    );
  const cid = parseCid(keyCid);
  if ("error" in cid) throw flError(FlCode.InvalidCkksKey, `ckks public key: ${cid.error}`);
}
