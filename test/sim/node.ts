import { ConsensusEngine } from "../../chain/consensus/engine/engine.ts";
import type {
  ConsensusSigner,
  Effect,
  SignatureVerifier,
  TimeoutConfig,
  WalEntry,
} from "../../chain/consensus/engine/types.ts";
import { frameWalEntry, readWalFrames } from "../../chain/consensus/engine/wal-codec.ts";
import type { ValidatorSet } from "../../chain/consensus/engine/proposer.ts";
import type { Ed25519Key } from "../../chain/crypto/ed25519.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";
import { timestampFromMillis } from "../../chain/types/time.ts";
import type { Prng } from "./prng.ts";
import type { Behaviour } from "./schedule.ts";
import { SIM_CHAIN_ID, type SimChain } from "./sim-chain.ts";

export const GENESIS_MS = 1_700_000_000_000;

/** Where a simulated node keeps its WAL: memory frames by default, a real file in some tests. */
export interface SimWal {
  write(entry: WalEntry, sync: boolean): void;
  /** The entries a restart reads back. */
  entries(): WalEntry[];
}

/** The WAL as the encoded frames a file would hold (reset on each height entry). */
export class MemoryWal implements SimWal {
  private frames: Uint8Array[] = [];

  write(entry: WalEntry): void {
    const frame = frameWalEntry(entry);
    if (entry.kind === "height") this.frames = [frame];
    else this.frames.push(frame);
  }

  entries(): WalEntry[] {
    const { entries, error } = readWalFrames(concatBytes(...this.frames));
    if (error) throw new Error(`WAL unreadable: ${error}`);
    return entries;
  }
}

/** A validator's signer as the simulator sees it: it counts refused (double-sign) requests. */
export type SimNodeSigner = ConsensusSigner & { readonly refusals: number };

/**
 * One simulated validator. Its "disk" (chain, WAL frames, signer state) survives a crash; its
 * engine and timers do not.
 */
export class SimNode {
  readonly name: string;
  engine: ConsensusEngine | null = null;
  /** Bumped on crash: timers of a previous life are ignored. */
  generation = 0;
  up = true;
  /** Crash right after the next WAL write of our own vote. */
  crashAfterWalVote = false;
  /** Messages received (raw), for the replaying byzantine behaviour. */
  readonly heard: Uint8Array[] = [];
  /** When each height was committed here. */
  readonly committedAt = new Map<bigint, number>();

  constructor(
    readonly id: number,
    readonly key: Ed25519Key,
    readonly signer: SimNodeSigner,
    readonly wal: SimWal,
    readonly chain: SimChain,
    readonly byzantine: Behaviour[] | null,
    readonly rng: Prng,
  ) {
    this.name = `n${id}`;
  }

  get honest(): boolean {
    return this.byzantine === null;
  }

  /** Creates the engine from the disk and replays the WAL (the same path as a first start). */
  boot(opts: {
    now: () => number;
    timeouts: TimeoutConfig;
    validatorSet: (h: bigint) => ValidatorSet;
    verify: SignatureVerifier;
  }): Effect[] {
    const chain = this.chain;
    this.engine = new ConsensusEngine({
      chainId: SIM_CHAIN_ID,
      height: chain.height + 1n,
      clock: { now: () => timestampFromMillis(GENESIS_MS + opts.now()) },
      signer: this.signer,
      host: {
        proposeBlock: (height, _round, lastCommit) =>
          chain.propose(
            height,
            lastCommit,
            this.rng.bytes(16),
            timestampFromMillis(GENESIS_MS + opts.now()),
            this.signer.address,
          ),
        validateBlock: (block, bytes) => chain.validate(block, bytes),
        validatorSet: opts.validatorSet,
      },
      timeouts: opts.timeouts,
      verify: opts.verify,
    });
    return this.engine.replay(this.wal.entries());
  }

  crash(): void {
    this.up = false;
    this.engine = null;
    this.generation++;
    this.crashAfterWalVote = false;
  }
}

export { SIM_CHAIN_ID };
