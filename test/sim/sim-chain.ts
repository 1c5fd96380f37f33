import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import type { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import { buildBlock, nextBlockTime } from "../../chain/consensus/block-builder.ts";
import { validateBlock } from "../../chain/consensus/validate-block.ts";
import { evidenceKey, verifyDuplicateVote } from "../../chain/evidence/verify.ts";
import { DEFAULT_CONSENSUS_PARAMS } from "../../chain/genesis/genesis-doc.ts";
import { sha256, toHexUpper, utf8 } from "../../chain/crypto/hash.ts";
import type { ChainState } from "../../chain/state/chain-state.ts";
import { genesisChainState, nextChainState } from "../../chain/state/transition.ts";
import type { Block, BlockID, Commit, Validator, ValidatorUpdate } from "../../chain/types/block.ts";

export interface StoredBlock {
  block: Block;
  bytes: Uint8Array;
  blockId: BlockID;
  commit: Commit;
}

export const SIM_CHAIN_ID = "cifer-sim";

export function simGenesisState(validators: Validator[], genesisTime: Timestamp): ChainState {
  return genesisChainState({
    chainId: SIM_CHAIN_ID,
    initialHeight: 1n,
    genesisTime,
    appHash: sha256(utf8("cifer-sim-app")),
    validators,
    consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, blockMaxBytes: 65_536n },
  });
}

/** The simulated app's EndBlock: validator updates by height (none by default). */
export type UpdatesAt = (height: bigint) => ValidatorUpdate[];

/**
 * The host side of a simulated node (its "disk"): the chain of applied blocks with their commits,
 * the state the next block builds on, and an evidence pool whose evidence goes into the blocks it
 * proposes. Blocks are built and checked by the node's own buildBlock/validateBlock.
 */
export class SimChain {
  readonly blocks: StoredBlock[] = [];
  readonly pendingEvidence = new Map<string, DuplicateVoteEvidence>();
  readonly committedEvidence = new Map<string, bigint>();

  /**
   * validationMemo: results shared by the simulated nodes, keyed by the block and the last block
   * id - the state a block is checked against is a function of the chain it extends.
   */
  private readonly validationMemo: Map<string, string | null> | undefined;
  private readonly updatesAt: UpdatesAt;
  /** Members of a height's set, to check evidence from that height. */
  private readonly validatorsAt: (height: bigint) => readonly Validator[];

  constructor(
    public state: ChainState,
    o: {
      validationMemo?: Map<string, string | null>;
      updatesAt?: UpdatesAt;
      validatorsAt?: (height: bigint) => readonly Validator[];
    } = {},
  ) {
    this.validationMemo = o.validationMemo;
    this.updatesAt = o.updatesAt ?? (() => []);
    this.validatorsAt = o.validatorsAt ?? (() => this.state.validators.validators);
  }

  get height(): bigint {
    return this.state.lastBlockHeight;
  }

  commitAt(height: bigint): Commit | undefined {
    return this.blocks[Number(height) - 1]?.commit;
  }

  propose(
    height: bigint,
    lastCommit: Commit | null,
    payload: Uint8Array,
    now: Timestamp,
    proposer: Uint8Array,
  ): { block: Block; bytes: Uint8Array } {
    if (height !== this.height + 1n) throw new Error(`asked to propose ${height} at ${this.height}`);
    const evidence = [...this.pendingEvidence.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, ev]) => ({ duplicateVoteEvidence: ev }));
    const block = buildBlock({
      state: this.state,
      height,
      time: nextBlockTime(this.state, now),
      txs: [payload],
      lastCommit: lastCommit ?? (height > 1n ? this.commitAt(height - 1n) : undefined),
      evidence,
      proposerAddress: proposer,
    });
    return { block, bytes: BlockCodec.encode(block).finish() };
  }

  /** null if the block may follow our state, else why not. */
  validate(block: Block, bytes: Uint8Array): string | null {
    const key =
      this.validationMemo && `${toHexUpper(this.state.lastBlockId.hash)}/${toHexUpper(sha256(bytes))}`;
    const known = key ? this.validationMemo!.get(key) : undefined;
    if (known !== undefined) return known;
    const why = this.check(block, bytes);
    if (key) this.validationMemo!.set(key, why);
    return why;
  }

  private check(block: Block, bytes: Uint8Array): string | null {
    try {
      validateBlock(this.state, block, bytes);
    } catch (e) {
      return (e as Error).message;
    }
    const seen = new Set<string>();
    for (const e of block.evidence.evidence) {
      const ev = e.duplicateVoteEvidence;
      if (!ev) return "only duplicate-vote evidence is known";
      try {
        verifyDuplicateVote(this.state.chainId, ev, this.validatorsAt(ev.voteA?.height ?? 0n));
      } catch (err) {
        return `bad evidence: ${(err as Error).message}`;
      }
      const key = evidenceKey(ev);
      if (seen.has(key) || this.committedEvidence.has(key)) return "evidence already committed";
      seen.add(key);
    }
    return null;
  }

  /** Adds verified evidence to the pool; false if known, invalid or already committed. */
  addEvidence(ev: DuplicateVoteEvidence): boolean {
    const key = evidenceKey(ev);
    if (this.pendingEvidence.has(key) || this.committedEvidence.has(key)) return false;
    try {
      verifyDuplicateVote(this.state.chainId, ev, this.validatorsAt(ev.voteA?.height ?? 0n));
    } catch {
      return false;
    }
    this.pendingEvidence.set(key, ev);
    return true;
  }

  apply(stored: StoredBlock): void {
    const h = stored.block.header;
    if (h.height !== this.height + 1n) throw new Error(`applying ${h.height} on ${this.height}`);
    for (const e of stored.block.evidence.evidence) {
      const key = evidenceKey(e.duplicateVoteEvidence!);
      this.committedEvidence.set(key, h.height);
      this.pendingEvidence.delete(key);
    }
    this.blocks.push(stored);
    // The simulated app's state never changes: only the block and its validator updates move it.
    this.state = nextChainState(this.state, {
      header: h,
      blockId: stored.blockId,
      appHash: this.state.appHash,
      lastResultsHash: this.state.lastResultsHash,
      validatorUpdates: this.updatesAt(h.height),
    });
  }
}
