import { toBase64 } from "../crypto/hash.ts";
import { Dec } from "../types/dec.ts";
import { formatRfc3339 } from "../types/time.ts";

/**
 * The Cosmos SDK's REST JSON (gRPC-gateway with OrigName and EmitDefaults): proto field names
 * (snake_case), every field written (an unset message is null), 64-bit integers as decimal strings,
 * bytes in base64, enums by name, Timestamps in RFC 3339, Durations as "1.5s", LegacyDec fields as
 * decimals ("0.100000000000000000") and an Any as {"@type": typeUrl, ...its fields}.
 *
 * The input is a decoded cosmjs-types message (bigint, Uint8Array, {seconds, nanos}, Any with bytes)
 * next to its own `toJSON`, the "hint": the hint tells what the decoded value cannot, whether a
 * number is an enum (the hint holds its name) and whether {seconds, nanos} is a Timestamp (the hint
 * is a string) or a Duration (an object).
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Decodes an Any's value to the JSON of its fields, or undefined for a type it does not know. */
export type AnyResolver = (typeUrl: string) => ((value: Uint8Array) => JsonObject) | undefined;

export interface SdkJsonOptions {
  resolveAny: AnyResolver;
  /** Field names (snake_case) whose strings are LegacyDec atomics. */
  decs?: ReadonlySet<string>;
}

/** camelCase (cosmjs-types, protobufjs) to the proto name: partSetHeader -> part_set_header. */
export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Members of oneofs in the Cosmos and CometBFT types served here: jsonpb leaves an unset oneof out
 * instead of writing null.
 */
const ONEOF_MEMBERS = new Set([
  "single",
  "multi",
  "duplicateVoteEvidence",
  "lightClientAttackEvidence",
  "ed25519",
  "secp256k1",
]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);

const isAny = (v: Record<string, unknown>): v is { typeUrl: string; value: Uint8Array } =>
  typeof v.typeUrl === "string" && v.value instanceof Uint8Array && Object.keys(v).length === 2;

const isSecondsNanos = (v: Record<string, unknown>): v is { seconds: bigint; nanos: number } =>
  typeof v.seconds === "bigint" && typeof v.nanos === "number" && Object.keys(v).length === 2;

/** A protobuf Duration as jsonpb writes it: "120s", "1.500s" trimmed to "1.5s". */
export function durationJson(d: { seconds: bigint; nanos: number }): string {
  const total = d.seconds * 1_000_000_000n + BigInt(d.nanos);
  const neg = total < 0n;
  const digits = (neg ? -total : total).toString().padStart(10, "0");
  const frac = digits.slice(-9).replace(/0+$/, "");
  return `${neg ? "-" : ""}${digits.slice(0, -9)}${frac ? `.${frac}` : ""}s`;
}

/** LegacyDec atomics ("100000000000000000") as the SDK prints them ("0.100000000000000000"). */
export function decJson(atomics: string): string {
  if (atomics === "") return "0.000000000000000000";
  try {
    return Dec.fromProto(atomics).toString();
  } catch {
    // Not atomics after all (a client wrote a decimal): shown as stored.
    return atomics;
  }
}

/** An Any expanded with its type's fields; {"@type", "value"} when the type is unknown here. */
export function anyJson(typeUrl: string, value: Uint8Array, resolveAny: AnyResolver): JsonObject {
  const decode = resolveAny(typeUrl);
  if (decode) {
    try {
      return { "@type": typeUrl, ...decode(value) };
    } catch {
      // Bytes that do not decode as their type: shown as they are rather than failing the answer.
    }
  }
  return { "@type": typeUrl, value: toBase64(value) };
}

/** The SDK REST JSON of a decoded message, guided by its cosmjs-types toJSON (see above). */
export function sdkJson(value: unknown, hint: unknown, o: SdkJsonOptions): Json {
  return walk(value, hint, undefined, o);
}

function walk(v: unknown, hint: unknown, key: string | undefined, o: SdkJsonOptions): Json {
  if (v === undefined || v === null) return null;
  // Go decodes absent bytes as a nil slice, which jsonpb writes as null.
  if (v instanceof Uint8Array) return v.length === 0 ? null : toBase64(v);
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "string":
      return key !== undefined && o.decs?.has(key) ? decJson(v) : v;
    case "number":
      // An enum: its toJSON wrote the name.
      return typeof hint === "string" ? hint : v;
    case "boolean":
      return v;
  }
  if (Array.isArray(v)) {
    const hs = Array.isArray(hint) ? hint : [];
    return v.map((x, i) => walk(x, hs[i], key, o));
  }
  if (!isPlainObject(v)) return String(v);
  if (isAny(v)) return anyJson(v.typeUrl, v.value, o.resolveAny);
  if (isSecondsNanos(v)) {
    return isPlainObject(hint) ? durationJson(v) : formatRfc3339(v);
  }
  const h = isPlainObject(hint) ? hint : {};
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined && ONEOF_MEMBERS.has(k)) continue;
    const name = snakeCase(k);
    out[name] = walk(x, h[k], name, o);
  }
  return out;
}

/** Keys of a protobufjs toObject result (camelCase) renamed to their proto names, recursively. */
export function snakeKeys(v: unknown): Json {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[snakeCase(k)] = snakeKeys(x);
    return out;
  }
  if (v === undefined) return null;
  return v as Json;
}
