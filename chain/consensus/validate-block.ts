import type { Commit } from "cosmjs-types/tendermint/types/types";
import { bytesEqual, sha256, toHexUpper } from "../crypto/hash.ts";
import { evidenceHash } from "../evidence/pool.ts";
import type { ChainState } from "../state/chain-state.ts";
import {
  BLOCK_PROTOCOL,
  type Block,
  commitHash,
  consensusParamsHash,
  dataHash,
  validatorsHash,
} from "../types/block.ts";
import { compareTimestamps } from "../types/time.ts";
import { verifyCommit } from "./verify-commit.ts";

export class InvalidBlockError extends Error {}

/**
 * Checks a block proposed (or synced) on top of `state`: every header field the state determines
 * (CometBFT's state.validateBlock), the data hash, the size limit, and the previous block's commit
 * carried as last_commit. Signatures of the block's own commit are checked elsewhere.
 */
export function validateBlock(state: ChainState, block: Block, blockBytes: Uint8Array): void {
  const h = block.header;
  const fail = (what: string): never => {
    throw new InvalidBlockError(`block ${h.height}: ${what}`);
  };
  const expected = state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
  if (h.height !== expected) fail(`expected height ${expected}`);
  if (h.version.block !== BLOCK_PROTOCOL) fail(`block protocol ${h.version.block} is not ${BLOCK_PROTOCOL}`);
  if (h.chainId !== state.chainId) fail(`chain id ${h.chainId} is not ${state.chainId}`);
  if (BigInt(blockBytes.length) > state.consensusParams.blockMaxBytes) fail("exceeds the block size limit");
  if (state.lastBlockHeight > 0n) {
    if (!bytesEqual(h.lastBlockId.hash, state.lastBlockId.hash)) fail("does not extend our last block");
    if (compareTimestamps(h.time, state.lastBlockTime) <= 0) fail("time is not after the previous block's");
  } else if (h.lastBlockId.hash.length !== 0) fail("the first block has no previous block");
  if (!bytesEqual(h.appHash, state.appHash))
    fail(`app hash ${toHexUpper(h.appHash)} differs from ours ${toHexUpper(state.appHash)}`);
  const lastResults = state.lastBlockHeight > 0n ? state.lastResultsHash : sha256();
  if (!bytesEqual(h.lastResultsHash, lastResults)) fail("last results hash differs from ours");
  if (!bytesEqual(h.validatorsHash, validatorsHash(state.validators.validators)))
    fail("validators hash differs from our validator set");
  if (!bytesEqual(h.nextValidatorsHash, validatorsHash(state.nextValidators.validators)))
    fail("next validators hash differs from our next validator set");
  const params = state.consensusParams;
  if (!bytesEqual(h.consensusHash, consensusParamsHash(params.blockMaxBytes, params.blockMaxGas)))
    fail("consensus params hash differs");
  if (!bytesEqual(h.dataHash, dataHash(block.data.txs))) fail("data hash does not match its txs");
  if (!bytesEqual(h.evidenceHash, evidenceHash(block.evidence.evidence)))
    fail("evidence hash does not match its evidence");
  if (state.validators.indexOf(h.proposerAddress) < 0) fail("proposer is not a validator");
  const lastCommit: Commit | undefined = block.lastCommit;
  if (state.lastBlockHeight === 0n) {
    if (lastCommit && lastCommit.signatures.length > 0) fail("the first block carries no last commit");
  } else {
    if (!lastCommit || !state.lastValidators) fail("missing last commit");
    try {
      verifyCommit(
        state.chainId,
        state.lastValidators!.validators,
        state.lastBlockId,
        state.lastBlockHeight,
        lastCommit!,
      );
    } catch (e) {
      fail(`last commit: ${(e as Error).message}`);
    }
  }
  if (!bytesEqual(h.lastCommitHash, commitHash(lastCommit)))
    fail("last commit hash does not match its last commit");
}
