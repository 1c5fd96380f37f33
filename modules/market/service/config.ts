import { isAbsolute, join } from "node:path";
import { type GasPrice, parseGasPrice } from "../../../chain/types/gas-price.ts";
import { bool, type JsonObject, obj, optional, str, uint } from "../../../chain/types/json.ts";
import { DEFAULT_GAS_PRICE, DEFAULT_OPERATOR_KEY_FILE } from "../../fl/service/config.ts";
import { MarketServiceError, MarketServiceErrorCode } from "./errors.ts";

/** The `market` section of config.json: the escrow committee member's evaluator. */
export interface MarketServiceConfig {
  /** Off: the node never evaluates escrows (its validator then stays silent in their committees). */
  enabled: boolean;
  /** Absolute path of the operator's secp256k1 key file (the fl service's by default). */
  operatorKeyFile: string;
  /** Gas price of the service's commit and reveal txs. */
  gasPrice: GasPrice;
  /** Escrow jobs at once (fetching overlaps; evaluations run one at a time in the worker). */
  maxConcurrentJobs: number;
  /** Bound on fetching a test set or a model from peers. */
  fetchTimeoutMs: number;
}

/** What `cifer node init` writes (gas_price left out: it follows the node's minimum gas price). */
export const DEFAULT_MARKET_SERVICE_JSON: JsonObject = {
  enabled: true,
  operator_key_file: DEFAULT_OPERATOR_KEY_FILE,
  max_concurrent_jobs: 2,
  fetch_timeout_ms: 60_000,
};

const bad = (why: string) => new MarketServiceError(MarketServiceErrorCode.CONFIG, `market.${why}`);

function int(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  let n: bigint;
  try {
    n = uint(v, name);
  } catch {
    throw bad(`${name}: expected an integer between ${min} and ${max}`);
  }
  if (n < BigInt(min) || n > BigInt(max)) throw bad(`${name}: must be between ${min} and ${max}`);
  return Number(n);
}

/**
 * Parses the section (absent = every default, so a node initialized before the market existed
 * evaluates too). The gas price defaults to the node's own minimum price in `denom` when it is
 * positive, else 0.0025ucif, as the fl service's.
 */
export function parseMarketServiceConfig(
  raw: unknown,
  o: { home: string; minimumGasPrices: readonly GasPrice[]; denom?: string },
): MarketServiceConfig {
  let c: JsonObject;
  try {
    c = obj(raw ?? {}, "market");
  } catch {
    throw new MarketServiceError(MarketServiceErrorCode.CONFIG, "market: expected an object");
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
    maxConcurrentJobs: int(c.max_concurrent_jobs, "max_concurrent_jobs", 1, 16, 2),
    fetchTimeoutMs: int(c.fetch_timeout_ms, "fetch_timeout_ms", 100, 600_000, 60_000),
  };
}
