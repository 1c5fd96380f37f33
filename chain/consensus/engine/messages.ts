import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import {
  type BlockID,
  type Proposal,
  Proposal as ProposalCodec,
  type Vote,
  Vote as VoteCodec,
} from "cosmjs-types/tendermint/types/types";
import { SignedMsgType } from "../../types/vote.ts";
import { EngineError, EngineErrorCode } from "./errors.ts";
import type { ConsensusMessage } from "./types.ts";

// Wire format of the consensus channel: one protobuf envelope per message,
//   message ConsensusMessage { oneof sum { ProposalMessage proposal = 1; tendermint.types.Vote vote = 2; } }
//   message ProposalMessage { tendermint.types.Proposal proposal = 1; bytes block = 2; }
// Decoding is strict (sizes first, then every field checked as CometBFT's ValidateBasic does).

/** A vote is about 200 bytes; anything near this limit is not a vote we sign or accept. */
export const MAX_VOTE_MESSAGE_BYTES = 1024;
/** Room for the proposal fields around the block bytes. */
export const PROPOSAL_OVERHEAD_BYTES = 1024;

const HASH_BYTES = 32;
const ADDRESS_BYTES = 20;
const MAX_SIGNATURE_BYTES = 64;

export function encodeConsensusMessage(m: ConsensusMessage): Uint8Array {
  const w = BinaryWriter.create();
  if (m.kind === "proposal") {
    w.uint32(10).fork();
    ProposalCodec.encode(m.proposal, w.uint32(10).fork()).ldelim();
    w.uint32(18).bytes(m.block);
    w.ldelim();
  } else {
    VoteCodec.encode(m.vote, w.uint32(18).fork()).ldelim();
  }
  return w.finish();
}

const malformed = (why: string) => new EngineError(EngineErrorCode.MalformedMessage, why);

/**
 * Decodes and checks one consensus message. Throws EngineError (MessageTooLarge before any parsing,
 * MalformedMessage for bad protobuf or fields out of range). Signatures are checked by the engine.
 */
export function decodeConsensusMessage(bytes: Uint8Array, maxBlockBytes: number): ConsensusMessage {
  if (bytes.length > maxBlockBytes + PROPOSAL_OVERHEAD_BYTES)
    throw new EngineError(EngineErrorCode.MessageTooLarge, `message of ${bytes.length} bytes`);
  let msg: ConsensusMessage | undefined;
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (msg) throw malformed("more than one message in the envelope");
      if (tag === 10) msg = decodeProposalMessage(r.bytes(), maxBlockBytes);
      else if (tag === 18) {
        const raw = r.bytes();
        if (raw.length > MAX_VOTE_MESSAGE_BYTES)
          throw new EngineError(EngineErrorCode.MessageTooLarge, `vote of ${raw.length} bytes`);
        msg = { kind: "vote", vote: VoteCodec.decode(raw) };
      } else throw malformed(`unknown field ${tag >>> 3}`);
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw malformed(`cannot decode: ${(e as Error).message}`);
  }
  if (!msg) throw malformed("empty message");
  const why = msg.kind === "vote" ? validateVoteBasic(msg.vote) : validateProposalBasic(msg.proposal);
  if (why) throw malformed(why);
  return msg;
}

function decodeProposalMessage(raw: Uint8Array, maxBlockBytes: number): ConsensusMessage {
  const r = new BinaryReader(raw);
  let proposal: Proposal | undefined;
  let block: Uint8Array | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10 && !proposal) proposal = ProposalCodec.decode(r.bytes());
    else if (tag === 18 && !block) {
      block = r.bytes();
      if (block.length > maxBlockBytes)
        throw new EngineError(EngineErrorCode.MessageTooLarge, `block of ${block.length} bytes`);
    } else throw malformed(`unexpected field ${tag >>> 3} in a proposal`);
  }
  if (!proposal || !block) throw malformed("a proposal needs its block");
  return { kind: "proposal", proposal, block };
}

const timestampWhy = (t: Timestamp) =>
  t.nanos < 0 || t.nanos >= 1_000_000_000 || !Number.isInteger(t.nanos)
    ? "timestamp nanos out of range"
    : null;

function blockIdWhy(id: BlockID, allowNil: boolean): string | null {
  const psh = id.partSetHeader;
  const zero = id.hash.length === 0 && psh.total === 0 && psh.hash.length === 0;
  if (zero) return allowNil ? null : "block id is missing";
  if (id.hash.length !== HASH_BYTES || psh.hash.length !== HASH_BYTES || psh.total <= 0)
    return "block id must be empty or complete";
  return null;
}

/** CometBFT's Vote.ValidateBasic, with vote extensions (unused on this chain) required empty. */
export function validateVoteBasic(v: Vote): string | null {
  const type = v.type as number;
  if (type !== SignedMsgType.Prevote && type !== SignedMsgType.Precommit) return `invalid vote type ${type}`;
  if (v.height <= 0n) return "vote height must be positive";
  if (!Number.isInteger(v.round) || v.round < 0) return "vote round must not be negative";
  const bid = blockIdWhy(v.blockId, true);
  if (bid) return bid;
  if (v.validatorAddress.length !== ADDRESS_BYTES) return "validator address must be 20 bytes";
  if (!Number.isInteger(v.validatorIndex) || v.validatorIndex < 0) return "negative validator index";
  if (v.signature.length === 0 || v.signature.length > MAX_SIGNATURE_BYTES) return "bad signature length";
  if (v.extension.length > 0 || v.extensionSignature.length > 0) return "vote extensions are not enabled";
  return timestampWhy(v.timestamp);
}

/** CometBFT's Proposal.ValidateBasic plus its POLRound < Round check (state.defaultSetProposal). */
export function validateProposalBasic(p: Proposal): string | null {
  if ((p.type as number) !== SignedMsgType.Proposal) return `invalid proposal type ${p.type}`;
  if (p.height <= 0n) return "proposal height must be positive";
  if (!Number.isInteger(p.round) || p.round < 0) return "proposal round must not be negative";
  if (!Number.isInteger(p.polRound) || p.polRound < -1 || (p.polRound !== -1 && p.polRound >= p.round))
    return "proposal POL round must be -1 or below the round";
  const bid = blockIdWhy(p.blockId, false);
  if (bid) return bid;
  if (p.signature.length === 0 || p.signature.length > MAX_SIGNATURE_BYTES) return "bad signature length";
  return timestampWhy(p.timestamp);
}
