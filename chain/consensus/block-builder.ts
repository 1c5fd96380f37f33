import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { sha256 } from "../crypto/hash.ts";
import { evidenceHash } from "../evidence/pool.ts";
import type { ChainState } from "../state/chain-state.ts";
import {
  BLOCK_PROTOCOL,
  type Block,
  type Commit,
  commitHash,
  consensusParamsHash,
  dataHash,
  emptyBlockId,
  validatorsHash,
} from "../types/block.ts";
import { compareTimestamps } from "../types/time.ts";

/** Room left in the byte limit for the header, last commit and evidence. */
export const BLOCK_OVERHEAD_BYTES = 16_384;

/** The earliest time a block after `state` may carry: strictly after the previous block's time. */
export function nextBlockTime(state: ChainState, now: Timestamp): Timestamp {
  if (state.lastBlockHeight === 0n || compareTimestamps(now, state.lastBlockTime) > 0) return now;
  const nanos = state.lastBlockTime.nanos + 1_000_000;
  return nanos >= 1_000_000_000
    ? { seconds: state.lastBlockTime.seconds + 1n, nanos: nanos - 1_000_000_000 }
    : { seconds: state.lastBlockTime.seconds, nanos };
}

/**
 * Builds the block a proposer offers at `height` on top of `state`: header fields exactly as
 * CometBFT fills them, the given txs, evidence and the previous block's commit. Used by the single
 * validator producer and by the consensus engine's proposer alike.
 */
export function buildBlock(o: {
  state: ChainState;
  height: bigint;
  time: Timestamp;
  txs: Uint8Array[];
  lastCommit: Commit | undefined;
  evidence?: Evidence[];
  proposerAddress: Uint8Array;
}): Block {
  const { state } = o;
  const params = state.consensusParams;
  const evidence = o.evidence ?? [];
  return {
    header: {
      version: { block: BLOCK_PROTOCOL, app: 0n },
      chainId: state.chainId,
      height: o.height,
      time: o.time,
      lastBlockId: state.lastBlockHeight > 0n ? state.lastBlockId : emptyBlockId(),
      lastCommitHash: commitHash(o.lastCommit),
      dataHash: dataHash(o.txs),
      validatorsHash: validatorsHash(state.validators.validators),
      nextValidatorsHash: validatorsHash(state.nextValidators.validators),
      consensusHash: consensusParamsHash(params.blockMaxBytes, params.blockMaxGas),
      appHash: state.appHash,
      lastResultsHash: state.lastBlockHeight > 0n ? state.lastResultsHash : sha256(),
      evidenceHash: evidenceHash(evidence),
      proposerAddress: o.proposerAddress,
    },
    data: { txs: o.txs },
    evidence: { evidence },
    lastCommit: o.lastCommit ?? { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] },
  };
}
