import { invalidParams } from "./errors.ts";

/**
 * Strict conversion of request parameters into typed method arguments, following how CometBFT's
 * reflective param decoding treats each Go argument type:
 *
 * - `int64` (Go int64/*int64, JSON-RPC value a decimal string or number) -> bigint
 * - `int` (Go int/*int: page, per_page, limit) -> number
 * - `string`, `bool`
 * - `bytes` (Go []byte: JSON-RPC value base64, as CosmJS sends tx and hash)
 * - `hexbytes` (Go HexBytes: JSON-RPC value hex, as CosmJS sends abci_query data)
 *
 * Over the URI transport (GET /method?name=value) every value is text: integers bare or quoted,
 * strings quoted `"..."` (bare accepted too), byte arguments `0x`-prefixed hex or a quoted string
 * whose UTF-8 bytes are the value, as CometBFT does. An empty value means "not given". JSON null
 * means "not given" as well. Unknown parameters are ignored.
 */
export type ParamKind = "int64" | "int" | "string" | "bool" | "bytes" | "hexbytes";

export interface ParamKindTypes {
  int64: bigint;
  int: number;
  string: string;
  bool: boolean;
  bytes: Uint8Array;
  hexbytes: Uint8Array;
}

/** Argument names in CometBFT's order (positional params map onto it) with their kinds. */
export type ParamSpec = readonly (readonly [name: string, kind: ParamKind])[];

/** The typed arguments of a spec; each is undefined when not given. */
export type ParamsOf<S extends ParamSpec> = { [E in S[number] as E[0]]?: ParamKindTypes[E[1]] };

export type RawParams =
  /** JSON-RPC `params`: an object (named), an array (positional) or absent. */
  | { from: "json"; values: unknown }
  /** GET query string, already split (a repeated name keeps its first value). */
  | { from: "uri"; values: Record<string, string | string[] | undefined> };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT_RE = /^-?[0-9]+$/;
const HEX_RE = /^[0-9a-fA-F]*$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

class ParamError extends Error {}
const fail = (name: string, what: string): never => {
  throw new ParamError(`${name}: ${what}`);
};

export function parseParams<S extends ParamSpec>(spec: S, raw: RawParams): ParamsOf<S> {
  try {
    return raw.from === "json" ? fromJson(spec, raw.values) : fromUri(spec, raw.values);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    const how = raw.from === "json" ? "json" : "http";
    throw invalidParams(`error converting ${how} params to arguments: ${e.message}`);
  }
}

function fromJson<S extends ParamSpec>(spec: S, values: unknown): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  if (values === undefined || values === null) return out as ParamsOf<S>;
  if (Array.isArray(values)) {
    if (values.length > spec.length) {
      throw new ParamError(
        `expected at most ${spec.length} parameters (${spec.map(([n]) => n).join(", ")}), got ${values.length}`,
      );
    }
    values.forEach((v, i) => {
      const [name, kind] = spec[i]!;
      if (v !== null && v !== undefined) out[name] = jsonValue(name, kind, v);
    });
    return out as ParamsOf<S>;
  }
  if (typeof values !== "object") throw new ParamError("params must be an object or an array");
  const named = values as Record<string, unknown>;
  for (const [name, kind] of spec) {
    if (!Object.hasOwn(named, name)) continue;
    const v = named[name];
    if (v !== null && v !== undefined) out[name] = jsonValue(name, kind, v);
  }
  return out as ParamsOf<S>;
}

function fromUri<S extends ParamSpec>(
  spec: S,
  values: Record<string, string | string[] | undefined>,
): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of spec) {
    if (!Object.hasOwn(values, name)) continue;
    const v = values[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s === undefined || s === "") continue;
    out[name] = uriValue(name, kind, s);
  }
  return out as ParamsOf<S>;
}

function jsonValue(name: string, kind: ParamKind, v: unknown): unknown {
  switch (kind) {
    case "int64":
      return int64(name, v);
    case "int":
      return smallInt(name, v);
    case "string":
      if (typeof v !== "string") fail(name, `expected a string, got ${describe(v)}`);
      return v;
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      return fail(name, `expected true or false, got ${describe(v)}`);
    case "bytes":
      if (typeof v !== "string") fail(name, `expected a base64 string, got ${describe(v)}`);
      return base64(name, v as string);
    case "hexbytes":
      if (typeof v !== "string") fail(name, `expected a hex string, got ${describe(v)}`);
      return hex(name, stripHexPrefix(v as string));
  }
}

function uriValue(name: string, kind: ParamKind, s: string): unknown {
  const quoted = s.length >= 2 && s.startsWith('"') && s.endsWith('"');
  switch (kind) {
    case "int64":
      return int64(name, quoted ? s.slice(1, -1) : s);
    case "int":
      return smallInt(name, quoted ? s.slice(1, -1) : s);
    case "string":
      if (quoted) return jsonString(name, s);
      if (/^0x/i.test(s)) return utf8Decode(name, hex(name, s.slice(2)));
      return s;
    case "bool": {
      const b = quoted ? s.slice(1, -1) : s;
      if (b === "true" || b === "false") return b === "true";
      return fail(name, `expected true or false, got ${JSON.stringify(s)}`);
    }
    case "bytes":
    case "hexbytes":
      if (/^0x/i.test(s)) return hex(name, s.slice(2));
      if (quoted) return new TextEncoder().encode(jsonString(name, s));
      // Not CometBFT (which refuses bare byte values): bare hex, else bare base64.
      if (HEX_RE.test(s) && s.length % 2 === 0) return hex(name, s);
      if (kind === "bytes") return base64(name, s);
      return fail(name, `expected 0x-prefixed hex or a quoted string, got ${JSON.stringify(s)}`);
  }
}

function int64(name: string, v: unknown): bigint {
  let n: bigint;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) fail(name, `expected an integer, got ${v}`);
    n = BigInt(v);
  } else if (typeof v === "string" && INT_RE.test(v) && v.length <= 20) {
    n = BigInt(v);
  } else {
    return fail(name, `expected an integer, got ${describe(v)}`);
  }
  if (n < INT64_MIN || n > INT64_MAX) fail(name, `integer ${n} out of int64 range`);
  return n;
}

function smallInt(name: string, v: unknown): number {
  const n = int64(name, v);
  if (n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER))
    fail(name, `integer ${n} too large`);
  return Number(n);
}

function hex(name: string, s: string): Uint8Array {
  if (!HEX_RE.test(s) || s.length % 2 !== 0) fail(name, `invalid hex string ${JSON.stringify(truncate(s))}`);
  return new Uint8Array(Buffer.from(s, "hex"));
}

function base64(name: string, s: string): Uint8Array {
  if (!B64_RE.test(s) || s.length % 4 === 1)
    fail(name, `invalid base64 string ${JSON.stringify(truncate(s))}`);
  return new Uint8Array(Buffer.from(s, "base64"));
}

function jsonString(name: string, quoted: string): string {
  try {
    const v: unknown = JSON.parse(quoted);
    if (typeof v === "string") return v;
  } catch {
    // reported below
  }
  return fail(name, `invalid quoted string ${truncate(quoted)}`);
}

function utf8Decode(name: string, b: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return fail(name, "hex value is not valid UTF-8");
  }
}

const stripHexPrefix = (s: string) => (/^0x/i.test(s) ? s.slice(2) : s);
const truncate = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}...` : s);

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(truncate(v));
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return String(v);
}
