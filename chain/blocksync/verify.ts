import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import { Commit as CommitCodec } from "cosmjs-types/tendermint/types/types";
import type { ChainState } from "../state/chain-state.ts";
import { type Block, type BlockID, blockId, type Commit } from "../types/block.ts";
import { validateBlock } from "../consensus/validate-block.ts";
import { verifyCommit } from "../consensus/verify-commit.ts";

export class SyncedBlockError extends Error {}

/**
 * Checks a block received from a peer before it is applied: everything validateBlock checks (it
 * fits our state), and the commit that came with it finalises it with > 2/3 of our validators' power.
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
  try {
    validateBlock(state, block, blockBytes);
  } catch (e) {
    throw new SyncedBlockError((e as Error).message);
  }
  const h = block.header;
  const id = blockId(h, blockBytes);
  try {
    verifyCommit(state.chainId, state.validators.validators, id, h.height, commit);
  } catch (e) {
    throw new SyncedBlockError(`block ${h.height}: commit: ${(e as Error).message}`);
  }
  return { block, blockId: id, commit };
}
