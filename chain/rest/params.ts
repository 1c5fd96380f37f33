import { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { MAX_PAGE_LIMIT } from "../app/grpc.ts";
import { BECH32_PREFIX } from "../crypto/address.ts";
import { fromHex } from "../crypto/hash.ts";
import { invalidArgument } from "./errors.ts";

/**
 * Validation of REST path and query parameters. Every failure is InvalidArgument (HTTP 400) with a
 * message naming the parameter; nothing unchecked reaches a query.
 */

export const VALCONS_PREFIX = `${BECH32_PREFIX}valcons`;

/** Longest value of any query parameter (tx queries included). */
export const MAX_PARAM_LENGTH = 1024;
/** Most query parameters (repeated ones counted each time) in one request. */
export const MAX_PARAMS = 32;

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;

/** The pagination.* parameters of Cosmos list queries. */
export const PAGINATION_PARAMS = [
  "pagination.key",
  "pagination.offset",
  "pagination.limit",
  "pagination.count_total",
  "pagination.reverse",
] as const;

export type RawQuery = Record<string, string | string[] | undefined>;

/** The query string of one request, checked against the parameters its route accepts. */
export class QueryArgs {
  private readonly values = new Map<string, string[]>();

  constructor(raw: unknown, allowed: readonly string[]) {
    const q = (raw ?? {}) as RawQuery;
    let count = 0;
    for (const [name, v] of Object.entries(q)) {
      if (v === undefined) continue;
      if (!allowed.includes(name)) {
        throw invalidArgument(
          allowed.length === 0
            ? `unknown query parameter ${JSON.stringify(name)}: this path takes none`
            : `unknown query parameter ${JSON.stringify(name)}; expected one of ${allowed.join(", ")}`,
        );
      }
      const list = Array.isArray(v) ? v : [v];
      count += list.length;
      if (count > MAX_PARAMS) throw invalidArgument(`too many query parameters (max ${MAX_PARAMS})`);
      for (const s of list) {
        if (s.length > MAX_PARAM_LENGTH)
          throw invalidArgument(`query parameter ${name} is longer than ${MAX_PARAM_LENGTH} characters`);
      }
      this.values.set(name, list);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Every value of a repeatable parameter (events=...&events=...). */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  string(name: string): string | undefined {
    const list = this.values.get(name);
    if (!list) return undefined;
    if (list.length > 1) throw invalidArgument(`query parameter ${name} given more than once`);
    return list[0];
  }

  uint(name: string, max = UINT64_MAX): bigint | undefined {
    const s = this.string(name);
    return s === undefined || s === "" ? undefined : parseUint(s, name, max);
  }

  bool(name: string): boolean | undefined {
    const s = this.string(name);
    if (s === undefined || s === "") return undefined;
    return parseBool(s, name);
  }

  base64(name: string): Uint8Array | undefined {
    const s = this.string(name);
    return s === undefined || s === "" ? undefined : parseBase64(s, name);
  }

  /**
   * The Cosmos PageRequest of pagination.*; limit clamped to the query servers' maximum, key and
   * offset exclusive as the SDK requires.
   */
  pagination(): PageRequest | undefined {
    if (!PAGINATION_PARAMS.some((p) => this.has(p))) return undefined;
    const key = this.base64("pagination.key") ?? new Uint8Array();
    const offset = this.uint("pagination.offset") ?? 0n;
    if (key.length > 0 && offset > 0n)
      throw invalidArgument("pagination.key and pagination.offset cannot both be set");
    let limit = this.uint("pagination.limit") ?? 0n;
    if (limit > MAX_PAGE_LIMIT) limit = MAX_PAGE_LIMIT;
    return PageRequest.fromPartial({
      key,
      offset,
      limit,
      countTotal: this.bool("pagination.count_total") ?? false,
      reverse: this.bool("pagination.reverse") ?? false,
    });
  }
}

export function parseUint(s: string, name: string, max = UINT64_MAX): bigint {
  if (!/^[0-9]{1,20}$/.test(s))
    throw invalidArgument(`${name} must be an unsigned integer, got ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n > max) throw invalidArgument(`${name} must be at most ${max}, got ${s}`);
  return n;
}

export function parseInt64(s: string, name: string): bigint {
  if (!/^-?[0-9]{1,19}$/.test(s))
    throw invalidArgument(`${name} must be an integer, got ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw invalidArgument(`${name} is out of the int64 range`);
  return n;
}

export function parseBool(s: string, name: string): boolean {
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  throw invalidArgument(`${name} must be true or false, got ${JSON.stringify(s)}`);
}

/** Standard or URL-safe base64, padded or not. */
export function parseBase64(s: string, name: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.replace(/=+$/, "").length % 4 === 1)
    throw invalidArgument(`${name} must be base64, got ${JSON.stringify(s.slice(0, 64))}`);
  return new Uint8Array(Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

/** A block height: a positive int64. Whether the node has it is the caller's check. */
export function heightParam(s: string): bigint {
  if (!/^[0-9]+$/.test(s))
    throw invalidArgument(`height must be a positive integer, got ${JSON.stringify(s.slice(0, 64))}`);
  const h = s.length > 19 ? INT64_MAX + 1n : BigInt(s);
  if (h === 0n) throw invalidArgument("height must be greater than 0");
  if (h > INT64_MAX) throw invalidArgument(`height ${s} is out of the int64 range`);
  return h;
}

/** A tx hash: 64 hex digits, either case. */
export function txHashParam(s: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(s))
    throw invalidArgument(`tx hash must be 64 hex digits, got ${JSON.stringify(s.slice(0, 80))}`);
  return fromHex(s);
}
