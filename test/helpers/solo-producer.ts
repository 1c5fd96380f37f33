import { existsSync, readFileSync } from "node:fs";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import type { BlockStore } from "../../chain/blockstore/block-store.ts";
import type { Mempool } from "../../chain/mempool/mempool.ts";
import type { BlockExecutor } from "../../chain/state/executor.ts";
import { type Block, BlockIDFlag, blockId, type Commit } from "../../chain/types/block.ts";
import { timestampFromMillis } from "../../chain/types/time.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";
import { writeFileAtomicSync } from "../../chain/util/fs.ts";
import { BLOCK_OVERHEAD_BYTES, buildBlock, nextBlockTime } from "../../chain/consensus/block-builder.ts";
import { type FilePrivValidator, SignStep } from "../../chain/consensus/priv-validator.ts";
import { absentCommitSig } from "../../chain/consensus/engine/commit.ts";

export interface SoloProducerOptions {
  executor: BlockExecutor;
  blockStore: BlockStore;
  mempool: Mempool;
  signer: FilePrivValidator;
  /** Other validators' signers: they precommit too when the set deciding a height includes them. */
  cosigners?: FilePrivValidator[];
  intervalMs: number;
  /** Where a signed but not yet committed block is kept, so a restart re-proposes the same block. */
  pendingBlockPath: string;
  /** Injected clock (ms since epoch): block time is the proposer's clock, made strictly increasing. */
  now?: () => number;
  onError?: (e: Error) => void;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Test chain generator: one validator builds a block from the mempool, signs its precommit, and
 * executes and commits it, without the consensus engine or a network. Blocks and commits have the
 * format the engine produces, so tests can make real chains quickly (block sync, indexer, executor).
 */
export class SoloProducer {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: SoloProducerOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = this.now();
      this.inFlight = this.produceOne()
        .then(() => this.schedule(Math.max(0, this.o.intervalMs - (this.now() - started))))
        .catch((e: Error) => {
          this.stopped = true;
          this.o.onError?.(e);
        })
        .finally(() => {
          this.inFlight = null;
        });
    }, delay);
  }

  /** Proposes, signs, executes and commits the next block. */
  async produceOne(): Promise<void> {
    const { executor, signer } = this.o;
    const state = executor.state;
    const height = state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
    const block = this.pendingFor(height) ?? (await this.propose(height));
    const blockBytes = BlockCodec.encode(block).finish();
    const id = blockId(block.header, blockBytes);
    const signBytes = voteSignBytes(state.chainId, SignedMsgType.Precommit, height, 0, id, block.header.time);
    const signers = [signer, ...(this.o.cosigners ?? [])];
    // One CommitSig per member of the height's set, in set order; members without a signer here are absent.
    const commit: Commit = {
      height,
      round: 0,
      blockId: id,
      signatures: state.validators.validators.map((v) => {
        const s = signers.find((x) => Buffer.compare(x.address, v.address) === 0);
        return s
          ? {
              blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
              validatorAddress: s.address,
              timestamp: block.header.time,
              signature: s.sign(height, 0, SignStep.Precommit, signBytes),
            }
          : absentCommitSig();
      }),
    };
    await executor.apply(block, blockBytes, id, commit);
    this.o.log?.("committed block", {
      height: Number(height),
      txs: block.data.txs.length,
      hash: Buffer.from(id.hash).toString("hex").toUpperCase(),
    });
  }

  private pendingFor(height: bigint): Block | undefined {
    if (!existsSync(this.o.pendingBlockPath)) return undefined;
    try {
      const b = BlockCodec.decode(readFileSync(this.o.pendingBlockPath));
      return b.header.height === height ? b : undefined;
    } catch {
      return undefined;
    }
  }

  private async propose(height: bigint): Promise<Block> {
    const { executor, mempool, blockStore, signer } = this.o;
    const state = executor.state;
    const maxBytes = Number(state.consensusParams.blockMaxBytes) - BLOCK_OVERHEAD_BYTES;
    const block = buildBlock({
      state,
      height,
      time: nextBlockTime(state, timestampFromMillis(this.now())),
      txs: mempool.reap(maxBytes, state.consensusParams.blockMaxGas).map((t) => t.bytes),
      lastCommit: height > state.initialHeight ? await blockStore.commit(height - 1n) : undefined,
      proposerAddress: signer.address,
    });
    writeFileAtomicSync(this.o.pendingBlockPath, BlockCodec.encode(block).finish());
    return block;
  }
}
