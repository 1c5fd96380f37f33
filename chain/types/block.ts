import { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { PublicKey } from "cosmjs-types/tendermint/crypto/keys";
import type { Block } from "cosmjs-types/tendermint/types/block";
import { HashedParams } from "cosmjs-types/tendermint/types/params";
import {
  type BlockID,
  type Commit,
  CommitSig,
  type Header,
  BlockID as BlockIDCodec,
} from "cosmjs-types/tendermint/types/types";
import { Consensus } from "cosmjs-types/tendermint/version/types";
import { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { BinaryWriter } from "cosmjs-types/binary";
import { BlockIDFlag, SimpleValidator } from "cosmjs-types/tendermint/types/validator";
import { sha256 } from "../crypto/hash.ts";
import { merkleRoot } from "../crypto/merkle.ts";

// Block, header and commit are CometBFT's own protobuf types (tendermint.types), and every hash is
// computed as CometBFT computes it, so explorers and light clients see familiar data.

export type { Block, BlockID, Commit, Header };
export { BlockIDFlag };

/** CometBFT's block protocol version (version.BlockProtocol) for 0.38. */
export const BLOCK_PROTOCOL = 11n;

export interface Validator {
  address: Uint8Array;
  pubKey: Uint8Array; // ed25519
  votingPower: bigint;
  name?: string;
  /**
   * Its weight in proposer selection (reputation tiers: 0 = may vote but not propose); absent, its
   * voting power, as in CometBFT. Not part of the validators hash: it follows from app state.
   */
  proposerWeight?: bigint;
}

/** A change the app asks for in EndBlock (ABCI ValidatorUpdate): power 0 removes the validator. */
export interface ValidatorUpdate {
  /** ed25519, 32 bytes. */
  pubKey: Uint8Array;
  power: bigint;
  /** Proposer-selection weight from now on (see Validator.proposerWeight); absent: the power. */
  proposerWeight?: bigint;
}

// cdcEncode of CometBFT: gogoproto wrapper types (StringValue, Int64Value, BytesValue), field 1.
function cdcString(s: string): Uint8Array {
  const w = BinaryWriter.create();
  if (s.length > 0) w.uint32(10).string(s);
  return w.finish();
}
function cdcInt64(n: bigint): Uint8Array {
  const w = BinaryWriter.create();
  if (n !== 0n) w.uint32(8).int64(n);
  return w.finish();
}
function cdcBytes(b: Uint8Array): Uint8Array {
  const w = BinaryWriter.create();
  if (b.length > 0) w.uint32(10).bytes(b);
  return w.finish();
}

/** Header.Hash() of CometBFT: the Merkle root of its fields' encodings. */
export function headerHash(h: Header): Uint8Array {
  return merkleRoot([
    Consensus.encode(h.version).finish(),
    cdcString(h.chainId),
    cdcInt64(h.height),
    Timestamp.encode(h.time).finish(),
    BlockIDCodec.encode(h.lastBlockId).finish(),
    cdcBytes(h.lastCommitHash),
    cdcBytes(h.dataHash),
    cdcBytes(h.validatorsHash),
    cdcBytes(h.nextValidatorsHash),
    cdcBytes(h.consensusHash),
    cdcBytes(h.appHash),
    cdcBytes(h.lastResultsHash),
    cdcBytes(h.evidenceHash),
    cdcBytes(h.proposerAddress),
  ]);
}

/** Data.Hash(): Merkle root over the txs' sha256 hashes. */
export const dataHash = (txs: Uint8Array[]) => merkleRoot(txs.map((t) => sha256(t)));

/** Commit.Hash(): Merkle root over the encoded CommitSigs. */
export const commitHash = (c: Commit | undefined) =>
  merkleRoot((c?.signatures ?? []).map((s) => CommitSig.encode(s).finish()));

/** ValidatorSet.Hash(): Merkle root over SimpleValidator{pub_key, voting_power}. */
export function validatorsHash(vals: readonly Validator[]): Uint8Array {
  return merkleRoot(
    vals.map((v) =>
      SimpleValidator.encode({
        pubKey: PublicKey.fromPartial({ ed25519: v.pubKey }),
        votingPower: v.votingPower,
      }).finish(),
    ),
  );
}

/** ABCIResults.Hash(): Merkle root over the deterministic part of each ExecTxResult. */
export function resultsHash(results: ExecTxResult[]): Uint8Array {
  return merkleRoot(
    results.map((r) =>
      ExecTxResult.encode(
        ExecTxResult.fromPartial({ code: r.code, data: r.data, gasWanted: r.gasWanted, gasUsed: r.gasUsed }),
      ).finish(),
    ),
  );
}

/** ConsensusParams.Hash(): sha256 of HashedParams{block_max_bytes, block_max_gas}. */
export const consensusParamsHash = (maxBytes: bigint, maxGas: bigint) =>
  sha256(HashedParams.encode({ blockMaxBytes: maxBytes, blockMaxGas: maxGas }).finish());

/** The part-set header of a block sent whole: one part whose hash is the Merkle root of the block bytes. */
export function blockId(header: Header, blockBytes: Uint8Array): BlockID {
  return { hash: headerHash(header), partSetHeader: { total: 1, hash: merkleRoot([blockBytes]) } };
}

export const emptyBlockId = (): BlockID => ({
  hash: new Uint8Array(),
  partSetHeader: { total: 0, hash: new Uint8Array() },
});

export { CommitSig };
