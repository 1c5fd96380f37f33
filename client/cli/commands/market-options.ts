/**
 * Arguments of the `cifer market ...` and `cifer query market ...` commands, validated before
 * anything touches the network: ids, hashes, CIDs, fractions (exact, in millionths: no floats),
 * portfolio items, curves, amounts, validators, and the files a command reads (a dataset to hash,
 * a model spec and its weights, a test set). A bad one is a UsageError with one clear line. What depends on the
 * chain's current parameters (text limits, curve limits, deadlines) is checked once connected, by
 * the commands themselves, before anything is signed.
 */
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { parseCid } from "../../../chain/blobs/cid.ts";
import { parseModelSpec as parseChainModelSpec } from "../../../modules/fl/model-spec.ts";
import { DEFAULT_FL_PARAMS } from "../../../modules/fl/params.ts";
import { checkedWeights, layerSizes, WeightsError } from "../../../modules/fl/weights.ts";
import { DEFAULT_MARKET_PARAMS } from "../../../modules/market/params.ts";
import {
  ASSET_KIND_NAMES,
  AssetKind,
  type Curve,
  CurveKind,
  ESCROW_STATUS_NAMES,
  EscrowStatus,
  type PortfolioItem,
} from "../../../modules/market/proto.ts";
import { DatasetError } from "../../fl/dataset.ts";
import { type EvalData, loadEvalData } from "../../fl/eval-set.ts";
import { UsageError } from "../errors.ts";
import { readBinary } from "../fl-options.ts";
import { fractionText } from "../market-format.ts";
import { readSmallFile } from "../io.ts";
import { parseBondAmountArg, parseIntArg, parseValoperArg } from "../options.ts";

const U64 = 2n ** 64n - 1n;
const U32 = 0xffff_ffff;
/** 1.0 in millionths. */
const PPM = 1_000_000;

// ----- ids ------------------------------------------------------------------------------------------

/** A positive uint64 id; `kind` names it in the message ("an asset id"). */
export function parseIdArg(value: string | undefined, what: string, kind: string): bigint {
  const s = (value ?? "").trim();
  if (!/^[0-9]{1,20}$/.test(s) || BigInt(s) === 0n || BigInt(s) > U64)
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected ${kind} (a positive integer)`);
  return BigInt(s);
}

export const parseAssetIdArg = (value: string | undefined, what = "asset id") =>
  parseIdArg(value, what, "an asset id");
export const parseEscrowIdArg = (value: string | undefined, what = "escrow id") =>
  parseIdArg(value, what, "an escrow id");
export const parseReviewIdArg = (value: string | undefined, what = "review id") =>
  parseIdArg(value, what, "a review id");

/** Asset ids, comma-separated, each once (--trained-on). */
export function parseAssetListArg(value: string, what: string): bigint[] {
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new UsageError(`invalid ${what}: expected asset ids, e.g. 1,4`);
  const ids = parts.map((p) => parseAssetIdArg(p, `${what} id`));
  const seen = new Set<bigint>();
  for (const id of ids) {
    if (seen.has(id)) throw new UsageError(`invalid ${what}: asset ${id} is listed twice`);
    seen.add(id);
  }
  return ids;
}

// ----- hashes, CIDs, texts ---------------------------------------------------------------------------

/** A sha256 in hex (either case), returned lower-case as the chain stores it. */
export function parseHashArg(value: string, what = "--hash"): string {
  const s = value.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(s))
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(value)}: expected a sha256 as 64 hex digits (e.g. from 'sha256sum FILE')`,
    );
  return s.toLowerCase();
}

/** A CIDv1 (raw, sha2-256, base32 "bafkrei..."), as the node's blob store names blobs. */
export function parseCidArg(value: string, what: string): { cid: string; digestHex: string } {
  try {
    const p = parseCid(value.trim());
    return { cid: p.text, digestHex: Buffer.from(p.digest).toString("hex") };
  } catch (e) {
    throw new UsageError(`invalid ${what}: ${(e as Error).message}`);
  }
}

/** A text the chain requires non-empty (--schema, --license). Length limits are the chain's params'. */
export function requiredTextArg(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`${what} must not be empty`);
  return value;
}

/** The texts of a message over the chain's max_text_bytes, as one line naming the flags; "" if none. */
export function textLimitProblem(texts: ReadonlyArray<[string, string]>, maxTextBytes: number): string {
  for (const [flag, text] of texts) {
    const n = Buffer.byteLength(text, "utf8");
    if (n > maxTextBytes)
      return `${flag} is ${n} bytes; the chain accepts at most ${maxTextBytes} (market param max_text_bytes)`;
  }
  return "";
}

// ----- fractions (exact) -----------------------------------------------------------------------------

/**
 * A decimal fraction in [0, 1] ("0.25", ".5", "1", "0.333333") as millionths, exactly: the digits
 * are read as a string, never through a float, so 0.1 + 0.2 + 0.7 sums to exactly 1000000. At most
 * 6 significant decimals (trailing zeros are fine).
 */
export function parseFractionArg(value: string, what: string, o: { allowZero?: boolean } = {}): number {
  const s = value.trim();
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  const whole = m?.[1] ?? "";
  const frac = (m?.[2] ?? "").replace(/0+$/, "");
  const example = "a decimal fraction between 0 and 1, e.g. 0.25";
  if (!m || (whole === "" && (m[2] ?? "") === ""))
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected ${example}`);
  if (frac.length > 6)
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(value)}: at most 6 decimals (the chain counts in millionths)`,
    );
  if (whole.replace(/^0+/, "").length > 1)
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected ${example}`);
  const ppm = Number(whole || "0") * PPM + Number(frac.padEnd(6, "0"));
  if (ppm > PPM) throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: more than 1`);
  if (ppm === 0 && !o.allowZero)
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: must be above 0`);
  return ppm;
}

/**
 * --item DATA_ID:WEIGHT, repeated: the portfolio's items sorted by data id, weights exact in
 * millionths. Weights that do not sum to exactly 1 are refused here, naming their sum.
 */
export function parsePortfolioItemsArg(values: readonly string[] | undefined): PortfolioItem[] {
  if (!values || values.length === 0)
    throw new UsageError(
      "a portfolio needs at least one --item DATA_ID:WEIGHT, e.g. --item 1:0.5 --item 2:0.5",
    );
  const items: PortfolioItem[] = [];
  const seen = new Set<bigint>();
  for (const v of values) {
    const m = /^([^:]*):(.*)$/.exec(v.trim());
    if (!m) throw new UsageError(`invalid --item ${JSON.stringify(v)}: expected DATA_ID:WEIGHT, e.g. 3:0.25`);
    const dataId = parseAssetIdArg(m[1], `--item ${JSON.stringify(v)} data id`);
    const weightPpm = parseFractionArg(m[2]!, `--item ${JSON.stringify(v)} weight`);
    if (seen.has(dataId)) throw new UsageError(`invalid --item: data asset ${dataId} is listed twice`);
    seen.add(dataId);
    items.push({ dataId, weightPpm });
  }
  const sum = items.reduce((s, i) => s + i.weightPpm, 0);
  if (sum !== PPM)
    throw new UsageError(
      `the --item weights sum to ${fractionText(sum)}, not 1: a portfolio's weights sum to exactly 1 (e.g. 0.5 + 0.25 + 0.25)`,
    );
  const maxItems = DEFAULT_MARKET_PARAMS.maxPortfolioItems;
  if (items.length > 4 * maxItems)
    throw new UsageError(`${items.length} items: far above the chain's limit (${maxItems} by default)`);
  return items.sort((a, b) => (a.dataId < b.dataId ? -1 : a.dataId > b.dataId ? 1 : 0));
}

// ----- amounts and curves ----------------------------------------------------------------------------

/** A ucif amount that may be 0: a bare integer of ucif, or an amount such as 1.5CIF or 1000ucif. */
export function parseUcifArg(value: string, what: string): bigint {
  const s = value.trim();
  if (/^[0-9]+$/.test(s)) {
    if (s.replace(/^0+(?=.)/, "").length > 30)
      throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: at most 30 digits of ucif`);
    return BigInt(s);
  }
  return BigInt(parseBondAmountArg(s, what).amount);
}

/** A price ceiling (--max-price): one positive amount of ucif or CIF, e.g. 5CIF or 5000000ucif. */
export const parseMaxPriceArg = (value: string, what = "--max-price"): bigint =>
  BigInt(parseBondAmountArg(value, what).amount);

/** --exponent NUM/DEN (or an integer): at least 1/64 and at most 16, the chain's hard bounds. */
export function parseExponentArg(value: string): { num: number; den: number } {
  const m = /^\s*([0-9]+)\s*(?:\/\s*([0-9]+)\s*)?$/.exec(value);
  if (!m)
    throw new UsageError(
      `invalid --exponent ${JSON.stringify(value)}: expected NUM/DEN or an integer, e.g. 3/2`,
    );
  const num = parseIntArg(m[1]!, "--exponent numerator", 1, U32);
  const den = m[2] === undefined ? 1 : parseIntArg(m[2], "--exponent denominator", 1, 64);
  if (num > 16 * den) throw new UsageError(`invalid --exponent ${num}/${den}: above 16`);
  return { num, den };
}

export interface CurveFlags {
  curve: string;
  m: string;
  b: string;
  exponent?: string;
}

/** --curve linear|power with --m, --b (ucif) and, for power, --exponent. */
export function parseCurveArgs(o: CurveFlags): Curve {
  const name = o.curve.trim().toLowerCase();
  if (name !== "linear" && name !== "power")
    throw new UsageError(`invalid --curve ${JSON.stringify(o.curve)}: expected linear or power`);
  const m = parseUcifArg(o.m, "--m");
  const b = parseUcifArg(o.b, "--b");
  if (m === 0n && b === 0n)
    throw new UsageError("--m and --b are both 0: the curve would give access away for nothing");
  if (name === "linear") {
    if (o.exponent !== undefined) throw new UsageError("--exponent is for --curve power only");
    return { kind: CurveKind.Linear, m: m.toString(), b: b.toString(), exponentNum: 0, exponentDen: 0 };
  }
  if (o.exponent === undefined) throw new UsageError("--curve power needs --exponent NUM/DEN, e.g. 3/2");
  const { num, den } = parseExponentArg(o.exponent);
  return { kind: CurveKind.Power, m: m.toString(), b: b.toString(), exponentNum: num, exponentDen: den };
}

// ----- enums ------------------------------------------------------------------------------------------

function enumArg<E extends number>(names: Record<E, string>, value: string, what: string): E {
  const entry = Object.entries<string>(names).find(
    ([k, n]) => Number(k) !== 0 && n === value.trim().toLowerCase(),
  );
  if (!entry)
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(value)}: expected one of ${Object.values<string>(names).slice(1).join(", ")}`,
    );
  return Number(entry[0]) as E;
}

/** --kind data|portfolio|model; every kind when absent. */
export const parseAssetKindArg = (value: string | undefined): AssetKind =>
  value === undefined ? AssetKind.Unspecified : enumArg(ASSET_KIND_NAMES, value, "--kind");

/** --status committing|revealing|passed|failed|released|refunded; all when absent. */
export const parseEscrowStatusArg = (value: string | undefined): EscrowStatus =>
  value === undefined ? EscrowStatus.Unspecified : enumArg(ESCROW_STATUS_NAMES, value, "--status");

// ----- validators, test sets, files --------------------------------------------------------------------

/** --validators: operator addresses, comma-separated, each once. */
export function parseValidatorsArg(value: string, what = "--validators"): string[] {
  const list = value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (list.length === 0)
    throw new UsageError(`invalid ${what}: expected validator operator addresses (cifvaloper1...)`);
  const seen = new Set<string>();
  for (const v of list) {
    parseValoperArg(v, `${what} address`);
    if (seen.has(v)) throw new UsageError(`invalid ${what}: ${v} is listed twice`);
    seen.add(v);
  }
  return list;
}

/** The buyer's test set (--test-set): a CSV as trainers' and owners' eval sets are, checked the same way. */
export function loadTestSetArg(path: string, what = "--test-set"): EvalData {
  try {
    return loadEvalData({ csvPath: path }, what);
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(`${what}: ${e.message}`);
    throw e;
  }
}

/** The largest model spec file read: 4x the chain's default limit (the chain has the last word). */
const MAX_SPEC_FILE_BYTES = 4 * Number(DEFAULT_MARKET_PARAMS.maxModelSpecBytes);

/** --spec FILE: a TensorFlow.js model JSON without weights, checked as the chain checks a task's, compacted. */
export function readSpecArg(path: string, what = "--spec"): string {
  let text: string;
  try {
    text = readSmallFile(path, `${what} ${path}`, MAX_SPEC_FILE_BYTES);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`${what} ${path} is not JSON: ${(e as Error).message}`);
  }
  try {
    parseChainModelSpec(compact, DEFAULT_FL_PARAMS.maxParamCount);
  } catch (e) {
    throw new UsageError(`${what} ${path}: ${(e as Error).message}`);
  }
  return compact;
}

/** The size of a regular file a flag names; a usage error if it is missing or not a file. */
function fileSizeArg(path: string, what: string): number {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${what} ${path} is not a regular file`);
    return st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what}: ${(e as Error).message}`);
  }
}

/**
 * --weights FILE of the model `specText` describes (as readSpecArg returns it): TensorFlow.js
 * weightData, float32 little-endian in weightSpecs order, exactly 4 x the spec's parameters, every
 * value finite. The same check (modules/fl/weights.ts) the node runs on an FL update and the escrow
 * committee on a model it scores: weights that could never be evaluated are refused here, before
 * anything is uploaded or signed. The size is compared before the file is read.
 */
export function readWeightsArg(path: string, specText: string, what = "--weights"): Uint8Array {
  const sizes = layerSizes(parseChainModelSpec(specText, DEFAULT_FL_PARAMS.maxParamCount).weightSpecs);
  const params = sizes.reduce((a, b) => a + b, 0);
  const expected = 4 * params;
  const size = fileSizeArg(path, what);
  if (size !== expected)
    throw new UsageError(
      `${what} ${path} has ${size} bytes, but the --spec model needs exactly ${expected} (${params} float32 parameters x 4 bytes)`,
    );
  const bytes = readBinary(path, `${what} ${path}`, expected);
  try {
    checkedWeights(sizes, bytes);
  } catch (e) {
    if (e instanceof WeightsError) throw new UsageError(`${what} ${path}: ${e.message}`);
    throw e;
  }
  return bytes;
}

/**
 * sha256 and size of a dataset file, streamed (a dataset may be far larger than memory). Nothing is
 * uploaded: only the hash goes on chain.
 */
export async function hashFileArg(path: string, what = "--file"): Promise<{ hash: string; size: bigint }> {
  const size = fileSizeArg(path, what);
  if (size === 0) throw new UsageError(`${what} ${path} is empty`);
  const h = createHash("sha256");
  let read = 0n;
  try {
    for await (const chunk of createReadStream(path)) {
      h.update(chunk as Buffer);
      read += BigInt((chunk as Buffer).length);
    }
  } catch (e) {
    throw new UsageError(`cannot read ${what}: ${(e as Error).message}`);
  }
  return { hash: h.digest("hex"), size: read };
}
