import { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block } from "cosmjs-types/tendermint/types/block";
import { BlockMeta, Commit } from "cosmjs-types/tendermint/types/types";
import { concatBytes, utf8 } from "../crypto/hash.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";

const P_BLOCK = utf8("b/blk/");
const P_META = utf8("b/meta/");
const P_COMMIT = utf8("b/commit/");
const P_RESULTS = utf8("b/res/");
const P_HASH = utf8("b/hash/");

export function heightKey(prefix: Uint8Array, h: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(h);
  return concatBytes(prefix, b);
}

/** What one committed height stores, written in the same batch as the block's state changes. */
export interface StoredBlock {
  block: Block;
  blockBytes: Uint8Array;
  meta: BlockMeta;
  /** The commit that finalised this block (CometBFT's "seen commit"). */
  commit: Commit;
  results: ResponseFinalizeBlock;
}

/**
 * Blocks, their metadata, commits and execution results by height (CometBFT's BlockStore plus the
 * ABCI responses store). Reads go straight to LevelDB; the latest height is tracked by ChainState.
 */
export class BlockStore {
  constructor(private readonly db: LevelDB) {}

  opsFor(b: StoredBlock): BatchOp[] {
    const h = b.block.header.height;
    const hb = Buffer.alloc(8);
    hb.writeBigUInt64BE(h);
    return [
      { type: "put", key: heightKey(P_BLOCK, h), value: b.blockBytes },
      { type: "put", key: heightKey(P_META, h), value: BlockMeta.encode(b.meta).finish() },
      { type: "put", key: heightKey(P_COMMIT, h), value: Commit.encode(b.commit).finish() },
      { type: "put", key: heightKey(P_RESULTS, h), value: ResponseFinalizeBlock.encode(b.results).finish() },
      { type: "put", key: concatBytes(P_HASH, b.meta.blockId.hash), value: hb },
    ];
  }

  async block(h: bigint): Promise<Block | undefined> {
    const raw = await this.db.get(heightKey(P_BLOCK, h));
    return raw ? Block.decode(raw) : undefined;
  }

  async blockBytes(h: bigint): Promise<Uint8Array | undefined> {
    return this.db.get(heightKey(P_BLOCK, h));
  }

  async meta(h: bigint): Promise<BlockMeta | undefined> {
    const raw = await this.db.get(heightKey(P_META, h));
    return raw ? BlockMeta.decode(raw) : undefined;
  }

  async commit(h: bigint): Promise<Commit | undefined> {
    const raw = await this.db.get(heightKey(P_COMMIT, h));
    return raw ? Commit.decode(raw) : undefined;
  }

  async results(h: bigint): Promise<ResponseFinalizeBlock | undefined> {
    const raw = await this.db.get(heightKey(P_RESULTS, h));
    return raw ? ResponseFinalizeBlock.decode(raw) : undefined;
  }

  async heightOfHash(hash: Uint8Array): Promise<bigint | undefined> {
    const raw = await this.db.get(concatBytes(P_HASH, hash));
    return raw ? Buffer.from(raw).readBigUInt64BE() : undefined;
  }
}
