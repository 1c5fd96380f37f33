/**
 * Arguments of the `cifer fl ...` commands, validated before anything touches the network: task ids,
 * aggregation rules and their parameters (with the chain's own preconditions, modules/fl/rules.ts),
 * model files (with the chain's own model-spec checks, modules/fl/model-spec.ts, and the trainer's
 * training settings), training numbers and datasets. A bad one is a UsageError with one clear line.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { parseModelSpec as parseChainModelSpec } from "../../modules/fl/model-spec.ts";
import { DEFAULT_FL_PARAMS } from "../../modules/fl/params.ts";
import { PAYOUT_NAMES, Payout, RULE_NAMES, Rule, type RuleParams } from "../../modules/fl/proto.ts";
import { checkRule, SUPPORTED_RULES } from "../../modules/fl/rules.ts";
import { ATTACKS, type Attack } from "../fl/attacks.ts";
import { checkDataFits } from "../fl/data-fit.ts";
import { type Dataset, DatasetError, loadCsvDataset } from "../fl/dataset.ts";
import { type EvalData, loadEvalData } from "../fl/eval-set.ts";
import { type ModelSpec, parseModelSpec, weightsOf } from "../fl/model.ts";
import { TrainerError } from "../fl/trainer-types.ts";
import { UsageError } from "./errors.ts";
import { readSmallFile } from "./io.ts";
import { parseBondAmountArg, parseIntArg, parseValoperArg } from "./options.ts";

const U32 = 0xffff_ffff;
const U64 = 2n ** 64n - 1n;

/** A task id: a positive integer (uint64). */
export function parseTaskIdArg(value: string | undefined, what = "--task"): bigint {
  const s = (value ?? "").trim();
  if (!/^[0-9]{1,20}$/.test(s) || BigInt(s) === 0n || BigInt(s) > U64)
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected a task id (a positive integer)`);
  return BigInt(s);
}

/** A round number: 1..2^32-1. */
export const parseRoundArg = (value: string, what = "round"): number => parseIntArg(value, what, 1, U32);

/** A uint32 count of at least `min`. */
export const parseCountArg = (value: string, what: string, min = 1): number =>
  parseIntArg(value, what, min, U32);

/** --rule: fedavg, median, trimmed_mean (or trimmed-mean), krum, multikrum, bulyan. */
export function parseRuleArg(value: string): Rule {
  const name = value.trim().toLowerCase().replace(/-/g, "_");
  const rule = SUPPORTED_RULES.find((r) => RULE_NAMES[r] === name);
  if (rule === undefined)
    throw new UsageError(
      `invalid --rule ${JSON.stringify(value)}: expected one of ${SUPPORTED_RULES.map((r) => RULE_NAMES[r]).join(", ")}`,
    );
  return rule;
}

/** --payout samples|contribution. */
export function parsePayoutArg(value: string): Payout {
  const name = value.trim().toLowerCase();
  const entry = Object.entries(PAYOUT_NAMES).find(([, n]) => n === name);
  if (!entry)
    throw new UsageError(
      `invalid --payout ${JSON.stringify(value)}: expected one of ${Object.values(PAYOUT_NAMES).join(", ")}`,
    );
  return Number(entry[0]) as Payout;
}

/** --evaluators: validator operator addresses, comma-separated, each once. */
export function parseEvaluatorsArg(value: string): string[] {
  const list = value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (list.length === 0)
    throw new UsageError("invalid --evaluators: expected validator operator addresses (cifvaloper1...)");
  const seen = new Set<string>();
  for (const v of list) {
    parseValoperArg(v, "--evaluators address");
    if (seen.has(v)) throw new UsageError(`invalid --evaluators: ${v} is listed twice`);
    seen.add(v);
  }
  return list;
}

/** The owner's evaluation CSV (--eval-data), checked as the chain counts it and against the task's model. */
export function loadEvalDataArg(path: string, spec: ModelSpec): EvalData {
  try {
    const data = loadEvalData({ csvPath: path });
    checkDataFits(spec, data.dataset);
    return data;
  } catch (e) {
    if (e instanceof DatasetError || e instanceof TrainerError)
      throw new UsageError(`--eval-data: ${e.message}`);
    throw e;
  }
}

/** What #6's flags of create-task ask for: evaluation, payout and join bond. */
export interface EvalArgs {
  payout: Payout;
  /** ucif; "" for none. */
  joinBond: string;
  evalData: EvalData | undefined;
  /** Operator addresses, or undefined for every bonded validator. */
  evaluators: string[] | undefined;
}

/**
 * --payout, --join-bond, --eval-data and --evaluators, with the combinations the chain refuses
 * (modules/fl/task-spec.ts) told apart by flag: the trust rule and contribution payout score updates
 * on the owner's eval set. The file is read last, once the flags agree.
 */
export function parseEvalArgs(
  rule: Rule,
  o: { payout?: string; joinBond?: string; evalData?: string; evaluators?: string },
  spec: ModelSpec,
): EvalArgs {
  const payout = parsePayoutArg(o.payout ?? PAYOUT_NAMES[Payout.Samples]);
  const joinBond = o.joinBond !== undefined ? parseBondAmountArg(o.joinBond, "--join-bond").amount : "";
  const evaluators = o.evaluators !== undefined ? parseEvaluatorsArg(o.evaluators) : undefined;
  if (o.evalData === undefined) {
    const needs =
      rule === Rule.Trust
        ? "--rule trust"
        : payout === Payout.Contribution
          ? "--payout contribution"
          : evaluators
            ? "--evaluators"
            : "";
    if (needs)
      throw new UsageError(
        `${needs} needs --eval-data <file.csv>: the committee scores updates on the owner's eval set`,
      );
  }
  const evalData = o.evalData !== undefined ? loadEvalDataArg(o.evalData, spec) : undefined;
  return { payout, joinBond, evalData, evaluators };
}

/** --beta: a fraction in [0, 0.5) with at most 6 decimals, as millionths. */
export function parseBetaArg(value: string): number {
  const s = value.trim();
  const m = /^0?(?:\.([0-9]{1,6}))?$/.exec(s);
  if (s === "" || s === "." || !m)
    throw new UsageError(
      `invalid --beta ${JSON.stringify(value)}: expected a fraction below 0.5 with at most 6 decimals, e.g. 0.2`,
    );
  return Number((m[1] ?? "").padEnd(6, "0") || "0");
}

/**
 * The rule's parameters, checked as the chain checks them for the smallest subgroup a round can
 * have (min participants): parameters the rule does not use must be absent, the others possible.
 */
export function parseRuleParamsArgs(
  rule: Rule,
  o: { f?: string; m?: string; beta?: string },
  minParticipants: number,
): RuleParams {
  const p: RuleParams = {
    f: o.f !== undefined ? parseIntArg(o.f, "--f", 0, U32) : 0,
    m: o.m !== undefined ? parseIntArg(o.m, "--m", 0, U32) : 0,
    betaPpm: o.beta !== undefined ? parseBetaArg(o.beta) : 0,
  };
  try {
    checkRule(rule, p, minParticipants);
  } catch (e) {
    // The chain's words name the parameters by their proto names; say which flags they are.
    const message = (e as Error).message
      .replace(/parameter f\b/, "parameter f (--f)")
      .replace(/parameter m\b/, "parameter m (--m)")
      .replace(/parameter beta\b/, "parameter beta (--beta)")
      .replace(/min is (\d+)/, "--min-participants is $1");
    throw new UsageError(`--rule ${RULE_NAMES[rule]}: ${message}`);
  }
  return p;
}

/** A positive finite decimal (feature scale, learning rate). */
export function parsePositiveNumberArg(value: string, what: string): number {
  const s = value.trim();
  const n = Number(s);
  if (!/^[0-9]*\.?[0-9]+(e-?[0-9]+)?$/i.test(s) || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected a positive number`);
  return n;
}

/** --hidden: units of each hidden layer, e.g. 32 or 64,32. */
export function parseHiddenArg(value: string): number[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length > 16) throw new UsageError("invalid --hidden: at most 16 hidden layers");
  return parts.map((p) => parseIntArg(p, "--hidden layer size", 1, 100_000));
}

/** --attack (demos and tests): sign-flip, gaussian, label-flip. */
export function parseAttackArg(value: string): Attack {
  if (!(ATTACKS as readonly string[]).includes(value))
    throw new UsageError(`invalid --attack ${JSON.stringify(value)}: expected one of ${ATTACKS.join(", ")}`);
  return value as Attack;
}

/** A trainer's CSV dataset (optionally gzipped); its problems are usage errors naming the file. */
export function loadDatasetArg(path: string): Dataset {
  try {
    return loadCsvDataset(path);
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(`--data: ${e.message}`);
    throw e;
  }
}

/** The largest model spec file read: 4x the chain's default limit (the chain has the last word). */
const MAX_SPEC_FILE_BYTES = 4 * Number(DEFAULT_FL_PARAMS.maxModelSpecBytes);
/** Weights of the largest model the chain accepts by default. */
const MAX_WEIGHTS_FILE_BYTES = 4 * Number(DEFAULT_FL_PARAMS.maxParamCount);

/** A regular file of at most `max` bytes; a usage error naming `what` otherwise. */
export function readBinary(path: string, what: string, max: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new UsageError(`cannot read ${what}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${what} is not a regular file`);
    if (st.size > max) throw new UsageError(`${what} is too large (${st.size} bytes, at most ${max})`);
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** A task's model as files: the spec (tfjs model JSON without weights) and the genesis weights blob. */
export interface ModelFiles {
  /** The spec as the chain stores it: compact JSON. */
  specText: string;
  spec: ModelSpec;
  weights: Uint8Array;
  paramCount: number;
}

export const MODEL_FILE = "model.json";
export const WEIGHTS_FILE = "weights.bin";

/** --model DIR (DIR/model.json and DIR/weights.bin), or --model-spec FILE with --weights FILE. */
export function readModelArgs(o: { model?: string; modelSpec?: string; weights?: string }): ModelFiles {
  if (o.model !== undefined && (o.modelSpec !== undefined || o.weights !== undefined))
    throw new UsageError("give either --model DIR or --model-spec FILE with --weights FILE, not both");
  if (o.model === undefined && (o.modelSpec === undefined || o.weights === undefined))
    throw new UsageError(
      "the model is missing: give --model DIR (from 'cifer fl init-model') or --model-spec FILE and --weights FILE",
    );
  const specPath = o.model !== undefined ? join(o.model, MODEL_FILE) : o.modelSpec!;
  const weightsPath = o.model !== undefined ? join(o.model, WEIGHTS_FILE) : o.weights!;
  let text: string;
  try {
    text = readSmallFile(specPath, `model spec ${specPath}`, MAX_SPEC_FILE_BYTES);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let specText: string;
  try {
    specText = JSON.stringify(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`model spec ${specPath} is not JSON: ${(e as Error).message}`);
  }
  try {
    // The chain's checks (float32 weights, positive dims, no weights inside, size bound) ...
    parseChainModelSpec(specText, DEFAULT_FL_PARAMS.maxParamCount);
  } catch (e) {
    throw new UsageError(`${specPath}: ${(e as Error).message}`);
  }
  let spec: ModelSpec;
  try {
    // ... and the trainers' (training settings under userDefinedMetadata.cifer).
    spec = parseModelSpec(specText);
  } catch (e) {
    throw new UsageError(`${specPath}: ${(e as Error).message}`);
  }
  const weights = readBinary(weightsPath, `weights ${weightsPath}`, MAX_WEIGHTS_FILE_BYTES);
  try {
    weightsOf(spec, weights);
  } catch (e) {
    throw new UsageError(`${weightsPath}: ${(e as Error).message}`);
  }
  return { specText, spec, weights, paramCount: weights.length / 4 };
}
