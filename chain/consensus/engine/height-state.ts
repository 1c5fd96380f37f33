import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import type { Proposal } from "cosmjs-types/tendermint/types/types";
import { bytesEqual } from "../../crypto/hash.ts";
import { type Block, type BlockID, blockId, type Validator } from "../../types/block.ts";
import type { SignedMsgType } from "../../types/vote.ts";
import { HeightVotes } from "./height-votes.ts";
import type { VoteSet } from "./vote-set.ts";
import { blockKey, sameBlockId, sameTimestamp } from "./ids.ts";
import { RoundProposers, type ValidatorSet } from "./proposer.ts";
import { type ConsensusMessage, type ProposalMessage, RoundStep, type SignatureVerifier } from "./types.ts";

/** A block we hold at this height, with its validity once the host has judged it. */
export interface BlockRef {
  key: string;
  id: BlockID;
  block: Block;
  bytes: Uint8Array;
  /** undefined: not checked yet; null: valid; else why it is not. */
  validity?: string | null;
}

export interface StoredProposal {
  message: ProposalMessage;
  key: string;
}

/** What we keep of the height just decided: its commit grows with late precommits, and is gossiped. */
export interface LastHeight {
  height: bigint;
  round: number;
  blockId: BlockID;
  precommits: VoteSet;
  proposal: ProposalMessage | null;
}

/** A (round, block) pair: lockedRound/lockedValue and validRound/validValue of Algorithm 1. */
export interface RoundRef {
  round: number;
  key: string;
}

export type OwnKind = "proposal" | SignedMsgType.Prevote | SignedMsgType.Precommit;
export const ownKey = (round: number, kind: OwnKind) => `${round}/${kind}`;

export function ownKeyOf(m: ConsensusMessage): string {
  return m.kind === "proposal"
    ? ownKey(m.proposal.round, "proposal")
    : ownKey(m.vote.round, m.vote.type as number as SignedMsgType.Prevote | SignedMsgType.Precommit);
}

export const messageRound = (m: ConsensusMessage) =>
  m.kind === "proposal" ? m.proposal.round : m.vote.round;
export const messageHeight = (m: ConsensusMessage) =>
  m.kind === "proposal" ? m.proposal.height : m.vote.height;

/** Decodes block bytes and checks they are the block `expected` names; null if not. */
export function blockRefFromBytes(bytes: Uint8Array, expected: BlockID | null): BlockRef | null {
  let block: Block;
  try {
    block = BlockCodec.decode(bytes);
  } catch {
    return null;
  }
  if (!block.header) return null;
  const id = blockId(block.header, bytes);
  if (expected && !sameBlockId(id, expected)) return null;
  return { key: blockKey(id), id, block, bytes };
}

export function sameProposal(a: Proposal, b: Proposal): boolean {
  return (
    a.round === b.round &&
    a.polRound === b.polRound &&
    sameBlockId(a.blockId, b.blockId) &&
    sameTimestamp(a.timestamp, b.timestamp) &&
    bytesEqual(a.signature, b.signature)
  );
}

/** Everything the engine knows about the height it is deciding; dropped when the height ends. */
export class HeightState {
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
  readonly myIndex: number;
  readonly votes: HeightVotes;
  private readonly proposers: RoundProposers;

  round = 0;
  step = RoundStep.NewHeight;
  locked: RoundRef | null = null;
  valid: RoundRef | null = null;
  decided: RoundRef | null = null;

  readonly blocks = new Map<string, BlockRef>();
  private readonly proposals = new Map<number, StoredProposal[]>();
  /** Messages we signed at this height, by ownKey: never signed twice, re-sent as they are. */
  readonly own = new Map<string, ConsensusMessage>();
  /** "for the first time" guards of lines 34, 36 and 47, by round. */
  readonly prevoteWait = new Set<number>();
  readonly polka = new Set<number>();
  readonly precommitWait = new Set<number>();

  constructor(
    readonly chainId: string,
    readonly height: bigint,
    readonly set: ValidatorSet,
    signerAddress: Uint8Array | null,
    verify?: SignatureVerifier,
  ) {
    this.validators = set.validators;
    this.totalPower = set.totalVotingPower;
    this.myIndex = signerAddress ? set.indexOf(signerAddress) : -1;
    this.votes = new HeightVotes(
      chainId,
      height,
      this.validators,
      this.totalPower,
      (key) => this.blocks.has(key),
      verify,
    );
    this.proposers = new RoundProposers(set);
  }

  get lockedRound(): number {
    return this.locked?.round ?? -1;
  }

  get validRound(): number {
    return this.valid?.round ?? -1;
  }

  proposerIndex(round: number): number {
    return this.proposers.indexAt(round);
  }

  proposalsAt(round: number): readonly StoredProposal[] {
    return this.proposals.get(round) ?? [];
  }

  addProposal(round: number, sp: StoredProposal): void {
    const list = this.proposals.get(round);
    if (list) list.push(sp);
    else this.proposals.set(round, [sp]);
  }

  /** Any stored proposal carrying the block `key` (the lowest round first). */
  proposalFor(key: string): StoredProposal | undefined {
    for (const r of [...this.proposals.keys()].sort((a, b) => a - b)) {
      const sp = this.proposals.get(r)!.find((p) => p.key === key);
      if (sp) return sp;
    }
    return undefined;
  }

  /**
   * A block we lack although +2/3 prevoted or precommitted it in some round: a second proposal for
   * a round is admitted only for such a block (an equivocating proposer cannot flood us).
   */
  needsBlock(key: string): boolean {
    if (this.blocks.has(key)) return false;
    for (const r of this.votes.roundNumbers()) {
      if (this.votes.prevotes(r)?.majority()?.key === key) return true;
      if (this.votes.precommits(r)?.majority()?.key === key) return true;
    }
    return false;
  }

  /** Line 38-39: lock, never to an older round than the current lock. */
  lock(round: number, key: string): void {
    if (round >= this.lockedRound) this.locked = { round, key };
  }

  /** Line 42-43: the latest value with a polka, never moved back to an older round. */
  setValid(round: number, key: string): void {
    if (round >= this.validRound) this.valid = { round, key };
  }
}
