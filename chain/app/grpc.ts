import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { BECH32_PREFIX, parseAddress } from "../crypto/address.ts";
import { compareBytes } from "../crypto/hash.ts";
import { iteratePrefix, type KVStore } from "../store/kv.ts";
import type { Context } from "./context.ts";
import { grpcInvalidArgument } from "./errors.ts";
import type { QueryDef } from "./module.ts";

interface Codec<T> {
  decode(bytes: Uint8Array): T;
  encode(msg: T): { finish(): Uint8Array };
  fromPartial(obj: object): T;
}

/**
 * The bytes of a bech32 address argument of a query (`prefix`: cif, cifvaloper, cifvalcons); an empty
 * or malformed one is InvalidArgument, "invalid <what> address: <why>", as the SDK's query servers say.
 */
export function addressArg(address: string, what: string, prefix = BECH32_PREFIX): Uint8Array {
  if (address === "") throw grpcInvalidArgument(`empty ${what} address`);
  try {
    return parseAddress(address, prefix);
  } catch (e) {
    throw grpcInvalidArgument(`invalid ${what} address: ${(e as Error).message}`);
  }
}

/** A query handler from a gRPC method: decodes the request, answers with the encoded response. */
export function grpcQuery<Req, Res>(
  path: string,
  req: Pick<Codec<Req>, "decode">,
  res: Pick<Codec<Res>, "encode" | "fromPartial">,
  handle: (ctx: Context, request: Req) => Promise<Partial<Res>>,
): QueryDef {
  return {
    path,
    async handle(ctx, bytes) {
      let request: Req;
      try {
        request = req.decode(bytes);
      } catch (e) {
        throw grpcInvalidArgument(`cannot decode request: ${(e as Error).message}`);
      }
      return res.encode(res.fromPartial((await handle(ctx, request)) as object)).finish();
    },
  };
}

export const MAX_PAGE_LIMIT = 1000n;
export const DEFAULT_PAGE_LIMIT = 100n;

/**
 * Cosmos SDK pagination over the keys below a prefix: by key (next_key) or by offset, forward or
 * reverse, with an optional total. Limits are capped so that one query cannot scan unbounded state.
 */
export async function paginate<T>(
  store: KVStore,
  prefix: Uint8Array,
  page: PageRequest | undefined,
  decode: (key: Uint8Array, value: Uint8Array) => T,
): Promise<{ items: T[]; pagination: PageResponse }> {
  const limit =
    page && page.limit > 0n
      ? page.limit > MAX_PAGE_LIMIT
        ? MAX_PAGE_LIMIT
        : page.limit
      : DEFAULT_PAGE_LIMIT;
  const startKey = page?.key && page.key.length > 0 ? page.key : null;
  if (startKey && page && page.offset > 0n)
    throw grpcInvalidArgument("either offset or key is expected, got both");
  const reverse = page?.reverse ?? false;
  let skip = startKey ? 0n : (page?.offset ?? 0n);
  const items: T[] = [];
  let nextKey = new Uint8Array();
  let total = 0n;
  const countTotal = (page?.countTotal ?? false) && !startKey;
  for await (const [k, v] of iteratePrefix(store, prefix, reverse)) {
    const key = k.subarray(prefix.length);
    if (startKey && (reverse ? compareBytes(key, startKey) > 0 : compareBytes(key, startKey) < 0)) continue;
    total++;
    if (skip > 0n) {
      skip--;
      continue;
    }
    if (BigInt(items.length) < limit) {
      items.push(decode(key, v));
      continue;
    }
    if (nextKey.length === 0) nextKey = Uint8Array.from(key);
    if (!countTotal) break;
  }
  return { items, pagination: { nextKey, total: countTotal ? total : 0n } };
}

/**
 * Pagination over a list already in memory (filtered or joined results, the SDK's FilteredPaginate):
 * next_key is the position of the next item, so key- and offset-based clients both work.
 */
export function paginateList<T>(
  all: readonly T[],
  page: PageRequest | undefined,
): { items: T[]; pagination: PageResponse } {
  const limit =
    page && page.limit > 0n
      ? page.limit > MAX_PAGE_LIMIT
        ? MAX_PAGE_LIMIT
        : page.limit
      : DEFAULT_PAGE_LIMIT;
  const hasKey = !!page?.key && page.key.length > 0;
  if (hasKey && page && page.offset > 0n)
    throw grpcInvalidArgument("either offset or key is expected, got both");
  let start = page?.offset ?? 0n;
  if (hasKey) {
    if (page!.key.length !== 8) throw grpcInvalidArgument("invalid pagination key");
    start = Buffer.from(page!.key).readBigUInt64BE();
  }
  const list = page?.reverse ? [...all].reverse() : all;
  const end = start + limit;
  const items = list.slice(Number(start), Number(end));
  let nextKey = new Uint8Array();
  if (end < BigInt(list.length)) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(end);
    nextKey = new Uint8Array(b);
  }
  return { items, pagination: { nextKey, total: page?.countTotal ? BigInt(list.length) : 0n } };
}
