import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Proposal, Vote } from "cosmjs-types/tendermint/types/types";
import type { Block, BlockID, Commit } from "../../types/block.ts";
import type { SignStep } from "../priv-validator.ts";
import type { EngineErrorCode } from "./errors.ts";
import type { ValidatorSet } from "./proposer.ts";

// The consensus engine's whole interface with the world: what goes in (EngineInput), what comes out
// (Effect) and what it is given (EngineDeps). Nothing else reaches it: no timers, no sockets, no disk.

/** Identifies the peer a message came from, so the host can punish it. */
export type PeerId = string;

/** Where a height stands (CometBFT's RoundStepType, reduced to what the algorithm uses). */
export enum RoundStep {
  /** Waiting `commitMs` after the previous block before round 0 (CometBFT's timeout_commit). */
  NewHeight = 0,
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
  /** Decided: waiting for the host to apply the block. */
  Commit = 4,
}

/** Which timer a timeout belongs to. */
export enum TimeoutStep {
  /** End of the wait after the previous block: start round 0. */
  NewHeight = 0,
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
  /** Periodic re-broadcast of this node's current messages (lossy links). */
  Gossip = 4,
}

/** A proposal travels with its whole block (no part sets). */
export interface ProposalMessage {
  kind: "proposal";
  proposal: Proposal;
  /** The encoded Block; blockId(header, block) must equal proposal.blockId. */
  block: Uint8Array;
}

export interface VoteMessage {
  kind: "vote";
  vote: Vote;
}

export type ConsensusMessage = ProposalMessage | VoteMessage;

export type EngineInput =
  /** A message received from a peer (from = null: from ourselves, e.g. the WAL). */
  | { kind: "message"; message: ConsensusMessage; from: PeerId | null }
  /** A timer scheduled by a `schedule` effect fired. */
  | { kind: "timeout"; height: bigint; round: number; step: TimeoutStep }
  /** The host executed and stored the block of `height` (decided here or fetched by block sync). */
  | { kind: "applied"; height: bigint };

/** What the WAL records: enough to rebuild a height's round state and our own signed messages. */
export type WalEntry =
  /** Start of a height: everything before it belongs to applied heights (the file can be reset). */
  | { kind: "height"; height: bigint }
  /** A message that changed our state; own = signed by us (must be durable before it is sent). */
  | { kind: "message"; message: ConsensusMessage; own: boolean }
  /** A timeout that moved the state machine. */
  | { kind: "timeout"; height: bigint; round: number; step: TimeoutStep };

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * What the host must do, in the order given. A `wal` effect with sync = true must be written AND
 * fsynced before any later effect is performed (it precedes the broadcast of what it records).
 */
export type Effect =
  | { kind: "wal"; entry: WalEntry; sync: boolean }
  | { kind: "broadcast"; message: ConsensusMessage }
  | { kind: "schedule"; height: bigint; round: number; step: TimeoutStep; ms: number }
  | {
      kind: "commit";
      height: bigint;
      round: number;
      block: Block;
      blockBytes: Uint8Array;
      blockId: BlockID;
      /** The +2/3 precommits for the block, one CommitSig per validator in set order. */
      commit: Commit;
    }
  | { kind: "evidence"; evidence: DuplicateVoteEvidence }
  /** A peer sent something only a faulty or malicious node sends. */
  | { kind: "peer-error"; peer: PeerId; code: EngineErrorCode; reason: string }
  | { kind: "log"; level: LogLevel; message: string; fields?: Record<string, unknown> };

export interface ConsensusClock {
  now(): Timestamp;
}

/**
 * Signs consensus messages (FilePrivValidator fits). It must refuse, by throwing DoubleSignError, to
 * sign different bytes for a height/round/step it already signed, and persist that before returning.
 */
export interface ConsensusSigner {
  readonly address: Uint8Array;
  sign(height: bigint, round: number, step: SignStep, signBytes: Uint8Array): Uint8Array;
  /**
   * The bytes last signed, if they were for exactly this height/round/step (FilePV keeps them in
   * its state file). Closes the window between signing and the WAL write: after a crash there the
   * engine re-creates that very vote (same timestamp) instead of asking for a different one.
   */
  lastSignBytes?(height: bigint, round: number, step: SignStep): Uint8Array | null;
}

/** What the host knows: its state builds and checks blocks, and names each height's validators. */
export interface ConsensusHost {
  /**
   * Builds the block this validator proposes at `height` (mempool txs, pending evidence, the
   * previous block's commit). `lastCommit` is the engine's own commit for height - 1, extended
   * with the precommits that arrived late, or null: then the host uses the stored one.
   */
  proposeBlock(height: bigint, round: number, lastCommit: Commit | null): { block: Block; bytes: Uint8Array };
  /** Checks a proposed block against the host's state at height - 1: null if valid, else why not. */
  validateBlock(block: Block, bytes: Uint8Array): string | null;
  /**
   * The validator set that decides `height`, with the proposer priorities of round 0 (CometBFT's
   * state.Validators). The order of the validators is the order of CommitSigs in a commit.
   */
  validatorSet(height: bigint): ValidatorSet;
}

/** Round timeouts: each step waits base + delta * round (CometBFT's timeout_* settings). */
export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  /** Wait after a block before round 0 of the next height (CometBFT's timeout_commit). */
  commitMs: number;
  /** Re-broadcast period for our current messages; 0 disables it. */
  gossipMs: number;
}

/** Checks an ed25519 signature; verifyEd25519 (node:crypto) unless the host supplies another. */
export type SignatureVerifier = (pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface EngineOptions {
  chainId: string;
  /** The first height to decide: the host's last block height + 1. */
  height: bigint;
  clock: ConsensusClock;
  /** null for a node that follows consensus without voting. */
  signer: ConsensusSigner | null;
  host: ConsensusHost;
  timeouts?: Partial<TimeoutConfig>;
  /** Messages for height + 1 kept until we get there (default 1,000). */
  maxFutureMessages?: number;
  /**
   * Signature check for votes and proposals (default verifyEd25519). Every message is checked; a
   * host may only substitute an equivalent function (the simulator shares a memo of results
   * across its simulated nodes, keyed by the exact key, bytes and signature).
   */
  verify?: SignatureVerifier;
  /**
   * Writes a WAL entry now. When set, the engine writes its pending WAL entries through it before
   * it asks the signer for a new signature, instead of returning them as effects: one input can
   * make the engine sign two votes (a prevote, then at once a precommit), and the signer's durable
   * record of the second must never be ahead of the WAL's record of the first, or a crash between
   * them leaves a restarted node unable to re-send its prevote (the signer refuses to sign it
   * again) and, with the others waiting for it, unable to decide. CometBFT gets the same order by
   * logging each own vote before it can lead to the next.
   */
  writeWal?: (entry: WalEntry, sync: boolean) => void;
}
