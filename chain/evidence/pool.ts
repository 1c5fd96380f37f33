import type { DuplicateVoteEvidence, Evidence } from "cosmjs-types/tendermint/types/evidence";
import {
  DuplicateVoteEvidence as DuplicateVoteEvidenceCodec,
  Evidence as EvidenceCodec,
} from "cosmjs-types/tendermint/types/evidence";
import type { Misbehavior } from "../app/context.ts";
import { utf8 } from "../crypto/hash.ts";
import { merkleRoot } from "../crypto/merkle.ts";
import { prefixEnd } from "../store/kv.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";
import type { Validator } from "../types/block.ts";
import { evidenceKey, InvalidEvidenceError, verifyDuplicateVote } from "./verify.ts";

const committedKey = (key: string) => utf8(`e/committed/${key}`);

export interface EvidencePoolOptions {
  chainId: string;
  db: LevelDB;
  /** The validator set that signed at `height`, if known. */
  validatorsAt: (height: bigint) => readonly Validator[] | undefined;
  latestHeight: () => bigint;
  /** Evidence older than this many blocks is refused (consensus param evidence.max_age_num_blocks). */
  maxAgeBlocks: bigint;
  maxPending?: number;
}

/**
 * Pending evidence of misbehaviour (CometBFT's evidence pool): verified on entry, deduplicated
 * against what is pending and what a block already committed (remembered in LevelDB, written in
 * the block's batch), offered to proposers, and turned into the app's misbehavior list.
 */
export class EvidencePool {
  private readonly pendingByKey = new Map<string, DuplicateVoteEvidence>();
  /** Keys of all committed evidence (few: each is a slashed validator), for synchronous checks. */
  private readonly committed = new Set<string>();

  constructor(private readonly o: EvidencePoolOptions) {}

  /** Reads the keys of committed evidence; call once before use. */
  async load(): Promise<void> {
    const prefix = utf8("e/committed/");
    for await (const [k] of this.o.db.iterate(prefix, prefixEnd(prefix))) {
      this.committed.add(Buffer.from(k.subarray(prefix.length)).toString("utf8"));
    }
  }

  /**
   * Synchronous check of the evidence in a proposed block: each item valid, recent, not committed
   * before, none twice. Throws InvalidEvidenceError.
   */
  checkBlockEvidence(evidence: Evidence[]): void {
    const seen = new Set<string>();
    for (const e of evidence) {
      const ev = e.duplicateVoteEvidence;
      if (!ev) throw new InvalidEvidenceError("only duplicate-vote evidence is supported");
      this.verify(ev);
      const key = evidenceKey(ev);
      if (this.committed.has(key) || seen.has(key))
        throw new InvalidEvidenceError("evidence was already committed");
      seen.add(key);
    }
  }

  private verify(ev: DuplicateVoteEvidence): void {
    const height = ev.voteA?.height ?? 0n;
    if (height + this.o.maxAgeBlocks < this.o.latestHeight())
      throw new InvalidEvidenceError(`evidence from height ${height} is too old`);
    const validators = this.o.validatorsAt(height);
    if (!validators) throw new InvalidEvidenceError(`no validator set known for height ${height}`);
    verifyDuplicateVote(this.o.chainId, ev, validators);
  }

  get size(): number {
    return this.pendingByKey.size;
  }

  /** Verifies and stores evidence; returns false for a duplicate, throws InvalidEvidenceError if bad. */
  async add(ev: DuplicateVoteEvidence): Promise<boolean> {
    await this.check(ev);
    const key = evidenceKey(ev);
    if (this.pendingByKey.has(key)) return false;
    if (this.pendingByKey.size >= (this.o.maxPending ?? 1000))
      throw new InvalidEvidenceError("evidence pool is full");
    this.pendingByKey.set(key, ev);
    return true;
  }

  /** Checks gossiped evidence: valid, recent, not committed before. */
  async check(ev: DuplicateVoteEvidence): Promise<void> {
    this.verify(ev);
    if (this.committed.has(evidenceKey(ev))) throw new InvalidEvidenceError("evidence was already committed");
  }

  /** Evidence for the next proposal, oldest first, within maxBytes. */
  pending(maxBytes: number): Evidence[] {
    const out: Evidence[] = [];
    let bytes = 0;
    for (const ev of this.pendingByKey.values()) {
      const wrapped = { duplicateVoteEvidence: ev };
      const size = EvidenceCodec.encode(wrapped).finish().length;
      if (bytes + size > maxBytes) break;
      bytes += size;
      out.push(wrapped);
    }
    return out;
  }

  /** Batch ops marking a block's evidence committed; call markCommitted once the batch is written. */
  commitOps(evidence: Evidence[]): BatchOp[] {
    return evidence
      .filter((e) => e.duplicateVoteEvidence)
      .map((e) => ({
        type: "put" as const,
        key: committedKey(evidenceKey(e.duplicateVoteEvidence!)),
        value: new Uint8Array([1]),
      }));
  }

  markCommitted(evidence: Evidence[]): void {
    for (const e of evidence)
      if (e.duplicateVoteEvidence) this.pendingByKey.delete(evidenceKey(e.duplicateVoteEvidence));
  }
}

/** The app-facing form of a block's evidence. */
export function misbehaviorOf(evidence: Evidence[]): Misbehavior[] {
  return evidence
    .filter((e) => e.duplicateVoteEvidence?.voteA)
    .map((e) => {
      const ev = e.duplicateVoteEvidence!;
      return {
        type: "duplicate_vote" as const,
        validatorAddress: ev.voteA!.validatorAddress,
        validatorPower: ev.validatorPower,
        height: ev.voteA!.height,
        timeSeconds: ev.timestamp.seconds,
        totalVotingPower: ev.totalVotingPower,
      };
    });
}

/** EvidenceList.Hash() of CometBFT: the Merkle root of each evidence's protobuf encoding. */
export function evidenceHash(evidence: Evidence[]): Uint8Array {
  return merkleRoot(
    evidence
      .filter((e) => e.duplicateVoteEvidence)
      .map((e) => DuplicateVoteEvidenceCodec.encode(e.duplicateVoteEvidence!).finish()),
  );
}
