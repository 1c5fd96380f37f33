import { type CommitteeServiceConfig, committeeSection } from "../../../chain/node/committee-config.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

export { DEFAULT_GAS_PRICE, DEFAULT_OPERATOR_KEY_FILE } from "../../../chain/node/committee-config.ts";

/**
 * The `fl` section of config.json: the committee member's aggregator service. Off, the node never
 * aggregates (the upload check of `PUT /blobs?task=` still runs); fetch_timeout_ms bounds fetching
 * one stage's blobs from peers (a blob still missing then counts as excluded).
 */
export type FlServiceConfig = CommitteeServiceConfig;

const section = committeeSection({
  section: "fl",
  fetchTimeoutMs: 20_000,
  error: (message) => new FlServiceError(FlServiceErrorCode.CONFIG, message),
});

/** What `cifer node init` writes (gas_price left out: it follows the node's minimum gas price). */
export const DEFAULT_FL_SERVICE_JSON = section.json;
/** Parses the section (chain/node/committee-config.ts); absent = every default. */
export const parseFlServiceConfig = section.parse;
