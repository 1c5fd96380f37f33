import type { SlashingParams } from "./params.ts";

// The arithmetic of the liveness window (x/slashing/keeper/infractions.go), as pure functions.

/** sdk.ValidatorUpdateDelay: an update returned by EndBlock at H decides the set from H + 2. */
export const VALIDATOR_UPDATE_DELAY = 1n;

/** MinSignedPerWindow (keeper/params.go): MulInt64(window).RoundInt64(), half to even. */
export const minSignedPerWindow = (p: SlashingParams) =>
  p.minSignedPerWindow.mulInt(p.signedBlocksWindow).roundInt();

/** maxMissed: a validator is punished once it has missed more than this many of its window. */
export const maxMissedBlocks = (p: SlashingParams) => p.signedBlocksWindow - minSignedPerWindow(p);

/** The bit of the circular window a vote lands on: IndexOffset % SignedBlocksWindow. */
export const windowIndex = (indexOffset: bigint, window: bigint) => indexOffset % window;

/**
 * MissedBlocksCounter after a vote: `previous` is the bit the vote overwrites (the same index one
 * window ago), so the counter is always the number of bits set.
 */
export function missedCounterAfter(counter: bigint, previous: boolean, missed: boolean): bigint {
  if (missed && !previous) return counter + 1n;
  if (!missed && previous) return counter - 1n;
  return counter;
}

/** Downtime: past the validator's first full window (minHeight), and more missed than allowed. */
export const isDowntime = (p: SlashingParams, height: bigint, startHeight: bigint, missedCounter: bigint) =>
  height > startHeight + p.signedBlocksWindow && missedCounter > maxMissedBlocks(p);

/**
 * The height whose stake a downtime slash takes from: the last commit is of height - 1, and its
 * validator set was decided ValidatorUpdateDelay before that. May be negative near genesis: it only
 * filters unbondings and redelegations.
 */
export const downtimeDistributionHeight = (height: bigint) => height - VALIDATOR_UPDATE_DELAY - 1n;

/** The height whose stake an equivocation at `infractionHeight` is slashed from (x/evidence). */
export const equivocationDistributionHeight = (infractionHeight: bigint) =>
  infractionHeight - VALIDATOR_UPDATE_DELAY;
