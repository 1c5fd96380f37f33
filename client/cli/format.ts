/**
 * How the staking, distribution, slashing and reputation queries print. Text: readable lines and
 * tables, amounts in ucif and CIF (as `query bank balances`), rates as decimals and percentages, times
 * in RFC 3339. JSON: the decoded query response in the protobuf JSON form of cosmjs-types (`toJSON`:
 * camelCase fields, 64-bit integers as strings, enums by name, timestamps in RFC 3339, bytes in base64),
 * with the SDK's LegacyDec values (shares, rates, rewards) as decimals ("0.100000000000000000", as the
 * Cosmos SDK prints them) instead of their raw 18-decimal atomics, durations as "120s", and consensus
 * public keys as {"@type", "key"}.
 */
import { fromBase64, fromUtf8, toBase64 } from "@cosmjs/encoding";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Duration } from "cosmjs-types/google/protobuf/duration";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { Dec } from "../../chain/types/dec.ts";
import { BASE_DENOM, DISPLAY_DECIMALS, DISPLAY_DENOM, formatCoin } from "../amounts.ts";
import { ED25519_PUBKEY_TYPE_URL } from "../msgs.ts";

/** Wire atomics of a LegacyDec (a string, or its UTF-8 bytes as in x/slashing's params) as a Dec. */
function decOf(atomics: string | Uint8Array): Dec {
  return Dec.fromProto(typeof atomics === "string" ? atomics : fromUtf8(atomics));
}

/** The SDK's form of a LegacyDec: "0.100000000000000000". */
export const decimalOf = (atomics: string | Uint8Array): string => decOf(atomics).toString();

/** `atomics x 10^-decimals` as a short decimal: no trailing zeros, no trailing point. */
function shifted(atomics: bigint, decimals: number): string {
  const neg = atomics < 0n;
  const digits = (neg ? -atomics : atomics).toString().padStart(decimals + 1, "0");
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** A LegacyDec for people: "0.1", "10000". */
export const shortDecimal = (atomics: string | Uint8Array): string => shifted(decOf(atomics).atomics, 18);

/** A rate for people: "0.1 (10%)". */
export function formatRate(atomics: string | Uint8Array): string {
  const a = decOf(atomics).atomics;
  return `${shifted(a, 18)} (${shifted(a, 16)}%)`;
}

/** An integer amount of the bond denomination: "10000000ucif (10 CIF)". */
export const formatTokens = (amount: string | bigint): string =>
  formatCoin({ denom: BASE_DENOM, amount: amount.toString() });

/** A DecCoin (rewards, commission, pool): "1234.5678ucif (0.0012345678 CIF)", exact. */
export function formatDecCoin(c: { denom: string; amount: string }): string {
  const a = decOf(c.amount).atomics;
  if (c.denom !== BASE_DENOM) return `${shifted(a, 18)}${c.denom}`;
  return `${shifted(a, 18)}${c.denom} (${shifted(a, 18 + DISPLAY_DECIMALS)} ${DISPLAY_DENOM})`;
}

export const formatDecCoins = (cs: readonly { denom: string; amount: string }[]): string =>
  cs.length === 0 ? "none" : cs.map(formatDecCoin).join(", ");

/** RFC 3339 (UTC) of a protobuf Timestamp. */
export function formatTime(t: Timestamp | undefined): string {
  if (!t) return "";
  const ms = Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
  return new Date(ms).toISOString();
}

/** A protobuf Duration as the SDK prints it: "120s", "1.5s". */
export function formatDuration(
  d: Duration | { seconds: string | bigint; nanos: number } | undefined,
): string {
  if (!d) return "0s";
  const nanos = BigInt(d.seconds) * 1_000_000_000n + BigInt(d.nanos);
  return `${shifted(nanos, 9)}s`;
}

/** "bonded", "unbonding", "unbonded". */
export function bondStatusName(s: BondStatus): string {
  switch (s) {
    case BondStatus.BOND_STATUS_BONDED:
      return "bonded";
    case BondStatus.BOND_STATUS_UNBONDING:
      return "unbonding";
    case BondStatus.BOND_STATUS_UNBONDED:
      return "unbonded";
    default:
      return "unspecified";
  }
}

/** The 32-byte ed25519 key inside a validator's consensus_pubkey Any, if it is one. */
export function ed25519KeyOfAny(pk: Any | undefined): Uint8Array | undefined {
  if (!pk || pk.typeUrl !== ED25519_PUBKEY_TYPE_URL) return undefined;
  const key = PubKey.decode(pk.value).key;
  return key.length === 32 ? key : undefined;
}

export interface JsonFixes {
  /** Fields (by name) holding LegacyDec atomics as strings. */
  decs?: readonly string[];
  /** Fields holding LegacyDec atomics as UTF-8 bytes (base64 in JSON), as x/slashing's params. */
  byteDecs?: readonly string[];
  /** Arrays of {denom, amount} are DecCoins (distribution responses). */
  decCoins?: boolean;
}

const isDuration = (o: Record<string, unknown>) => {
  const keys = Object.keys(o);
  return keys.length === 2 && typeof o.seconds === "string" && typeof o.nanos === "number";
};

/**
 * The JSON of a cosmjs-types `toJSON` with LegacyDecs as decimals, durations as "120s" (timestamps are
 * already RFC 3339 strings there, so any {seconds, nanos} left is a duration) and Any-wrapped ed25519
 * keys as {"@type", "key"}.
 */
export function fixJson(value: unknown, fixes: JsonFixes = {}): unknown {
  const decs = new Set(fixes.decs ?? []);
  const byteDecs = new Set(fixes.byteDecs ?? []);
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (Array.isArray(v)) {
      if (
        fixes.decCoins &&
        v.length > 0 &&
        v.every(
          (c) => c && typeof c === "object" && "denom" in c && "amount" in c && Object.keys(c).length === 2,
        )
      ) {
        return v.map((c: { denom: string; amount: string }) => ({
          denom: c.denom,
          amount: decimalOf(c.amount),
        }));
      }
      return v.map((x) => walk(x, undefined));
    }
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (isDuration(o)) return formatDuration(o as { seconds: string; nanos: number });
      if (typeof o.typeUrl === "string" && typeof o.value === "string") {
        if (o.typeUrl === ED25519_PUBKEY_TYPE_URL)
          return { "@type": o.typeUrl, key: toBase64(PubKey.decode(fromBase64(o.value)).key) };
        return { "@type": o.typeUrl, value: o.value };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, k)]));
    }
    if (typeof v === "string" && key !== undefined) {
      if (decs.has(key)) return decimalOf(v);
      if (byteDecs.has(key)) return decimalOf(fromBase64(v));
    }
    return v;
  };
  return walk(value, undefined);
}

/** LegacyDec fields of the staking types. */
export const STAKING_DECS = [
  "delegatorShares",
  "shares",
  "sharesDst",
  "rate",
  "maxRate",
  "maxChangeRate",
  "minCommissionRate",
] as const;
/** LegacyDec fields of the distribution types (besides its DecCoins). */
export const DISTRIBUTION_DECS = [
  "communityTax",
  "baseProposerReward",
  "bonusProposerReward",
  "fraction",
] as const;
/** x/slashing's params carry their LegacyDecs as bytes. */
export const SLASHING_BYTE_DECS = [
  "minSignedPerWindow",
  "slashFractionDoubleSign",
  "slashFractionDowntime",
] as const;
