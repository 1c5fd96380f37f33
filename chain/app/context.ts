import { utf8 } from "../crypto/hash.ts";
import { CacheStore } from "../store/cache-store.ts";
import { GasStore } from "../store/gas-store.ts";
import type { KVStore } from "../store/kv.ts";
import { PrefixStore } from "../store/prefix-store.ts";
import { EventManager } from "./events.ts";
import type { GasMeter } from "./gas.ts";

/** Why the state machine is running: CheckTx, simulation, block execution, genesis or a query. */
export type ExecMode = "check" | "recheck" | "simulate" | "deliver" | "genesis" | "query";

export interface BlockInfo {
  chainId: string;
  height: bigint;
  /** Block time from the header (never the wall clock): unix seconds and nanos. */
  timeSeconds: bigint;
  timeNanos: number;
  /**
   * Misbehaviour proven by the evidence in this block (ABCI's FinalizeBlock misbehavior), for the
   * modules that punish it (staking, reputation) in their begin-block hook.
   */
  misbehavior?: Misbehavior[];
  /**
   * Hash of the previous block (the header's last_block_id; empty for the first block): the only
   * randomness the state machine may use, as seeds (fl committees).
   */
  lastBlockHash?: Uint8Array;
  /** Consensus address of the block's proposer (20 bytes). */
  proposerAddress?: Uint8Array;
  /**
   * Who signed the previous block (ABCI's decided_last_commit): one entry per member of the set that
   * decided it, in set order, for liveness tracking (slashing) and reputation.
   */
  lastCommit?: LastCommitVote[];
  /**
   * Consensus addresses of the previous height's proposers whose rounds ended without a decision
   * (rounds before the one its last_commit was made in), for reputation.
   */
  lastFailedProposers?: Uint8Array[];
}

export interface LastCommitVote {
  /** Consensus address (20 bytes). */
  validatorAddress: Uint8Array;
  power: bigint;
  /** A precommit of the validator's is in the commit (flag COMMIT or NIL): it was live, as x/slashing counts. */
  signed: boolean;
}

export interface Misbehavior {
  type: "duplicate_vote";
  /** Consensus address of the validator (20 bytes). */
  validatorAddress: Uint8Array;
  validatorPower: bigint;
  /** Height of the equivocation. */
  height: bigint;
  timeSeconds: bigint;
  totalVotingPower: bigint;
}

/**
 * What a message handler, query handler or block hook sees: the block, its gas meter, an event sink,
 * and the state, of which each module reaches only its own prefix through kv(storeKey).
 */
export class Context {
  readonly events = new EventManager();

  constructor(
    readonly block: BlockInfo,
    readonly mode: ExecMode,
    readonly gas: GasMeter,
    private readonly root: KVStore,
  ) {}

  /** The module's state: prefixed with its store key, metered against this context's gas. */
  kv(storeKey: string): KVStore {
    return new PrefixStore(new GasStore(this.root, this.gas), storeKeyPrefix(storeKey));
  }

  /** The same block and gas meter over another store (a nested cache for one message). */
  withStore(root: KVStore): Context {
    return new Context(this.block, this.mode, this.gas, root);
  }

  /** A throwaway branch of this context's state, metered by the same gas meter. */
  branch(): Context {
    return new Context(this.block, this.mode, this.gas, new CacheStore(this.root));
  }

  get isCheck(): boolean {
    return this.mode === "check" || this.mode === "recheck";
  }
}

export const storeKeyPrefix = (storeKey: string) => utf8(`${storeKey}/`);
