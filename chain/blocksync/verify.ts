import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import { Commit as CommitCodec } from "cosmjs-types/tendermint/types/types";
import { bytesEqual, toHexUpper } from "../crypto/hash.ts";
import type { ChainState } from "../state/chain-state.ts";
import { type Block, type BlockID, blockId, type Commit, dataHash, validatorsHash } from "../types/block.ts";
import { verifyCommit } from "../consensus/verify-commit.ts";

export class SyncedBlockError extends Error {}

/**
 * Checks a block received from a peer before it is applied: it is the next height, extends our last
 * block, carries the app hash and validator set our state expects, its txs match its data hash, and
 * the commit that came with it finalises it with > 2/3 of our validators' power.
 */
export function verifySyncedBlock(
  state: ChainState,
  blockBytes: Uint8Array,
  commitBytes: Uint8Array,
): { block: Block; blockId: BlockID; commit: Commit } {
  let block: Block;
  let commit: Commit;
  try {
    block = BlockCodec.decode(blockBytes);
    commit = CommitCodec.decode(commitBytes);
  } catch (e) {
    throw new SyncedBlockError(`undecodable block or commit: ${(e as Error).message}`);
  }
  const h = block.header;
  const expected = state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
  const fail = (what: string) => {
    throw new SyncedBlockError(`block ${h.height}: ${what}`);
  };
  if (h.height !== expected) fail(`expected height ${expected}`);
  if (h.chainId !== state.chainId) fail(`chain id ${h.chainId} is not ${state.chainId}`);
  if (state.lastBlockHeight > 0n && !bytesEqual(h.lastBlockId.hash, state.lastBlockId.hash))
    fail("does not extend our last block");
  if (!bytesEqual(h.appHash, state.appHash))
    fail(`app hash ${toHexUpper(h.appHash)} differs from ours ${toHexUpper(state.appHash)}`);
  if (!bytesEqual(h.validatorsHash, validatorsHash(state.validators)))
    fail("validators hash differs from our validator set");
  if (!bytesEqual(h.dataHash, dataHash(block.data.txs))) fail("data hash does not match its txs");
  const id = blockId(h, blockBytes);
  try {
    verifyCommit(state.chainId, state.validators, id, h.height, commit);
  } catch (e) {
    fail(`commit: ${(e as Error).message}`);
  }
  return { block, blockId: id, commit };
}
