import { ConsensusEngine } from "../../chain/consensus/engine/engine.ts";
import { RoundProposers, ValidatorSet } from "../../chain/consensus/engine/proposer.ts";
import type {
  ConsensusMessage,
  ConsensusSigner,
  Effect,
  ProposalMessage,
  TimeoutConfig,
  VoteMessage,
  WalEntry,
} from "../../chain/consensus/engine/types.ts";
import { TimeoutStep } from "../../chain/consensus/engine/types.ts";
import { ed25519Address, ed25519FromSeed, type Ed25519Key, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { type BlockID, blockId, emptyBlockId, type Validator } from "../../chain/types/block.ts";
import { timestampFromMillis } from "../../chain/types/time.ts";
import { proposalSignBytes, SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";
import { GENESIS_MS } from "./node.ts";
import { SIM_CHAIN_ID, SimChain, simGenesisState } from "./sim-chain.ts";
import { SimSigner } from "./sim-signer.ts";

export const HARNESS_TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  proposeDeltaMs: 100,
  prevoteMs: 500,
  prevoteDeltaMs: 50,
  precommitMs: 700,
  precommitDeltaMs: 70,
  commitMs: 0,
  gossipMs: 0,
};

export interface TestBlock {
  id: BlockID;
  bytes: Uint8Array;
}

/**
 * One engine under test at height 1 with hand-made messages from the other validators: for
 * scenarios written message by message (lock rules, vote counting, replay).
 */
export class EngineHarness {
  readonly keys: Ed25519Key[];
  readonly validators: Validator[];
  readonly set: ValidatorSet;
  readonly chain: SimChain;
  readonly signer: ConsensusSigner & { refusals: number };
  engine: ConsensusEngine;
  now = 1000;
  /** Blocks the host declares invalid. */
  readonly invalid = new Set<string>();
  private readonly proposers: RoundProposers;
  private payload = 0;

  constructor(
    readonly powers: bigint[],
    /** Index of the validator running the engine (null: a non-validator follower). */
    readonly me: number | null,
    private readonly opts: {
      timeouts?: Partial<TimeoutConfig>;
      signer?: ConsensusSigner & { refusals: number };
      writeWal?: (entry: WalEntry, sync: boolean) => void;
    } = {},
  ) {
    this.keys = powers.map((_, i) => ed25519FromSeed(sha256(utf8(`harness/${i}`))));
    this.validators = this.keys.map((k, i) => ({
      address: ed25519Address(k.pubkey),
      pubKey: k.pubkey,
      votingPower: powers[i]!,
    }));
    this.set = ValidatorSet.fromGenesis(this.validators);
    this.proposers = new RoundProposers(this.set);
    this.chain = new SimChain(simGenesisState(this.validators, timestampFromMillis(GENESIS_MS)));
    this.signer = opts.signer ?? new SimSigner(this.keys[me ?? 0]!, true);
    this.engine = this.newEngine(opts.timeouts);
  }

  newEngine(timeouts?: Partial<TimeoutConfig>): ConsensusEngine {
    this.engine = new ConsensusEngine({
      chainId: SIM_CHAIN_ID,
      height: this.chain.height + 1n,
      clock: { now: () => timestampFromMillis(GENESIS_MS + this.now) },
      signer: this.me === null ? null : this.signer,
      host: {
        proposeBlock: (height, _round, lastCommit) =>
          this.chain.propose(
            height,
            lastCommit,
            utf8(`own ${this.payload++}`),
            this.ts(),
            this.validators[this.me!]!.address,
          ),
        validateBlock: (block, bytes) => {
          const id = blockId(block.header, bytes);
          return this.invalid.has(Buffer.from(id.hash).toString("hex"))
            ? "declared invalid"
            : this.chain.validate(block, bytes);
        },
        validatorSet: () => this.set,
      },
      timeouts: { ...HARNESS_TIMEOUTS, ...timeouts },
      ...(this.opts.writeWal ? { writeWal: this.opts.writeWal } : {}),
    });
    return this.engine;
  }

  ts() {
    return timestampFromMillis(GENESIS_MS + this.now);
  }

  proposerAt(round: number): number {
    return this.proposers.indexAt(round);
  }

  /** The first round >= from whose proposer is not `me` (and not `not`). */
  roundProposedByOther(from = 0, not?: number): number {
    for (let r = from; ; r++) if (this.proposerAt(r) !== this.me && this.proposerAt(r) !== not) return r;
  }

  block(tag: string): TestBlock {
    const built = this.chain.propose(1n, null, utf8(tag), this.ts(), this.validators[0]!.address);
    return { id: blockId(built.block.header, built.bytes), bytes: built.bytes };
  }

  invalidate(b: TestBlock): void {
    this.invalid.add(Buffer.from(b.id.hash).toString("hex"));
  }

  proposal(round: number, polRound: number, b: TestBlock, signer = this.proposerAt(round)): ProposalMessage {
    const timestamp = this.ts();
    const bytes = proposalSignBytes(SIM_CHAIN_ID, 1n, round, polRound, b.id, timestamp);
    return {
      kind: "proposal",
      proposal: {
        type: SignedMsgType.Proposal as number,
        height: 1n,
        round,
        polRound,
        blockId: b.id,
        timestamp,
        signature: signEd25519(this.keys[signer]!, bytes),
      },
      block: b.bytes,
    };
  }

  vote(
    i: number,
    type: SignedMsgType.Prevote | SignedMsgType.Precommit,
    round: number,
    b: TestBlock | null,
    opts: { height?: bigint; chainId?: string; key?: Ed25519Key; tsOffset?: number } = {},
  ): VoteMessage {
    const height = opts.height ?? 1n;
    const timestamp = timestampFromMillis(GENESIS_MS + this.now + (opts.tsOffset ?? 0));
    const bytes = voteSignBytes(opts.chainId ?? SIM_CHAIN_ID, type, height, round, b?.id ?? null, timestamp);
    return {
      kind: "vote",
      vote: {
        type: type as number,
        height,
        round,
        blockId: b?.id ?? emptyBlockId(),
        timestamp,
        validatorAddress: this.validators[i]!.address,
        validatorIndex: i,
        signature: signEd25519(opts.key ?? this.keys[i]!, bytes),
        extension: new Uint8Array(),
        extensionSignature: new Uint8Array(),
      },
    };
  }

  /** Votes of `type` from each listed validator. */
  votes(
    ids: number[],
    type: SignedMsgType.Prevote | SignedMsgType.Precommit,
    round: number,
    b: TestBlock | null,
  ) {
    return ids.map((i) => this.vote(i, type, round, b));
  }

  start(wal: readonly WalEntry[] = []): Effect[] {
    return this.engine.replay(wal);
  }

  send(msgs: ConsensusMessage | ConsensusMessage[], from: string | null = "peer"): Effect[] {
    const out: Effect[] = [];
    for (const m of Array.isArray(msgs) ? msgs : [msgs])
      out.push(...this.engine.handle({ kind: "message", message: m, from }));
    return out;
  }

  timeout(step: TimeoutStep, round: number, height = 1n): Effect[] {
    return this.engine.handle({ kind: "timeout", height, round, step });
  }
}

/** A vote with its type as a plain number (comparable with this chain's SignedMsgType). */
export type SentVote = Omit<VoteMessage["vote"], "type"> & { type: number };

/** The votes broadcast in these effects. */
export function sentVotes(effects: Effect[]): SentVote[] {
  return effects.flatMap((e) =>
    e.kind === "broadcast" && e.message.kind === "vote" ? [e.message.vote as SentVote] : [],
  );
}

export const isNil = (v: { blockId: BlockID }) => v.blockId.hash.length === 0;
export const sameId = (a: BlockID, b: BlockID) => Buffer.from(a.hash).equals(Buffer.from(b.hash));
export { SignedMsgType, TimeoutStep };
