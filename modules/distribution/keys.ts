import { concatBytes, uint64BE } from "../../chain/crypto/hash.ts";

// Store layout of x/distribution v0.50 (types/keys.go), addresses length-prefixed. Periods and
// heights are 8-byte big-endian so that iteration runs in numeric order (the SDK writes periods
// little-endian; nothing here depends on their order, but slash events are scanned by height).
const FEE_POOL = Uint8Array.of(0x00);
const OUTSTANDING = Uint8Array.of(0x02);
const WITHDRAW_ADDR = Uint8Array.of(0x03);
const STARTING_INFO = Uint8Array.of(0x04);
const HISTORICAL = Uint8Array.of(0x05);
const CURRENT = Uint8Array.of(0x06);
const COMMISSION = Uint8Array.of(0x07);
const SLASH_EVENT = Uint8Array.of(0x08);
const PARAMS = Uint8Array.of(0x09);
/** Cifer: the emission schedule (not in the SDK, which mints in x/mint instead). */
const EMISSION = Uint8Array.of(0x80);

const lp = (a: Uint8Array) => concatBytes(Uint8Array.of(a.length), a);
export const u64 = uint64BE;

export const feePoolKey = FEE_POOL;
export const paramsKey = PARAMS;
export const emissionKey = EMISSION;
export const outstandingPrefix = OUTSTANDING;
export const outstandingKey = (val: Uint8Array) => concatBytes(OUTSTANDING, lp(val));
export const withdrawAddrKey = (del: Uint8Array) => concatBytes(WITHDRAW_ADDR, lp(del));
export const startingInfoPrefix = STARTING_INFO;
export const startingInfoKey = (val: Uint8Array, del: Uint8Array) =>
  concatBytes(STARTING_INFO, lp(val), lp(del));
export const historicalPrefix = HISTORICAL;
export const historicalOfPrefix = (val: Uint8Array) => concatBytes(HISTORICAL, lp(val));
export const historicalKey = (val: Uint8Array, period: bigint) =>
  concatBytes(HISTORICAL, lp(val), u64(period));
export const currentPrefix = CURRENT;
export const slashEventsPrefix = SLASH_EVENT;
export const currentKey = (val: Uint8Array) => concatBytes(CURRENT, lp(val));
export const commissionKey = (val: Uint8Array) => concatBytes(COMMISSION, lp(val));
export const slashEventsOfPrefix = (val: Uint8Array) => concatBytes(SLASH_EVENT, lp(val));
export const slashEventKey = (val: Uint8Array, height: bigint, period: bigint) =>
  concatBytes(SLASH_EVENT, lp(val), u64(height), u64(period));

/** The address after a one-byte prefix in a key (outstanding, historical, ...). */
export const firstAddress = (key: Uint8Array): Uint8Array => key.slice(2, 2 + key[1]!);
