import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { Params, ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { Context } from "../../chain/app/context.ts";
import { paginate } from "../../chain/app/grpc.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";
import { deletePrefix, iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import { VALCONS_PREFIX } from "../staking/store.ts";
import { chunkIndexOf, setIndexes, testBit, withBit } from "./bitmap.ts";
import { DEFAULT_SLASHING_PARAMS, paramsFromWire, paramsToWire, type SlashingParams } from "./params.ts";

export const SLASHING_STORE_KEY = "slashing";

// Store layout of x/slashing v0.50 (types/keys.go): params, signing infos and bitmap chunks, keyed
// by the length-prefixed consensus address. No address-pubkey relation: the consensus address is
// derived from the validator record whenever it is needed.
const PARAMS_KEY = Uint8Array.of(0x00);
const SIGNING_INFO = Uint8Array.of(0x01);
const MISSED_BITMAP = Uint8Array.of(0x02);

const lp = (a: Uint8Array) => concatBytes(Uint8Array.of(a.length), a);
const signingInfoKey = (cons: Uint8Array) => concatBytes(SIGNING_INFO, lp(cons));
const bitmapPrefix = (cons: Uint8Array) => concatBytes(MISSED_BITMAP, lp(cons));
function chunkKey(cons: Uint8Array, chunkIndex: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(chunkIndex);
  return concatBytes(bitmapPrefix(cons), b);
}
/** The consensus address in a signing-info key (after the prefix byte). */
const consOfKey = (key: Uint8Array) => key.slice(2, 2 + key[1]!);

/** The bech32 consensus address ("cifvalcons1..."), as signing infos and events carry it. */
export const consAddressString = (cons: Uint8Array) => toAddress(cons, VALCONS_PREFIX);

/** Storage of x/slashing: reads and writes, no rules (those are in the keeper and its handlers). */
export class SlashingStore {
  private kv(ctx: Context): KVStore {
    return ctx.kv(SLASHING_STORE_KEY);
  }

  async params(ctx: Context): Promise<SlashingParams> {
    const raw = await this.kv(ctx).get(PARAMS_KEY);
    return raw ? paramsFromWire(Params.decode(raw)) : DEFAULT_SLASHING_PARAMS;
  }

  setParams(ctx: Context, p: SlashingParams): void {
    this.kv(ctx).set(PARAMS_KEY, Params.encode(paramsToWire(p)).finish());
  }

  // ---- signing infos --------------------------------------------------------------------------

  async signingInfo(ctx: Context, cons: Uint8Array): Promise<ValidatorSigningInfo | undefined> {
    const raw = await this.kv(ctx).get(signingInfoKey(cons));
    return raw ? ValidatorSigningInfo.decode(raw) : undefined;
  }

  setSigningInfo(ctx: Context, cons: Uint8Array, info: ValidatorSigningInfo): void {
    this.kv(ctx).set(signingInfoKey(cons), ValidatorSigningInfo.encode(info).finish());
  }

  /** Every signing info with its consensus address, by address. */
  async *signingInfos(ctx: Context): AsyncIterable<{ cons: Uint8Array; info: ValidatorSigningInfo }> {
    for await (const [k, v] of iteratePrefix(this.kv(ctx), SIGNING_INFO))
      yield { cons: consOfKey(k), info: ValidatorSigningInfo.decode(v) };
  }

  /** One page of signing infos, paginated over the store keys as the SDK's query.Paginate. */
  signingInfosPage(
    ctx: Context,
    page: PageRequest | undefined,
  ): Promise<{ items: ValidatorSigningInfo[]; pagination: PageResponse }> {
    return paginate(this.kv(ctx), SIGNING_INFO, page, (_k, v) => ValidatorSigningInfo.decode(v));
  }

  // ---- missed-blocks bitmap -------------------------------------------------------------------

  /** GetMissedBlockBitmapValue: did the validator miss the block at this window index? */
  async missed(ctx: Context, cons: Uint8Array, index: bigint): Promise<boolean> {
    return testBit(await this.kv(ctx).get(chunkKey(cons, chunkIndexOf(index))), index);
  }

  /** SetMissedBlockBitmapValue. */
  async setMissed(ctx: Context, cons: Uint8Array, index: bigint, missed: boolean): Promise<void> {
    const key = chunkKey(cons, chunkIndexOf(index));
    const chunk = withBit(await this.kv(ctx).get(key), index, missed);
    if (chunk) this.kv(ctx).set(key, chunk);
    else this.kv(ctx).delete(key);
  }

  /** DeleteMissedBlockBitmap. */
  async deleteBitmap(ctx: Context, cons: Uint8Array): Promise<void> {
    await deletePrefix(this.kv(ctx), bitmapPrefix(cons));
  }

  /** The window indexes the validator missed, ascending (GetValidatorMissedBlocks). */
  async missedIndexes(ctx: Context, cons: Uint8Array): Promise<bigint[]> {
    const prefix = bitmapPrefix(cons);
    const out: bigint[] = [];
    for await (const [k, v] of iteratePrefix(this.kv(ctx), prefix))
      out.push(...setIndexes(Buffer.from(k.subarray(prefix.length)).readBigUInt64BE(), v));
    return out;
  }
}
