import { existsSync, readFileSync } from "node:fs";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import type { BlockStore } from "../blockstore/block-store.ts";
import { sha256 } from "../crypto/hash.ts";
import { merkleRoot } from "../crypto/merkle.ts";
import type { Mempool } from "../mempool/mempool.ts";
import type { BlockExecutor } from "../state/executor.ts";
import {
  BLOCK_PROTOCOL,
  type Block,
  BlockIDFlag,
  blockId,
  type Commit,
  commitHash,
  consensusParamsHash,
  dataHash,
  emptyBlockId,
  validatorsHash,
} from "../types/block.ts";
import { compareTimestamps, timestampFromMillis } from "../types/time.ts";
import { SignedMsgType, voteSignBytes } from "../types/vote.ts";
import { writeFileAtomicSync } from "../util/fs.ts";
import { type FilePrivValidator, SignStep } from "./priv-validator.ts";

export interface SoloProducerOptions {
  executor: BlockExecutor;
  blockStore: BlockStore;
  mempool: Mempool;
  signer: FilePrivValidator;
  intervalMs: number;
  /** Where a signed but not yet committed block is kept, so a restart re-proposes the same block. */
  pendingBlockPath: string;
  /** Injected clock (ms since epoch): block time is the proposer's clock, made strictly increasing. */
  now?: () => number;
  onError?: (e: Error) => void;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Block production by a single validator: build a block from the mempool, sign its precommit with
 * the validator key, execute and commit it. Blocks and commits have exactly the format the
 * multi-validator engine will produce; only the agreement step is trivial here.
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
    const signature = signer.sign(height, 0, SignStep.Precommit, signBytes);
    const commit: Commit = {
      height,
      round: 0,
      blockId: id,
      signatures: [
        {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
          validatorAddress: signer.address,
          timestamp: block.header.time,
          signature,
        },
      ],
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
    const params = state.consensusParams;
    let time = timestampFromMillis(this.now());
    if (state.lastBlockHeight > 0n && compareTimestamps(time, state.lastBlockTime) <= 0) {
      time = { seconds: state.lastBlockTime.seconds, nanos: state.lastBlockTime.nanos + 1_000_000 };
      if (time.nanos >= 1_000_000_000)
        time = { seconds: time.seconds + 1n, nanos: time.nanos - 1_000_000_000 };
    }
    // Leave room for the header and last commit in the byte limit.
    const txs = mempool.reap(Number(params.blockMaxBytes) - 16_384, params.blockMaxGas).map((t) => t.bytes);
    const lastCommit = height > state.initialHeight ? await blockStore.commit(height - 1n) : undefined;
    const vhash = validatorsHash(state.validators);
    const block: Block = {
      header: {
        version: { block: BLOCK_PROTOCOL, app: 0n },
        chainId: state.chainId,
        height,
        time,
        lastBlockId: state.lastBlockHeight > 0n ? state.lastBlockId : emptyBlockId(),
        lastCommitHash: commitHash(lastCommit),
        dataHash: dataHash(txs),
        validatorsHash: vhash,
        nextValidatorsHash: vhash,
        consensusHash: consensusParamsHash(params.blockMaxBytes, params.blockMaxGas),
        appHash: state.appHash,
        lastResultsHash: state.lastBlockHeight > 0n ? state.lastResultsHash : sha256(),
        evidenceHash: merkleRoot([]),
        proposerAddress: signer.address,
      },
      data: { txs },
      evidence: { evidence: [] },
      lastCommit: lastCommit ?? { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] },
    };
    writeFileAtomicSync(this.o.pendingBlockPath, BlockCodec.encode(block).finish());
    return block;
  }
}
