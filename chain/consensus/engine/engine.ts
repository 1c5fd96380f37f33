import type { Vote } from "cosmjs-types/tendermint/types/types";
import { verifyEd25519 } from "../../crypto/ed25519.ts";
import { evidenceKey } from "../../evidence/verify.ts";
import { type BlockID, type Commit, emptyBlockId } from "../../types/block.ts";
import { decodeVoteSignBytes, proposalSignBytes, SignedMsgType, voteSignBytes } from "../../types/vote.ts";
import { DoubleSignError, SignStep } from "../priv-validator.ts";
import { buildCommit } from "./commit.ts";
import { EngineError, EngineErrorCode } from "./errors.ts";
import { duplicateVoteEvidence } from "./evidence.ts";
import { gossipMessages } from "./gossip.ts";
import {
  type BlockRef,
  blockRefFromBytes,
  HeightState,
  type LastHeight,
  messageHeight,
  messageRound,
  ownKey,
  ownKeyOf,
  sameProposal,
} from "./height-state.ts";
import { blockKey, NIL_KEY } from "./ids.ts";
import { restoreLock } from "./restore.ts";
import { resolveTimeouts, timeoutMs } from "./timeouts.ts";
import {
  type ConsensusMessage,
  type Effect,
  type EngineInput,
  type EngineOptions,
  type LogLevel,
  type PeerId,
  type ProposalMessage,
  RoundStep,
  type SignatureVerifier,
  type TimeoutConfig,
  TimeoutStep,
  type VoteMessage,
  type WalEntry,
} from "./types.ts";
import type { VoteSet } from "./vote-set.ts";

/** Proposals are stored for rounds up to round_p + this (later ones come again by gossip). */
export const PROPOSAL_ROUND_WINDOW = 2;

const entryHeight = (e: WalEntry): bigint => (e.kind === "message" ? messageHeight(e.message) : e.height);

/**
 * The Tendermint consensus algorithm (Buchman, Kwon, Milosevic, "The latest gossip on BFT
 * consensus", 2018, Algorithm 1) as one deterministic state machine, in the shape of CometBFT's
 * consensus/state.go without its goroutines: inputs come in through handle(), and everything the
 * engine wants done comes back as a list of effects, in order. Comments "L<n>" cite the lines of
 * Algorithm 1. "2f + 1" is "more than 2/3 of the voting power" and "f + 1" "more than 1/3".
 *
 * The host calls replay(walEntries) once (start() if there is no WAL), then handle() for every
 * message, timeout and applied block, and performs the returned effects in order.
 */
export class ConsensusEngine {
  private readonly cfg: TimeoutConfig;
  private readonly verify: SignatureVerifier;
  private hs!: HeightState;
  private last: LastHeight | null = null;
  private future: { message: ConsensusMessage; from: PeerId | null }[] = [];
  private readonly evidenceSent = new Map<string, bigint>();
  private out: Effect[] = [];
  private replaying = false;
  private started = false;

  constructor(private readonly o: EngineOptions) {
    this.cfg = resolveTimeouts(o.timeouts);
    this.verify = o.verify ?? verifyEd25519;
  }

  get height(): bigint {
    return this.hs.height;
  }
  get round(): number {
    return this.hs.round;
  }
  get step(): RoundStep {
    return this.hs.step;
  }
  get lockedRound(): number {
    return this.hs.lockedRound;
  }
  get validRound(): number {
    return this.hs.validRound;
  }
  /** lockedValue_p and validValue_p as block ids (null when nil). */
  get lockedBlockId(): BlockID | null {
    return this.hs.locked ? (this.hs.blocks.get(this.hs.locked.key)?.id ?? null) : null;
  }
  get validBlockId(): BlockID | null {
    return this.hs.valid ? (this.hs.blocks.get(this.hs.valid.key)?.id ?? null) : null;
  }
  /** Our own signed message at the current height for a round and kind, if any. */
  ownMessage(round: number, kind: "proposal" | SignedMsgType.Prevote | SignedMsgType.Precommit) {
    return this.hs.own.get(ownKey(round, kind));
  }
  /** The proposals held for a round of the current height, first received first. */
  proposals(round: number): ProposalMessage[] {
    return this.hs.proposalsAt(round).map((sp) => sp.message);
  }

  /** Starts at options.height with no WAL (L10: upon start do StartRound(0)). */
  start(): Effect[] {
    return this.replay([]);
  }

  /**
   * Starts at options.height from the WAL left by a previous run: the entries of this height are
   * fed through the state machine again, with our own recorded messages used instead of signing
   * anything anew, so the engine ends where it stopped, having signed nothing different. Returns
   * the effects to perform: timeouts for the current step, a commit if the height was decided,
   * and a re-broadcast of our own messages of the current round.
   */
  replay(entries: readonly WalEntry[]): Effect[] {
    if (this.started) throw new EngineError(EngineErrorCode.InvalidState, "the engine is already started");
    this.started = true;
    const height = this.o.height;
    const mine = entries.filter((e) => e.kind !== "height" && entryHeight(e) === height);
    this.replaying = true;
    this.newHeight(height);
    const hs = this.hs;
    const recorded = new Set<string>();
    for (const e of mine)
      if (e.kind === "message" && e.own) {
        hs.own.set(ownKeyOf(e.message), e.message);
        recorded.add(ownKeyOf(e.message));
      }
    restoreLock(this.hs, mine);
    this.startRound(0);
    for (const e of mine) {
      if (e.kind === "message" && !e.own) this.dispatch({ kind: "message", message: e.message, from: null });
      else if (e.kind === "timeout")
        this.dispatch({ kind: "timeout", height: e.height, round: e.round, step: e.step });
    }
    this.catchUpWithOwnMessages();
    this.replaying = false;

    const effects: Effect[] = [];
    if (mine.length === 0) effects.push({ kind: "wal", entry: { kind: "height", height }, sync: true });
    const scheduled = new Set<TimeoutStep>();
    for (const e of this.flush()) {
      if (e.kind === "peer-error") continue;
      if (e.kind === "schedule") {
        if (e.height !== this.hs.height || e.round !== this.hs.round || scheduled.has(e.step)) continue;
        scheduled.add(e.step);
      }
      effects.push(e);
    }
    if (this.hs.height === height) {
      for (const kind of ["proposal", SignedMsgType.Prevote, SignedMsgType.Precommit] as const) {
        const key = ownKey(this.hs.round, kind);
        const m = this.hs.own.get(key);
        if (m && recorded.has(key)) effects.push({ kind: "broadcast", message: m });
        if (m?.kind === "proposal" && recorded.has(key) && m.proposal.polRound >= 0)
          for (const vote of this.hs.votes
            .prevotes(m.proposal.polRound)
            ?.votesFor(blockKey(m.proposal.blockId)) ?? [])
            effects.push({ kind: "broadcast", message: { kind: "vote", vote } });
      }
    }
    if (this.cfg.gossipMs > 0) effects.push(this.scheduleEffect(TimeoutStep.Gossip, this.hs.round));
    if (mine.length > 0)
      effects.push(this.logEffect("info", "replayed the WAL", { height, entries: mine.length }));
    return effects;
  }

  handle(input: EngineInput): Effect[] {
    if (!this.started)
      throw new EngineError(EngineErrorCode.InvalidState, "call replay() or start() before handle()");
    this.dispatch(input);
    return this.flush();
  }

  private dispatch(input: EngineInput): void {
    if (input.kind === "message") {
      if (input.message.kind === "proposal") this.onProposal(input.message, input.from);
      else this.onVote(input.message.vote, input.from);
    } else if (input.kind === "timeout") this.onTimeout(input.height, input.round, input.step);
    else this.onApplied(input.height);
    this.progress();
  }

  private flush(): Effect[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  // ---- heights -------------------------------------------------------------------------------

  private newHeight(height: bigint): void {
    this.hs = new HeightState(
      this.o.chainId,
      height,
      this.o.host.validatorSet(height),
      this.o.signer?.address ?? null,
      this.verify,
    );
    for (const [k, h] of [...this.evidenceSent]) if (h + 1n < height) this.evidenceSent.delete(k);
  }

  /** L52-54 once the host has applied the decided block: next height, fresh state, round 0. */
  private onApplied(height: bigint): void {
    const hs = this.hs;
    if (height < hs.height) return;
    if (height === hs.height && hs.decided) {
      const ref = hs.blocks.get(hs.decided.key)!;
      this.last = {
        height,
        round: hs.decided.round,
        blockId: ref.id,
        precommits: hs.votes.precommits(hs.decided.round)!,
        proposal: hs.proposalFor(ref.key)?.message ?? null,
      };
    } else this.last = null;
    const next = height + 1n;
    this.newHeight(next);
    this.out.push({ kind: "wal", entry: { kind: "height", height: next }, sync: true });
    if (this.cfg.commitMs > 0) this.schedule(TimeoutStep.NewHeight, 0);
    else this.startRound(0);
    const buffered = this.future.filter((m) => messageHeight(m.message) === next);
    this.future = [];
    for (const m of buffered) {
      if (m.message.kind === "proposal") this.onProposal(m.message, m.from);
      else this.onVote(m.message.vote, m.from);
    }
  }

  private buffer(message: ConsensusMessage, from: PeerId | null): void {
    if (this.future.length < (this.o.maxFutureMessages ?? 1000)) this.future.push({ message, from });
  }

  // ---- rounds --------------------------------------------------------------------------------

  /** L11-21. */
  private startRound(round: number): void {
    const hs = this.hs;
    hs.round = round; // L12
    hs.step = RoundStep.Propose; // L13
    if (hs.myIndex >= 0 && hs.proposerIndex(round) === hs.myIndex) this.propose(round); // L14
    // L21. CometBFT also schedules it when it is the proposer: if the proposal cannot be made or
    // is lost on the way to ourselves the round still ends.
    this.schedule(TimeoutStep.Propose, round);
  }

  /** L15-19: propose validValue_p with validRound_p, or a new block (getValue). */
  private propose(round: number): void {
    const hs = this.hs;
    const recorded = hs.own.get(ownKey(round, "proposal"));
    if (recorded && recorded.kind === "proposal") {
      this.emitOwn(recorded, false);
      this.storeProposal(recorded, blockRefFromBytes(recorded.block, recorded.proposal.blockId));
      this.sendProofOfLock(recorded);
      return;
    }
    let ref: BlockRef | undefined;
    let polRound = -1;
    if (hs.valid) {
      ref = hs.blocks.get(hs.valid.key); // L15-16
      polRound = hs.valid.round;
    }
    if (!ref) {
      polRound = -1;
      try {
        const built = this.o.host.proposeBlock(hs.height, round, this.lastCommitFor(hs.height)); // L18
        ref = blockRefFromBytes(built.bytes, null) ?? undefined;
      } catch (e) {
        this.log("error", "could not build a proposal", { height: hs.height, round, error: String(e) });
        return;
      }
      if (!ref) {
        this.log("error", "the host built a block that does not decode", { height: hs.height, round });
        return;
      }
    }
    const timestamp = this.o.clock.now();
    const bytes = proposalSignBytes(this.o.chainId, hs.height, round, polRound, ref.id, timestamp);
    const signature = this.sign(round, SignStep.Propose, bytes);
    if (!signature) return;
    const msg: ProposalMessage = {
      kind: "proposal",
      proposal: {
        type: SignedMsgType.Proposal as number,
        height: hs.height,
        round,
        polRound,
        blockId: ref.id,
        timestamp,
        signature,
      },
      block: ref.bytes,
    };
    hs.own.set(ownKey(round, "proposal"), msg);
    this.emitOwn(msg, true); // L19
    this.storeProposal(msg, ref);
    this.sendProofOfLock(msg);
  }

  /** With a re-proposed block, the prevotes of its POL round: others need them for L28. */
  private sendProofOfLock(msg: ProposalMessage): void {
    const vr = msg.proposal.polRound;
    if (vr < 0 || this.replaying) return;
    for (const vote of this.hs.votes.prevotes(vr)?.votesFor(blockKey(msg.proposal.blockId)) ?? [])
      this.out.push({ kind: "broadcast", message: { kind: "vote", vote } });
  }

  private lastCommitFor(height: bigint): Commit | null {
    const l = this.last;
    return l && l.height === height - 1n ? buildCommit(l.precommits, l.blockId) : null;
  }

  // ---- inputs --------------------------------------------------------------------------------

  private onProposal(msg: ProposalMessage, from: PeerId | null): void {
    const hs = this.hs;
    const p = msg.proposal;
    if (p.height === hs.height + 1n) {
      this.buffer(msg, from);
      return;
    }
    if (p.height !== hs.height || hs.step === RoundStep.Commit) return;
    if (p.round > hs.round + PROPOSAL_ROUND_WINDOW) return;
    const list = hs.proposalsAt(p.round);
    if (list.some((sp) => sameProposal(sp.message.proposal, p))) return;
    const key = blockKey(p.blockId);
    // One proposal per round, unless +2/3 voted for a block we lack (an equivocating proposer sent
    // different blocks to different validators and we need the one that won).
    if (list.some((sp) => sp.key === key)) return;
    if (list.length > 0 && !hs.needsBlock(key)) return;
    const proposer = hs.validators[hs.proposerIndex(p.round)]!;
    const signBytes = proposalSignBytes(
      this.o.chainId,
      p.height,
      p.round,
      p.polRound,
      p.blockId,
      p.timestamp,
    );
    if (!this.verify(proposer.pubKey, signBytes, p.signature)) {
      this.reject(from, EngineErrorCode.InvalidSignature, "proposal not signed by the round's proposer");
      return;
    }
    let ref = hs.blocks.get(key) ?? null;
    if (!ref) {
      ref = blockRefFromBytes(msg.block, p.blockId);
      if (!ref) {
        this.reject(from, EngineErrorCode.BlockMismatch, "block bytes do not match the block id");
        return;
      }
    }
    this.storeProposal(msg, ref);
    this.walInput(msg);
  }

  private storeProposal(msg: ProposalMessage, ref: BlockRef | null): void {
    const hs = this.hs;
    if (!ref) return;
    if (!hs.blocks.has(ref.key)) hs.blocks.set(ref.key, ref);
    const list = hs.proposalsAt(msg.proposal.round);
    if (!list.some((sp) => sameProposal(sp.message.proposal, msg.proposal)))
      hs.addProposal(msg.proposal.round, { message: msg, key: ref.key });
  }

  private onVote(vote: Vote, from: PeerId | null): void {
    const hs = this.hs;
    if (vote.height === hs.height + 1n) {
      this.buffer({ kind: "vote", vote }, from);
      return;
    }
    if (vote.height === hs.height - 1n) {
      this.onLastCommitVote(vote, from);
      return;
    }
    if (vote.height !== hs.height) return;
    const res = hs.votes.add(vote, hs.step === RoundStep.NewHeight ? -1 : hs.round);
    if (res.status === "added") this.walInput({ kind: "vote", vote });
    else if (res.status === "invalid") this.reject(from, res.code, res.reason);
    else if (res.status === "conflict") {
      this.reportEquivocation(res.existing, vote, hs.votes.validators, hs.totalPower);
      if (res.counted) this.walInput({ kind: "vote", vote });
    }
  }

  /** Precommits for the block just decided keep coming: they extend our commit (CometBFT's LastCommit). */
  private onLastCommitVote(vote: Vote, from: PeerId | null): void {
    const l = this.last;
    if (!l || l.height !== vote.height || vote.round !== l.round) return;
    if ((vote.type as number) !== SignedMsgType.Precommit) return;
    const lastKey = blockKey(l.blockId);
    const res = l.precommits.add(vote, (key) => key === lastKey);
    if (res.status === "invalid") this.reject(from, res.code, res.reason);
    else if (res.status === "conflict")
      this.reportEquivocation(res.existing, vote, l.precommits.validators, l.precommits.totalPower);
  }

  private reportEquivocation(a: Vote, b: Vote, validators: VoteSet["validators"], total: bigint): void {
    const val = validators[a.validatorIndex]!;
    const evidence = duplicateVoteEvidence(a, b, val.votingPower, total, this.o.clock.now());
    const key = evidenceKey(evidence);
    if (this.evidenceSent.has(key)) return;
    this.evidenceSent.set(key, a.height);
    this.out.push({ kind: "evidence", evidence });
    this.log("warn", "validator signed conflicting votes", { key });
  }

  private onTimeout(height: bigint, round: number, step: TimeoutStep): void {
    const hs = this.hs;
    if (step === TimeoutStep.Gossip) {
      for (const message of gossipMessages(this.hs, this.last)) this.out.push({ kind: "broadcast", message });
      if (this.cfg.gossipMs > 0) this.schedule(TimeoutStep.Gossip, hs.round);
      return;
    }
    if (height !== hs.height) return;
    const inRound = round === hs.round;
    if (step === TimeoutStep.NewHeight) {
      if (hs.step === RoundStep.NewHeight) this.startRound(0);
    } else if (step === TimeoutStep.Propose) {
      // L57-60 OnTimeoutPropose
      if (inRound && hs.step === RoundStep.Propose) {
        this.walTimeout(height, round, step);
        this.castVote(SignedMsgType.Prevote, null); // L59
        hs.step = RoundStep.Prevote; // L60
      }
    } else if (step === TimeoutStep.Prevote) {
      // L61-64 OnTimeoutPrevote
      if (inRound && hs.step === RoundStep.Prevote) {
        this.walTimeout(height, round, step);
        this.castVote(SignedMsgType.Precommit, null); // L63
        hs.step = RoundStep.Precommit; // L64
      }
    } else if (step === TimeoutStep.Precommit) {
      // L65-67 OnTimeoutPrecommit
      const active = hs.step >= RoundStep.Propose && hs.step <= RoundStep.Precommit;
      if (inRound && active) {
        this.walTimeout(height, round, step);
        this.startRound(hs.round + 1); // L67
      }
    }
  }

  // ---- the upon rules ------------------------------------------------------------------------

  /** Applies the upon rules until none fires (each rule is atomic, as the paper assumes). */
  private progress(): void {
    for (let i = 0; i < 100_000; i++) {
      if (this.hs.step === RoundStep.Commit) return;
      const fired =
        this.upon49Decide() ||
        this.upon55RoundSkip() ||
        this.upon22Proposal() ||
        this.upon28ProposalWithPolka() ||
        this.upon34PrevoteWait() ||
        this.upon36Polka() ||
        this.upon44NilPolka() ||
        this.upon47PrecommitWait();
      if (!fired) return;
    }
    throw new Error("consensus rules did not settle");
  }

  private inRoundSteps(): boolean {
    const s = this.hs.step;
    return s === RoundStep.Propose || s === RoundStep.Prevote || s === RoundStep.Precommit;
  }

  /**
   * L49-51: ⟨PROPOSAL, h_p, r, v, ∗⟩ AND 2f + 1 ⟨PRECOMMIT, h_p, r, id(v)⟩ while decision_p[h_p] =
   * nil, for any round r. We need v itself, from any proposal of this height carrying it.
   */
  private upon49Decide(): boolean {
    const hs = this.hs;
    for (const r of hs.votes.roundNumbers()) {
      const maj = hs.votes.precommits(r)?.majority();
      if (!maj || maj.blockId === null) continue;
      const ref = hs.blocks.get(maj.key);
      if (!ref || !this.isValid(ref)) continue; // L50: if valid(v)
      hs.decided = { round: r, key: ref.key }; // L51
      hs.step = RoundStep.Commit;
      const commit = buildCommit(hs.votes.precommits(r)!, ref.id);
      this.out.push({
        kind: "commit",
        height: hs.height,
        round: r,
        block: ref.block,
        blockBytes: ref.bytes,
        blockId: ref.id,
        commit,
      });
      this.log("debug", "decided", { height: hs.height, round: r, block: ref.key.slice(0, 16) });
      // L52-54 happen when the host reports the block applied (onApplied).
      return true;
    }
    return false;
  }

  /**
   * L55-56: f + 1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p → StartRound(round). Counted over
   * votes, as CometBFT does; before round 0 (while waiting after the last block) round_p is -1.
   */
  private upon55RoundSkip(): boolean {
    const hs = this.hs;
    const current = hs.step === RoundStep.NewHeight ? -1 : hs.round;
    const round = hs.votes.highestRoundWithOneThird(current);
    if (round === undefined) return false;
    this.startRound(round); // L56
    return true;
  }

  /** L22-27: ⟨PROPOSAL, h_p, round_p, v, −1⟩ from proposer(h_p, round_p) while step_p = propose. */
  private upon22Proposal(): boolean {
    const hs = this.hs;
    if (hs.step !== RoundStep.Propose) return false;
    const sp = hs.proposalsAt(hs.round).find((x) => x.message.proposal.polRound === -1);
    if (!sp) return false;
    const ref = hs.blocks.get(sp.key)!;
    // L23: valid(v) ∧ (lockedRound_p = −1 ∨ lockedValue_p = v)
    const ok = this.isValid(ref) && (hs.lockedRound === -1 || hs.locked?.key === sp.key);
    this.castVote(SignedMsgType.Prevote, ok ? ref.id : null); // L24 / L26
    hs.step = RoundStep.Prevote; // L27
    return true;
  }

  /**
   * L28-33: ⟨PROPOSAL, h_p, round_p, v, vr⟩ from proposer(h_p, round_p) AND 2f + 1 ⟨PREVOTE, h_p,
   * vr, id(v)⟩ while step_p = propose ∧ (vr ≥ 0 ∧ vr < round_p).
   */
  private upon28ProposalWithPolka(): boolean {
    const hs = this.hs;
    if (hs.step !== RoundStep.Propose) return false;
    for (const sp of hs.proposalsAt(hs.round)) {
      const vr = sp.message.proposal.polRound;
      if (!(vr >= 0 && vr < hs.round)) continue;
      if (hs.votes.prevotes(vr)?.majority()?.key !== sp.key) continue;
      const ref = hs.blocks.get(sp.key)!;
      // L29: valid(v) ∧ (lockedRound_p ≤ vr ∨ lockedValue_p = v)
      const ok = this.isValid(ref) && (hs.lockedRound <= vr || hs.locked?.key === sp.key);
      this.castVote(SignedMsgType.Prevote, ok ? ref.id : null); // L30 / L32
      hs.step = RoundStep.Prevote; // L33
      return true;
    }
    return false;
  }

  /** L34-35: 2f + 1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote for the first time. */
  private upon34PrevoteWait(): boolean {
    const hs = this.hs;
    if (hs.step !== RoundStep.Prevote || hs.prevoteWait.has(hs.round)) return false;
    if (!hs.votes.prevotes(hs.round)?.hasTwoThirdsAny()) return false;
    hs.prevoteWait.add(hs.round);
    this.schedule(TimeoutStep.Prevote, hs.round); // L35
    return true;
  }

  /**
   * L36-43: ⟨PROPOSAL, h_p, round_p, v, ∗⟩ from proposer(h_p, round_p) AND 2f + 1 ⟨PREVOTE, h_p,
   * round_p, id(v)⟩ while valid(v) ∧ step_p ≥ prevote for the first time.
   */
  private upon36Polka(): boolean {
    const hs = this.hs;
    if (hs.step !== RoundStep.Prevote && hs.step !== RoundStep.Precommit) return false;
    if (hs.polka.has(hs.round)) return false;
    const maj = hs.votes.prevotes(hs.round)?.majority();
    if (!maj || maj.blockId === null) return false;
    const sp = hs.proposalsAt(hs.round).find((x) => x.key === maj.key);
    if (!sp) return false;
    const ref = hs.blocks.get(sp.key)!;
    if (!this.isValid(ref)) return false;
    hs.polka.add(hs.round);
    if (hs.step === RoundStep.Prevote) {
      // L37
      hs.lock(hs.round, ref.key); // L38-39
      this.castVote(SignedMsgType.Precommit, ref.id); // L40
      hs.step = RoundStep.Precommit; // L41
    }
    hs.setValid(hs.round, ref.key); // L42-43
    return true;
  }

  /** L44-46: 2f + 1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote. */
  private upon44NilPolka(): boolean {
    const hs = this.hs;
    if (hs.step !== RoundStep.Prevote) return false;
    const maj = hs.votes.prevotes(hs.round)?.majority();
    if (!maj || maj.blockId !== null) return false;
    this.castVote(SignedMsgType.Precommit, null); // L45
    hs.step = RoundStep.Precommit; // L46
    return true;
  }

  /** L47-48: 2f + 1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time. */
  private upon47PrecommitWait(): boolean {
    const hs = this.hs;
    if (!this.inRoundSteps() || hs.precommitWait.has(hs.round)) return false;
    if (!hs.votes.precommits(hs.round)?.hasTwoThirdsAny()) return false;
    hs.precommitWait.add(hs.round);
    this.schedule(TimeoutStep.Precommit, hs.round); // L48
    return true;
  }

  /** valid(v): the host's verdict on a block of this height, asked once per block. */
  private isValid(ref: BlockRef): boolean {
    if (ref.validity === undefined) {
      if (ref.block.header.height !== this.hs.height) ref.validity = "block is for another height";
      else {
        try {
          ref.validity = this.o.host.validateBlock(ref.block, ref.bytes);
        } catch (e) {
          ref.validity = `validation failed: ${String(e)}`;
        }
      }
      if (ref.validity !== null)
        this.log("warn", "invalid proposed block", { height: this.hs.height, reason: ref.validity });
    }
    return ref.validity === null;
  }

  // ---- our own messages ----------------------------------------------------------------------

  /** Signs (or re-uses the recorded) vote of this round, records it, and counts it. */
  private castVote(type: SignedMsgType.Prevote | SignedMsgType.Precommit, id: BlockID | null): void {
    const hs = this.hs;
    const round = hs.round;
    let msg = hs.own.get(ownKey(round, type)) as VoteMessage | undefined;
    if (msg) {
      if (blockKey(msg.vote.blockId) !== (id ? blockKey(id) : ""))
        this.log("warn", "keeping the vote signed before the restart", { height: hs.height, round, type });
      this.emitOwn(msg, false);
    } else {
      if (!this.o.signer || hs.myIndex < 0) return;
      const step = type === SignedMsgType.Prevote ? SignStep.Prevote : SignStep.Precommit;
      const timestamp = this.voteTimestamp(type, round, step, id);
      const bytes = voteSignBytes(this.o.chainId, type, hs.height, round, id, timestamp);
      const signature = this.sign(round, step, bytes);
      if (!signature) return;
      msg = {
        kind: "vote",
        vote: {
          type: type as number,
          height: hs.height,
          round,
          blockId: id ?? emptyBlockId(),
          timestamp,
          validatorAddress: hs.validators[hs.myIndex]!.address,
          validatorIndex: hs.myIndex,
          signature,
          extension: new Uint8Array(),
          extensionSignature: new Uint8Array(),
        },
      };
      hs.own.set(ownKey(round, type), msg);
      this.emitOwn(msg, true);
    }
    // Our broadcast reaches us too.
    hs.votes.add(msg.vote, hs.round);
  }

  /**
   * Now, unless the signer already signed this very vote (crash after signing, before the WAL
   * write): then its timestamp, so the bytes are identical and the signer returns that signature.
   */
  private voteTimestamp(type: SignedMsgType, round: number, step: SignStep, id: BlockID | null) {
    const prev = this.o.signer?.lastSignBytes?.(this.hs.height, round, step);
    const d = prev ? decodeVoteSignBytes(prev) : null;
    if (
      d &&
      d.chainId === this.o.chainId &&
      d.type === type &&
      d.height === this.hs.height &&
      d.round === round &&
      (d.blockId ? blockKey(d.blockId) : NIL_KEY) === (id ? blockKey(id) : NIL_KEY)
    )
      return d.timestamp;
    return this.o.clock.now();
  }

  private sign(round: number, step: SignStep, bytes: Uint8Array): Uint8Array | null {
    this.flushWal();
    try {
      return this.o.signer!.sign(this.hs.height, round, step, bytes);
    } catch (e) {
      if (!(e instanceof DoubleSignError)) throw e;
      this.log("warn", "signer refused: already signed something else here", {
        height: this.hs.height,
        round,
        step,
        error: e.message,
      });
      return null;
    }
  }

  /** Writes the pending WAL entries now, in order, if the host lets us (see EngineOptions.writeWal). */
  private flushWal(): void {
    const write = this.o.writeWal;
    if (!write || this.replaying) return;
    const rest: Effect[] = [];
    for (const e of this.out) {
      if (e.kind === "wal") write(e.entry, e.sync);
      else rest.push(e);
    }
    this.out = rest;
  }

  /** A fresh message goes to the WAL (fsynced) before it is sent; a recorded one is only re-sent. */
  private emitOwn(msg: ConsensusMessage, fresh: boolean): void {
    if (fresh)
      this.out.push({ kind: "wal", entry: { kind: "message", message: msg, own: true }, sync: true });
    if (fresh || !this.replaying) this.out.push({ kind: "broadcast", message: msg });
  }

  // ---- replay --------------------------------------------------------------------------------

  /** After replaying: we already sent our recorded messages, so the round state must include them. */
  private catchUpWithOwnMessages(): void {
    const hs = this.hs;
    if (hs.step === RoundStep.Commit) return;
    let maxRound = -1;
    for (const m of hs.own.values()) maxRound = Math.max(maxRound, messageRound(m));
    if (maxRound < 0) return;
    if (maxRound > hs.round) this.startRound(maxRound);
    for (const m of hs.own.values()) if (m.kind === "vote") hs.votes.add(m.vote, hs.round);
    const voted = (t: SignedMsgType) => hs.own.has(ownKey(hs.round, t as SignedMsgType.Prevote));
    if (voted(SignedMsgType.Precommit) && hs.step < RoundStep.Precommit) hs.step = RoundStep.Precommit;
    else if (voted(SignedMsgType.Prevote) && hs.step < RoundStep.Prevote) hs.step = RoundStep.Prevote;
    this.progress();
  }

  // ---- effects -------------------------------------------------------------------------------

  private walInput(message: ConsensusMessage): void {
    if (!this.replaying)
      this.out.push({ kind: "wal", entry: { kind: "message", message, own: false }, sync: false });
  }

  private walTimeout(height: bigint, round: number, step: TimeoutStep): void {
    if (!this.replaying)
      this.out.push({ kind: "wal", entry: { kind: "timeout", height, round, step }, sync: false });
  }

  private scheduleEffect(step: TimeoutStep, round: number): Effect {
    return { kind: "schedule", height: this.hs.height, round, step, ms: timeoutMs(this.cfg, step, round) };
  }

  private schedule(step: TimeoutStep, round: number): void {
    this.out.push(this.scheduleEffect(step, round));
  }

  private reject(from: PeerId | null, code: EngineErrorCode, reason: string): void {
    if (from !== null && !this.replaying) this.out.push({ kind: "peer-error", peer: from, code, reason });
  }

  private logEffect(level: LogLevel, message: string, fields?: Record<string, unknown>): Effect {
    return { kind: "log", level, message, ...(fields ? { fields } : {}) };
  }

  private log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.out.push(this.logEffect(level, message, fields));
  }
}
