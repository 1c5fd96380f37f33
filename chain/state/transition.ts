import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { ConsensusParams } from "../genesis/genesis-doc.ts";
import { ValidatorSet } from "../consensus/engine/proposer.ts";
import { sha256 } from "../crypto/hash.ts";
import {
  type BlockID,
  emptyBlockId,
  type Header,
  type Validator,
  type ValidatorUpdate,
} from "../types/block.ts";
import type { ChainState } from "./chain-state.ts";

/**
 * The state before the first block (CometBFT's MakeGenesisState): the genesis validators, in the
 * order given, decide the initial height, and the same set one increment further the height after.
 */
export function genesisChainState(g: {
  chainId: string;
  initialHeight: bigint;
  genesisTime: Timestamp;
  appHash: Uint8Array;
  validators: readonly Validator[];
  consensusParams: ConsensusParams;
}): ChainState {
  const validators = ValidatorSet.fromGenesis(g.validators);
  return {
    chainId: g.chainId,
    initialHeight: g.initialHeight,
    genesisTime: g.genesisTime,
    lastBlockHeight: 0n,
    lastBlockId: emptyBlockId(),
    lastBlockTime: g.genesisTime,
    appHash: g.appHash,
    lastResultsHash: sha256(),
    lastValidators: null,
    validators,
    nextValidators: validators.next(),
    lastHeightValidatorsChanged: g.initialHeight,
    consensusParams: g.consensusParams,
  };
}

type ValidatorSets = Pick<
  ChainState,
  "lastValidators" | "validators" | "nextValidators" | "lastHeightValidatorsChanged"
>;

/**
 * The validator sets after block `height`. Updates the app returned while executing it change the
 * set of height + 2: height + 1 is already decided by `nextValidators`, whose hash the block carries.
 * Every set's proposer priorities move one step per block.
 */
export function advanceValidators(
  prev: ValidatorSets,
  height: bigint,
  updates: readonly ValidatorUpdate[],
): ValidatorSets {
  const changed = updates.length > 0;
  return {
    lastValidators: prev.validators,
    validators: prev.nextValidators,
    nextValidators: (changed ? prev.nextValidators.withUpdates(updates) : prev.nextValidators.copy()).next(),
    lastHeightValidatorsChanged: changed ? height + 2n : prev.lastHeightValidatorsChanged,
  };
}

/** The state after a block (CometBFT's updateState): a pure function of the state and what the block produced. */
export function nextChainState(
  prev: ChainState,
  o: {
    header: Header;
    blockId: BlockID;
    appHash: Uint8Array;
    lastResultsHash: Uint8Array;
    validatorUpdates: readonly ValidatorUpdate[];
  },
): ChainState {
  return {
    ...prev,
    lastBlockHeight: o.header.height,
    lastBlockId: o.blockId,
    lastBlockTime: o.header.time,
    appHash: o.appHash,
    lastResultsHash: o.lastResultsHash,
    ...advanceValidators(prev, o.header.height, o.validatorUpdates),
  };
}
