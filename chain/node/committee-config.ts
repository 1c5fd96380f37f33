import { isAbsolute, join } from "node:path";
import { type GasPrice, parseGasPrice } from "../types/gas-price.ts";
import { bool, type JsonObject, obj, optional, str, uint } from "../types/json.ts";

/**
 * A committee service's section of config.json (committee-runner.ts): the same keys for every
 * module whose validators do committee work (fl's aggregator, market's escrow evaluator).
 */
export interface CommitteeServiceConfig {
  /** Off: the node never does the section's committee work (its validator stays silent there). */
  enabled: boolean;
  /** Absolute path of the operator's secp256k1 key file (operator-key.ts). */
  operatorKeyFile: string;
  /** Gas price of the service's txs. */
  gasPrice: GasPrice;
  /** Jobs at once (fetching overlaps; heavy work runs one at a time in the module's worker). */
  maxConcurrentJobs: number;
  /** Bound on fetching one job's blobs from peers. */
  fetchTimeoutMs: number;
}

export const DEFAULT_OPERATOR_KEY_FILE = "config/operator_key.json";
export const DEFAULT_GAS_PRICE = "0.0025ucif";
const DEFAULT_MAX_CONCURRENT_JOBS = 2;

/** What a section may choose for itself; the rest is common to every committee service. */
export interface CommitteeConfigSpec {
  /** The section's name in config.json, also the prefix of every refusal ("fl.gas_price: ..."). */
  section: string;
  fetchTimeoutMs: number;
  /** The module's own config error, from the whole message. */
  error: (message: string) => Error;
}

/** What a parse needs of the node: its home (relative key paths) and its own minimum gas prices. */
export interface CommitteeConfigContext {
  home: string;
  minimumGasPrices: readonly GasPrice[];
  /** The gas price's denom (ucif). */
  denom?: string;
}

/** What `cifer node init` writes (gas_price left out: it follows the node's minimum gas price). */
export function committeeConfigJson(spec: Pick<CommitteeConfigSpec, "fetchTimeoutMs">): JsonObject {
  return {
    enabled: true,
    operator_key_file: DEFAULT_OPERATOR_KEY_FILE,
    max_concurrent_jobs: DEFAULT_MAX_CONCURRENT_JOBS,
    fetch_timeout_ms: spec.fetchTimeoutMs,
  };
}

/**
 * Parses the section (absent = every default, so a node initialized before a module existed does
 * its committee work too). The gas price defaults to the node's own minimum price in `denom` when it
 * is positive (the price this node's mempool asks of everyone), else 0.0025ucif.
 */
export function parseCommitteeConfig(
  spec: CommitteeConfigSpec,
  raw: unknown,
  o: CommitteeConfigContext,
): CommitteeServiceConfig {
  const bad = (why: string) => spec.error(`${spec.section}.${why}`);
  const int = (v: unknown, name: string, min: number, max: number, fallback: number): number => {
    if (v === undefined) return fallback;
    let n: bigint;
    try {
      n = uint(v, name);
    } catch {
      throw bad(`${name}: expected an integer between ${min} and ${max}`);
    }
    if (n < BigInt(min) || n > BigInt(max)) throw bad(`${name}: must be between ${min} and ${max}`);
    return Number(n);
  };
  let c: JsonObject;
  try {
    c = obj(raw ?? {}, spec.section);
  } catch {
    throw spec.error(`${spec.section}: expected an object`);
  }
  const denom = o.denom ?? "ucif";
  const nodePrice = o.minimumGasPrices.find((p) => p.denom === denom && p.numerator > 0n);
  let gasPrice: GasPrice;
  try {
    gasPrice =
      c.gas_price === undefined
        ? (nodePrice ?? parseGasPrice(DEFAULT_GAS_PRICE))
        : parseGasPrice(str(c.gas_price, "gas_price"));
  } catch (e) {
    throw bad(`gas_price: ${(e as Error).message}`);
  }
  let enabled: boolean;
  let keyFile: string;
  try {
    enabled = optional(c.enabled, (v) => bool(v, "enabled"), true);
    keyFile = optional(c.operator_key_file, (v) => str(v, "operator_key_file"), DEFAULT_OPERATOR_KEY_FILE);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (keyFile.trim() === "") throw bad("operator_key_file: must not be empty");
  return {
    enabled,
    operatorKeyFile: isAbsolute(keyFile) ? keyFile : join(o.home, keyFile),
    gasPrice,
    maxConcurrentJobs: int(c.max_concurrent_jobs, "max_concurrent_jobs", 1, 16, DEFAULT_MAX_CONCURRENT_JOBS),
    fetchTimeoutMs: int(c.fetch_timeout_ms, "fetch_timeout_ms", 100, 600_000, spec.fetchTimeoutMs),
  };
}

/** A section's defaults (what `cifer node init` writes) and its parser, from what it chooses. */
export function committeeSection(spec: CommitteeConfigSpec): {
  json: JsonObject;
  parse: (raw: unknown, o: CommitteeConfigContext) => CommitteeServiceConfig;
} {
  return { json: committeeConfigJson(spec), parse: (raw, o) => parseCommitteeConfig(spec, raw, o) };
}
