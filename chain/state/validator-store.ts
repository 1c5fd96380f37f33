import { heightKey } from "../blockstore/block-store.ts";
import type { ValidatorSet } from "../consensus/engine/proposer.ts";
import { utf8 } from "../crypto/hash.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";
import type { Validator } from "../types/block.ts";
import { type ChainState, validatorSetFromJson, validatorSetToJson } from "./chain-state.ts";

const PREFIX = utf8("v/");
/**
 * A full set is also written every this many heights when it does not change, so rebuilding one
 * height's priorities never replays more than this many increments (CometBFT's
 * valSetCheckpointInterval, smaller because rebuilding here is done one block at a time).
 */
export const VALIDATOR_CHECKPOINT_INTERVAL = 1000n;

const decode = (raw: Uint8Array) => validatorSetFromJson(JSON.parse(Buffer.from(raw).toString("utf8")));
const encode = (set: ValidatorSet) => utf8(JSON.stringify(validatorSetToJson(set)));

/**
 * The validator set of every height (CometBFT's state store ValidatorsInfo), for RPC `/validators`,
 * light clients and evidence. A full set is recorded where it changed and at checkpoints; the set of
 * a height in between is the record before it moved on one proposer-priority step per block.
 * Records join each block's atomic batch. Membership within the evidence window is also kept in
 * memory, since evidence inside a proposed block is checked synchronously.
 */
export class ValidatorStore {
  /** Records at and after the evidence window's start, ascending by height. */
  private recent: { height: bigint; validators: readonly Validator[] }[] = [];

  constructor(
    private readonly db: LevelDB,
    /** How far back membership stays in memory (consensus param evidence.max_age_num_blocks). */
    private readonly windowBlocks: bigint,
  ) {}

  /** Loads the records the in-memory window needs; call once with the state the node starts from. */
  async open(state: ChainState): Promise<void> {
    const from = state.lastBlockHeight - this.windowBlocks;
    const found: { height: bigint; validators: readonly Validator[] }[] = [];
    const end = heightKey(PREFIX, state.lastBlockHeight + 3n);
    for await (const [k, v] of this.db.iterate(PREFIX, end, true)) {
      const height = Buffer.from(k).readBigUInt64BE(PREFIX.length);
      found.unshift({ height, validators: decode(v).validators });
      if (height <= from) break;
    }
    this.recent = found;
  }

  /** The record a state adds: its set at genesis, else its next set where it changed or at checkpoints. */
  private recordOf(state: ChainState): { height: bigint; set: ValidatorSet } | undefined {
    if (state.lastBlockHeight === 0n) return { height: state.initialHeight, set: state.validators };
    const height = state.lastBlockHeight + 2n;
    if (state.lastHeightValidatorsChanged === height || height % VALIDATOR_CHECKPOINT_INTERVAL === 0n)
      return { height, set: state.nextValidators };
    return undefined;
  }

  /** The batch operations that record `state`'s sets; they join the block's batch. */
  opsFor(state: ChainState): BatchOp[] {
    const r = this.recordOf(state);
    return r ? [{ type: "put", key: heightKey(PREFIX, r.height), value: encode(r.set) }] : [];
  }

  /** Once the state's batch is durable: keeps the in-memory window up to date. */
  committed(state: ChainState): void {
    const r = this.recordOf(state);
    if (r) this.recent.push({ height: r.height, validators: r.set.validators });
    const from = state.lastBlockHeight - this.windowBlocks;
    while (this.recent.length > 1 && this.recent[1]!.height <= from) this.recent.shift();
  }

  /** The members of `height`'s set, if the height is inside the evidence window. */
  membersAt(height: bigint): readonly Validator[] | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--)
      if (this.recent[i]!.height <= height) return this.recent[i]!.validators;
    return undefined;
  }

  /** The set deciding `height`, with its proposer priorities; undefined beyond what `state` knows. */
  async setAt(height: bigint, state: ChainState): Promise<ValidatorSet | undefined> {
    if (height < state.initialHeight || height > state.lastBlockHeight + 2n) return undefined;
    for await (const [k, v] of this.db.iterate(PREFIX, heightKey(PREFIX, height + 1n), true)) {
      let set = decode(v);
      for (let h = Buffer.from(k).readBigUInt64BE(PREFIX.length); h < height; h++) set = set.next();
      return set;
    }
    return undefined;
  }
}
