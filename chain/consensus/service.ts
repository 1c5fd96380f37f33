import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Commit } from "cosmjs-types/tendermint/types/types";
import type { BlockStore } from "../blockstore/block-store.ts";
import type { EvidencePool } from "../evidence/pool.ts";
import type { Mempool } from "../mempool/mempool.ts";
import type { Logger } from "../node/logger.ts";
import type { BlockExecutor } from "../state/executor.ts";
import type { Block, BlockID } from "../types/block.ts";
import { timestampFromMillis } from "../types/time.ts";
import { SignedMsgType } from "../types/vote.ts";
import { failPoint } from "../util/fail-point.ts";
import { Mutex } from "../util/mutex.ts";
import { BLOCK_OVERHEAD_BYTES, buildBlock, nextBlockTime } from "./block-builder.ts";
import { ConsensusEngine } from "./engine/engine.ts";
import { decodeConsensusMessage, encodeConsensusMessage } from "./engine/messages.ts";
import type {
  ConsensusHost,
  ConsensusSigner,
  Effect,
  EngineInput,
  TimeoutConfig,
  WalEntry,
} from "./engine/types.ts";
import type { ConsensusWal } from "./engine/wal.ts";
import { validateBlock } from "./validate-block.ts";

/** One P2P channel, as the switch hands it to a reactor. */
export interface ConsensusChannel {
  broadcast(bytes: Uint8Array, except?: string): unknown;
  onMessage(handler: (peerId: string, bytes: Uint8Array) => void): unknown;
  punish(peerId: string, reason: string, points?: number): void;
}

export interface ConsensusServiceOptions {
  chainId: string;
  executor: BlockExecutor;
  blockStore: BlockStore;
  mempool: Mempool;
  evidence: EvidencePool;
  /** null: follow consensus without voting (not a validator). */
  signer: ConsensusSigner | null;
  wal: ConsensusWal;
  timeouts: Partial<TimeoutConfig>;
  /** Votes (small, high priority). */
  votes: ConsensusChannel;
  /** Proposals with their blocks. */
  proposals: ConsensusChannel;
  evidenceNet: ConsensusChannel;
  log: Logger;
  now?: () => number;
  /** Called when the service stops by itself (a block failed to apply: the node must halt). */
  onFatal: (e: Error) => void;
}

/**
 * The node side of the consensus engine: feeds it messages, timeouts and applied heights one at a
 * time, and performs its effects in order (WAL first, then sends), applying decided blocks through
 * the executor. Block sync applies blocks through `applyBlock` too, so the two never race.
 */
export class ConsensusService {
  private engine!: ConsensusEngine;
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly applyLock = new Mutex();
  private lastCommit: Commit | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: ConsensusServiceOptions) {
    this.now = o.now ?? Date.now;
  }

  get height(): bigint {
    return this.engine.height;
  }

  get round(): number {
    return this.engine.round;
  }

  async start(): Promise<void> {
    const state = this.o.executor.state;
    if (state.lastBlockHeight > 0n)
      this.lastCommit = (await this.o.blockStore.commit(state.lastBlockHeight)) ?? null;
    const maxBlockBytes = Number(state.consensusParams.blockMaxBytes);
    this.engine = new ConsensusEngine({
      chainId: this.o.chainId,
      height: state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n,
      clock: { now: () => timestampFromMillis(this.now()) },
      signer: this.o.signer,
      host: this.host(),
      timeouts: this.o.timeouts,
      writeWal: (entry, sync) => this.writeWal(entry, sync),
    });
    const receive = (net: ConsensusChannel) => (peer: string, bytes: Uint8Array) => {
      try {
        const message = decodeConsensusMessage(bytes, maxBlockBytes);
        this.enqueue({ kind: "message", message, from: peer });
      } catch (e) {
        net.punish(peer, `invalid consensus message: ${(e as Error).message}`);
      }
    };
    this.o.votes.onMessage(receive(this.o.votes));
    this.o.proposals.onMessage(receive(this.o.proposals));
    this.o.evidenceNet.onMessage((peer, bytes) => void this.receiveEvidence(peer, bytes));
    const effects = this.engine.replay(this.o.wal.entries);
    this.queue = this.queue.then(() => this.run(effects)).catch((e) => this.fail(e));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.queue;
    this.o.wal.close();
  }

  /**
   * Applies a block decided elsewhere (block sync), serialised with consensus commits, then tells
   * the engine so it moves on to the next height.
   */
  async applySynced(block: Block, bytes: Uint8Array, id: BlockID, commit: Commit): Promise<void> {
    await this.apply(block, bytes, id, commit);
    this.enqueue({ kind: "applied", height: block.header.height });
  }

  private host(): ConsensusHost {
    const { executor, mempool, evidence } = this.o;
    return {
      proposeBlock: (height, _round, lastCommit) => {
        const state = executor.state;
        const maxBytes = Number(state.consensusParams.blockMaxBytes) - BLOCK_OVERHEAD_BYTES;
        const evidenceList = evidence.pending(Number(state.consensusParams.evidenceMaxBytes));
        const block = buildBlock({
          state,
          height,
          time: nextBlockTime(state, timestampFromMillis(this.now())),
          txs: mempool.reap(maxBytes, state.consensusParams.blockMaxGas).map((t) => t.bytes),
          lastCommit: height > state.initialHeight ? (lastCommit ?? this.lastCommit ?? undefined) : undefined,
          evidence: evidenceList,
          proposerAddress: this.o.signer!.address,
        });
        return { block, bytes: BlockCodec.encode(block).finish() };
      },
      validateBlock: (block, bytes) => {
        try {
          validateBlock(executor.state, block, bytes);
          evidence.checkBlockEvidence(block.evidence.evidence);
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      },
      validatorSet: (height) => {
        const s = executor.state;
        const next = s.lastBlockHeight === 0n ? s.initialHeight : s.lastBlockHeight + 1n;
        // The engine moves to a height only once the block before it is applied.
        if (height !== next) throw new Error(`validator set of height ${height} asked at height ${next}`);
        return s.validators;
      },
    };
  }

  private enqueue(input: EngineInput): void {
    if (this.stopped) return;
    this.queue = this.queue
      .then(() => (this.stopped ? undefined : this.run(this.engine.handle(input))))
      .catch((e) => this.fail(e));
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.o.log.error("consensus halted", { error: (e as Error).message });
    this.o.onFatal(e as Error);
  }

  private writeWal(entry: WalEntry, sync: boolean): void {
    this.o.wal.write(entry, sync);
    // The moment crash safety is about: our vote is signed and durable (signer state and WAL,
    // both fsynced) but no peer has it, so only the restarted node can say what it signed.
    if (entry.kind === "message" && entry.own && entry.message.kind === "vote")
      failPoint(
        (entry.message.vote.type as number) === SignedMsgType.Precommit
          ? "precommit-after-wal"
          : "prevote-after-wal",
      );
  }

  private async run(effects: Effect[]): Promise<void> {
    for (const e of effects) {
      if (this.stopped) return;
      switch (e.kind) {
        case "wal":
          this.writeWal(e.entry, e.sync);
          break;
        case "broadcast":
          (e.message.kind === "proposal" ? this.o.proposals : this.o.votes).broadcast(
            encodeConsensusMessage(e.message),
          );
          break;
        case "schedule": {
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.enqueue({ kind: "timeout", height: e.height, round: e.round, step: e.step });
          }, e.ms);
          this.timers.add(t);
          break;
        }
        case "commit":
          await this.apply(e.block, e.blockBytes, e.blockId, e.commit);
          await this.run(this.engine.handle({ kind: "applied", height: e.height }));
          break;
        case "evidence":
          await this.addEvidence(e.evidence, null);
          break;
        case "peer-error":
          this.o.votes.punish(e.peer, e.reason);
          break;
        case "log":
          this.o.log[e.level](e.message, e.fields);
          break;
      }
    }
  }

  private apply(block: Block, bytes: Uint8Array, id: BlockID, commit: Commit): Promise<void> {
    return this.applyLock.run(async () => {
      if (this.o.executor.state.lastBlockHeight >= block.header.height) return; // already applied
      await this.o.executor.apply(block, bytes, id, commit);
      this.lastCommit = commit;
      this.o.log.info("committed block", {
        height: Number(block.header.height),
        txs: block.data.txs.length,
        hash: Buffer.from(id.hash).toString("hex").toUpperCase(),
      });
    });
  }

  private async addEvidence(ev: DuplicateVoteEvidence, from: string | null): Promise<void> {
    try {
      if (await this.o.evidence.add(ev)) {
        this.o.evidenceNet.broadcast(DuplicateVoteEvidence.encode(ev).finish(), from ?? undefined);
        this.o.log.warn("evidence of double signing", { height: Number(ev.voteA?.height ?? 0n) });
      }
    } catch (e) {
      if (from) this.o.evidenceNet.punish(from, `invalid evidence: ${(e as Error).message}`);
      else this.o.log.warn("own evidence refused", { error: (e as Error).message });
    }
  }

  private async receiveEvidence(peer: string, bytes: Uint8Array): Promise<void> {
    let ev: DuplicateVoteEvidence;
    try {
      ev = DuplicateVoteEvidence.decode(bytes);
    } catch (e) {
      this.o.evidenceNet.punish(peer, `undecodable evidence: ${(e as Error).message}`);
      return;
    }
    await this.addEvidence(ev, peer);
  }
}
