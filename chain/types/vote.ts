import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
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

/** CometBFT's CanonicalBlockID inside a canonical message, at `field` (omitted for a nil block id). */
function writeCanonicalBlockId(w: BinaryWriter, field: number, blockId: BlockID | null): void {
  if (!blockId || blockId.hash.length === 0) return;
  w.uint32((field << 3) | 2).fork();
  w.uint32(10).bytes(blockId.hash);
  w.uint32(18).fork();
  if (blockId.partSetHeader.total !== 0) w.uint32(8).uint32(blockId.partSetHeader.total);
  if (blockId.partSetHeader.hash.length > 0) w.uint32(18).bytes(blockId.partSetHeader.hash);
  w.ldelim();
  w.ldelim();
}

/**
 * The bytes a proposer signs for a proposal: CometBFT's CanonicalProposal, length-delimited
 * (types.ProposalSignBytes): type, height and round as in a vote, pol_round as a varint int64
 * (field 4), then block_id, timestamp and chain_id (fields 5 to 7).
 */
export function proposalSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  polRound: number,
  blockId: BlockID | null,
  timestamp: Timestamp,
): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(8).int32(SignedMsgType.Proposal);
  if (height !== 0n) w.uint32(17).sfixed64(height);
  if (round !== 0) w.uint32(25).sfixed64(BigInt(round));
  if (polRound !== 0) w.uint32(32).int64(BigInt(polRound));
  writeCanonicalBlockId(w, 5, blockId);
  w.uint32(50).fork();
  TimestampCodec.encode(timestamp, w);
  w.ldelim();
  if (chainId.length > 0) w.uint32(58).string(chainId);
  const body = w.finish();
  const out = BinaryWriter.create();
  out.bytes(body);
  return out.finish();
}

/**
 * Reads back what voteSignBytes wrote (a CanonicalVote, length-delimited): null if the bytes are
 * not one. Lets a restarted validator re-create the exact vote its signer last signed.
 */
export function decodeVoteSignBytes(bytes: Uint8Array): {
  type: SignedMsgType;
  height: bigint;
  round: number;
  blockId: BlockID | null;
  timestamp: Timestamp;
  chainId: string;
} | null {
  try {
    const outer = new BinaryReader(bytes);
    const r = new BinaryReader(outer.bytes());
    if (outer.pos !== outer.len) return null;
    let type = 0;
    let height = 0n;
    let round = 0n;
    let blockId: BlockID | null = null;
    let timestamp: Timestamp = { seconds: 0n, nanos: 0 };
    let chainId = "";
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 8) type = r.int32();
      else if (tag === 17) height = r.sfixed64();
      else if (tag === 25) round = r.sfixed64();
      else if (tag === 34) {
        const b = new BinaryReader(r.bytes());
        const id: BlockID = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
        while (b.pos < b.len) {
          const t = b.uint32();
          if (t === 10) id.hash = b.bytes();
          else if (t === 18) {
            const p = new BinaryReader(b.bytes());
            while (p.pos < p.len) {
              const pt = p.uint32();
              if (pt === 8) id.partSetHeader.total = p.uint32();
              else if (pt === 18) id.partSetHeader.hash = p.bytes();
              else return null;
            }
          } else return null;
        }
        blockId = id;
      } else if (tag === 42) timestamp = TimestampCodec.decode(r.bytes());
      else if (tag === 50) chainId = r.string();
      else return null;
    }
    if (type !== SignedMsgType.Prevote && type !== SignedMsgType.Precommit) return null;
    return { type, height, round: Number(round), blockId, timestamp, chainId };
  } catch {
    return null;
  }
}
