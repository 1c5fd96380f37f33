import { type CommitteeServiceConfig, committeeSection } from "../../../chain/node/committee-config.ts";
import { MarketServiceError, MarketServiceErrorCode } from "./errors.ts";

/**
 * The `market` section of config.json: the escrow committee member's evaluator. Off, the node never
 * evaluates escrows (its validator then stays silent in their committees); the operator key file
 * is the fl service's by default; fetch_timeout_ms bounds fetching a test set or a model.
 */
export type MarketServiceConfig = CommitteeServiceConfig;

const section = committeeSection({
  section: "market",
  fetchTimeoutMs: 60_000,
  error: (message) => new MarketServiceError(MarketServiceErrorCode.CONFIG, message),
});

/** What `cifer node init` writes (gas_price left out: it follows the node's minimum gas price). */
export const DEFAULT_MARKET_SERVICE_JSON = section.json;
/** Parses the section (chain/node/committee-config.ts); absent = every default. */
export const parseMarketServiceConfig = section.parse;
