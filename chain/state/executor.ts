import { type ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import type { App, TxResult } from "../app/app.ts";
import type { BlockInfo, LastCommitVote } from "../app/context.ts";
import type { AbciEvent } from "../app/events.ts";
import type { BlockStore } from "../blockstore/block-store.ts";
import type { Mempool } from "../mempool/mempool.ts";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { RoundProposers } from "../consensus/engine/proposer.ts";
import { misbehaviorOf } from "../evidence/pool.ts";
import { nextAppHash } from "../store/app-hash.ts";
import type { Write } from "../store/cache-store.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";
import {
  type Block,
  type BlockID,
  BlockIDFlag,
  type Commit,
  resultsHash,
  type ValidatorUpdate,
} from "../types/block.ts";
import { type ChainState, chainStateOp } from "./chain-state.ts";
import { stateOps } from "./prefixes.ts";
import { nextChainState } from "./transition.ts";
import type { ValidatorStore } from "./validator-store.ts";

/** Indexes a committed block's txs; its ops join the block's batch. */
export interface BlockIndexer {
  opsForBlock(height: bigint, txs: Uint8Array[], results: ExecTxResult[]): BatchOp[];
}

export interface CommittedBlock {
  block: Block;
  blockId: BlockID;
  results: ResponseFinalizeBlock;
  state: ChainState;
  /** The round that decided the block (its commit's), whether by consensus or block sync. */
  round: number;
}

export const toExecTxResult = (r: TxResult): ExecTxResult => ({
  code: r.code,
  data: r.data,
  log: r.log,
  info: "",
  gasWanted: r.gasWanted,
  gasUsed: r.gasUsed,
  events: r.events.map(toAbciEvent),
  codespace: r.codespace,
});

const toAbciEvent = (e: AbciEvent) => ({ type: e.type, attributes: e.attributes.map((a) => ({ ...a })) });

export const blockInfoOf = (chainId: string, b: Block): BlockInfo => ({
  chainId,
  height: b.header.height,
  timeSeconds: b.header.time.seconds,
  timeNanos: b.header.time.nanos,
  lastBlockHash: b.header.lastBlockId.hash,
});

/** ABCI's decided_last_commit: the previous block's signers, over the set that decided it. */
function lastCommitVotes(prev: ChainState, block: Block): LastCommitVote[] {
  const set = prev.lastValidators;
  const sigs = block.lastCommit?.signatures;
  if (!set || !sigs) return [];
  return set.validators.map((v, i) => ({
    validatorAddress: v.address,
    power: v.votingPower,
    signed: (sigs[i]?.blockIdFlag ?? BlockIDFlag.BLOCK_ID_FLAG_ABSENT) !== BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
  }));
}

/** The proposers of the rounds of the previous height that came before its deciding round. */
function failedProposers(prev: ChainState, block: Block): Uint8Array[] {
  const set = prev.lastValidators;
  const round = block.lastCommit?.round ?? 0;
  if (!set || round <= 0) return [];
  // Bounded by the commit's round, which consensus caps: a block carrying a huge round is refused there.
  const rounds = new RoundProposers(set);
  return Array.from({ length: Math.min(round, 1000) }, (_, r) => set.validators[rounds.indexAt(r)]!.address);
}

/**
 * Executes a decided block against the app and persists everything it produced (state writes, the
 * block, its commit, results, tx index and the new chain state) in ONE atomic LevelDB batch, so a
 * crash leaves the node at the previous block or at this one, never between (CometBFT's BlockExecutor).
 */
export class BlockExecutor {
  private readonly listeners = new Set<(c: CommittedBlock) => void>();

  constructor(
    private readonly deps: {
      db: LevelDB;
      app: App;
      blockStore: BlockStore;
      indexer: BlockIndexer;
      mempool: Mempool;
      validators: ValidatorStore;
      /** The committed-state read cache, updated once the block is durable. */
      stateCache?: { applyCommitted(writes: Write[]): void };
      /** Remembers committed evidence (in the block's batch) so it is never punished twice. */
      evidence?: { commitOps(evidence: Evidence[]): BatchOp[]; markCommitted(evidence: Evidence[]): void };
    },
    private current: ChainState,
  ) {}

  get state(): ChainState {
    return this.current;
  }

  onCommit(listener: (c: CommittedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async apply(
    block: Block,
    blockBytes: Uint8Array,
    blockId: BlockID,
    commit: Commit,
  ): Promise<CommittedBlock> {
    const { app, db, blockStore, indexer, mempool } = this.deps;
    const prev = this.current;
    const height = block.header.height;
    const info: BlockInfo = {
      ...blockInfoOf(prev.chainId, block),
      misbehavior: misbehaviorOf(block.evidence.evidence),
      proposerAddress: block.header.proposerAddress,
      lastCommit: lastCommitVotes(prev, block),
      lastFailedProposers: failedProposers(prev, block),
    };
    const txResults: ExecTxResult[] = [];
    let writes: ReturnType<App["commit"]>;
    let validatorUpdates: ValidatorUpdate[];
    let state: ChainState;
    let appHash: Uint8Array;
    try {
      await app.beginBlock(info);
      for (const tx of block.data.txs) txResults.push(toExecTxResult(await app.deliverTx(tx)));
      validatorUpdates = await app.endBlock();
      writes = app.commit();
      appHash = nextAppHash(prev.appHash, height, writes.writes);
      // Throws on updates CometBFT would refuse (unknown removal, empty set, overflow): every honest
      // node runs the same app and halts on the same block rather than diverge.
      state = nextChainState(prev, {
        header: block.header,
        blockId,
        appHash,
        lastResultsHash: resultsHash(txResults),
        validatorUpdates,
      });
    } catch (e) {
      app.abortBlock();
      throw e;
    }
    const results = ResponseFinalizeBlock.fromPartial({
      events: writes.events.map(toAbciEvent),
      txResults,
      validatorUpdates: validatorUpdates.map((u) => ({ pubKey: { ed25519: u.pubKey }, power: u.power })),
      appHash,
    });
    const ops: BatchOp[] = stateOps(writes.writes);
    const meta = {
      blockId,
      blockSize: BigInt(blockBytes.length),
      header: block.header,
      numTxs: BigInt(block.data.txs.length),
    };
    ops.push(...blockStore.opsFor({ block, blockBytes, meta, commit, results }));
    ops.push(...indexer.opsForBlock(height, block.data.txs, txResults));
    if (this.deps.evidence) ops.push(...this.deps.evidence.commitOps(block.evidence.evidence));
    ops.push(...this.deps.validators.opsFor(state));
    ops.push(chainStateOp(state));
    await db.write(ops);
    this.deps.validators.committed(state);
    this.deps.evidence?.markCommitted(block.evidence.evidence);
    this.deps.stateCache?.applyCommitted(writes.writes);
    this.current = state;
    await mempool.update(block.data.txs, () => app.afterCommit(info));
    const committed = { block, blockId, results, state, round: commit.round };
    for (const l of this.listeners) {
      try {
        l(committed);
      } catch {
        // A subscriber's failure must not stop block production.
      }
    }
    return committed;
  }
}

export const encodeBlock = (b: Block) => BlockCodec.encode(b).finish();
