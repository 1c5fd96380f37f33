/**
 * The owner's side of a task's eval set (issue #6, DIN; modules/fl/README.md "Evaluation,
 * contribution and privacy"): the owner's evaluation CSV is normalized, encrypted with a fresh key K
 * (AES-256-GCM, modules/fl/evalset/cipher.ts) and named by the CID of the ciphertext; K is wrapped
 * for each evaluating validator's ed25519 consensus key as the staking module records it
 * (modules/fl/evalset/key-wrap.ts), bound to the chain, the owner and that CID. Only the ciphertext
 * and the wraps leave the owner's machine: the caller uploads `blob` (putBlob) and sends `evalSet`
 * in MsgCreateTask.
 *
 *   const prepared = await prepareEvalSet({ query: client.query, chainId, owner, data: { csvPath } });
 *   await putBlob(nodeUrl, prepared.blob);
 *   msgCreateTask({ ...fields, rule: Rule.Trust, payout: Payout.Contribution, evalSet: prepared.evalSet });
 */
import type { StakingExtension } from "@cosmjs/stargate";
import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { cidOf } from "../../chain/blobs/cid.ts";
import { encryptEvalSet, MAX_EVAL_SET_BYTES } from "../../modules/fl/evalset/cipher.ts";
import { evalSetContext, wrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import type { EvalSet } from "../../modules/fl/proto.ts";
import { MAX_EVAL_RECORDS, MIN_EVAL_RECORDS } from "../../modules/fl/evalset/check.ts";
import { consensusPubKey } from "../../modules/staking/validator.ts";
import { csvRows, csvTextOf, type Dataset, DatasetError, parseCsvDataset, readCsvText } from "./dataset.ts";

/** The evaluators cannot be had: none bonded, one unknown, a consensus key K cannot be wrapped for. */
export class EvaluatorError extends Error {
  override name = "EvaluatorError";
}

/** Where the owner's evaluation records come from: a CSV file (or .csv.gz), its text or bytes, or parsed data. */
export type EvalDataSource = { csvPath: string } | { csv: string | Uint8Array } | { dataset: Dataset };

/** Evaluation records, checked and normalized: what gets encrypted. */
export interface EvalData {
  /** The CSV committee members decrypt: one record per line, "\n"-terminated, cells trimmed. */
  plain: Uint8Array;
  dataset: Dataset;
}

/** The staking queries prepareEvalSet needs (CiferClient's `query` has them). */
export interface EvalSetQueries {
  staking: Pick<StakingExtension["staking"], "validators">;
}

export interface PrepareEvalSetOptions {
  query: EvalSetQueries;
  chainId: string;
  /**
   * The set's owner (cif1...): the task owner, or a market escrow's buyer (`cifer market escrow
   * open`). The wraps are bound to it: evaluators unwrap with evalSetContext(chainId, owner, cid).
   */
  owner: string;
  data: EvalDataSource | EvalData;
  /** Operator addresses (cifvaloper1...) that may evaluate; by default every bonded validator. */
  validators?: readonly string[];
}

export interface PreparedEvalSet {
  /** The ciphertext to upload (its CID is evalSet.cid). */
  blob: Uint8Array;
  /** For MsgCreateTask: the CID, the record count and one wrap per evaluator, sorted by validator. */
  evalSet: EvalSet;
  /** K: only the owner and the evaluators ever hold it. */
  key: Uint8Array;
  data: EvalData;
}

/** Pages of the validators query followed at most. */
const MAX_PAGES = 100;

function csvOf(d: Dataset): string {
  const lines: string[] = [];
  for (let i = 0; i < d.count; i++)
    lines.push([...d.x.subarray(i * d.features, (i + 1) * d.features), d.y[i]].join(","));
  return lines.join("\n");
}

/**
 * The records parsed and checked as a trainer's data is (dataset.ts: numeric cells, an integer
 * label last, the same size limits), and as the chain counts them (MIN_EVAL_RECORDS..MAX_EVAL_RECORDS);
 * the plaintext is normalized so that its line i is record i, the index the round splits use.
 */
export function loadEvalData(source: EvalDataSource, what = "eval set"): EvalData {
  const text =
    "csvPath" in source
      ? readCsvText(source.csvPath)
      : "dataset" in source
        ? csvOf(source.dataset)
        : typeof source.csv === "string"
          ? source.csv
          : csvTextOf(source.csv, what);
  const where = "csvPath" in source ? source.csvPath : what;
  const dataset = parseCsvDataset(text, where);
  if (dataset.count < MIN_EVAL_RECORDS || dataset.count > MAX_EVAL_RECORDS)
    throw new DatasetError(
      `${where}: ${dataset.count} records; an eval set has ${MIN_EVAL_RECORDS} to ${MAX_EVAL_RECORDS} (each round splits half of them into validation and test)`,
    );
  const normalized = csvRows(text).map((row) =>
    row
      .split(",")
      .map((c) => c.trim())
      .join(","),
  );
  const plain = new Uint8Array(Buffer.from(`${normalized.join("\n")}\n`, "utf8"));
  if (plain.length > MAX_EVAL_SET_BYTES)
    throw new DatasetError(
      `${where}: ${plain.length} bytes of records, an eval set holds at most ${MAX_EVAL_SET_BYTES} (committee members decrypt it in memory)`,
    );
  return { plain, dataset };
}

async function validatorsOf(q: EvalSetQueries, status: "BOND_STATUS_BONDED" | ""): Promise<Validator[]> {
  const out: Validator[] = [];
  let key: Uint8Array | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await q.staking.validators(status, key);
    out.push(...r.validators);
    key = r.pagination?.nextKey;
    if (!key || key.length === 0) return out;
  }
  throw new EvaluatorError(`more than ${MAX_PAGES} pages of validators`);
}

/**
 * The evaluators' records: the named ones (each must exist, once), or every bonded validator. A
 * named validator that is not bonded now is accepted: it evaluates once it is (the chain only draws
 * committees among bonded validators holding a wrap).
 */
async function evaluatorsOf(q: EvalSetQueries, named: readonly string[] | undefined): Promise<Validator[]> {
  if (named === undefined) {
    const bonded = await validatorsOf(q, "BOND_STATUS_BONDED");
    if (bonded.length === 0) throw new EvaluatorError("no bonded validator to wrap the eval set's key for");
    return bonded;
  }
  if (named.length === 0) throw new EvaluatorError("no evaluator named");
  const all = new Map((await validatorsOf(q, "")).map((v) => [v.operatorAddress, v]));
  const seen = new Set<string>();
  return named.map((address) => {
    if (seen.has(address)) throw new EvaluatorError(`evaluator ${address} is named twice`);
    seen.add(address);
    const v = all.get(address);
    if (!v)
      throw new EvaluatorError(
        `${address} is not a validator of this chain (see 'cifer query staking validators')`,
      );
    return v;
  });
}

/** K wrapped for one validator's consensus key; what stops it named after the validator. */
function wrapFor(v: Validator, key: Uint8Array, context: string): Uint8Array {
  let pub: Uint8Array;
  try {
    pub = consensusPubKey(v);
  } catch {
    throw new EvaluatorError(
      `validator ${v.operatorAddress} has a ${v.consensusPubkey?.typeUrl || "missing"} consensus key; eval-set keys are wrapped for ed25519 keys only`,
    );
  }
  try {
    return wrapKey(key, pub, context);
  } catch (e) {
    throw new EvaluatorError(`validator ${v.operatorAddress}: ${(e as Error).message}`);
  }
}

/**
 * Encrypts the owner's evaluation records and wraps their key for the evaluators. The validators
 * are read before anything is encrypted, so a problem with them costs nothing; the data is read
 * first, so a problem with it costs no network access.
 */
export async function prepareEvalSet(o: PrepareEvalSetOptions): Promise<PreparedEvalSet> {
  const data = "plain" in o.data ? o.data : loadEvalData(o.data);
  const evaluators = await evaluatorsOf(o.query, o.validators);
  const { blob, key } = encryptEvalSet(data.plain);
  const cid = cidOf(blob);
  const context = evalSetContext(o.chainId, o.owner, cid);
  const wraps = evaluators
    .map((v) => ({ validator: v.operatorAddress, wrap: wrapFor(v, key, context) }))
    .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
  return { blob, key, data, evalSet: { cid, records: data.dataset.count, wraps } };
}
