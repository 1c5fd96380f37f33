import { BinaryWriter } from "cosmjs-types/binary";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { Timestamp as TimestampCodec } from "cosmjs-types/google/protobuf/timestamp";
import type { BlockID } from "./block.ts";

/** SignedMsgType of CometBFT. */
export enum SignedMsgType {
  Prevote = 1,
  Precommit = 2,
  Proposal = 32,
}

/**
 * The bytes a validator signs for a vote: CometBFT's CanonicalVote, length-delimited
 * (types.VoteSignBytes). A nil vote (no block) omits block_id.
 */
export function voteSignBytes(
  chainId: string,
  type: SignedMsgType,
  height: bigint,
  round: number,
  blockId: BlockID | null,
  timestamp: Timestamp,
): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(8).int32(type);
  if (height !== 0n) w.uint32(17).sfixed64(height);
  if (round !== 0) w.uint32(25).sfixed64(BigInt(round));
  if (blockId && blockId.hash.length > 0) {
    w.uint32(34).fork();
    if (blockId.hash.length > 0) w.uint32(10).bytes(blockId.hash);
    w.uint32(18).fork();
    if (blockId.partSetHeader.total !== 0) w.uint32(8).uint32(blockId.partSetHeader.total);
    if (blockId.partSetHeader.hash.length > 0) w.uint32(18).bytes(blockId.partSetHeader.hash);
    w.ldelim();
    w.ldelim();
  }
  w.uint32(42).fork();
  TimestampCodec.encode(timestamp, w);
  w.ldelim();
  if (chainId.length > 0) w.uint32(50).string(chainId);
  const body = w.finish();
  const out = BinaryWriter.create();
  out.bytes(body);
  return out.finish();
}
