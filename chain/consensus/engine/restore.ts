import type { Vote } from "cosmjs-types/tendermint/types/types";
import { SignedMsgType } from "../../types/vote.ts";
import { blockRefFromBytes, type HeightState } from "./height-state.ts";
import { blockKey } from "./ids.ts";
import type { WalEntry } from "./types.ts";

/**
 * Before a WAL is replayed: the lock implied by our latest precommit for a block (L38-39 ran when
 * we signed it), with that block from the proposal that carried it, so that nothing replayed or
 * signed afterwards - even from a compacted WAL - can contradict it. Our own messages must already
 * be in hs.own.
 */
export function restoreLock(hs: HeightState, entries: readonly WalEntry[]): void {
  let best: Vote | undefined;
  for (const m of hs.own.values()) {
    if (m.kind !== "vote" || (m.vote.type as number) !== SignedMsgType.Precommit) continue;
    if (m.vote.blockId.hash.length > 0 && (!best || m.vote.round > best.round)) best = m.vote;
  }
  if (!best) return;
  const key = blockKey(best.blockId);
  for (const e of entries) {
    if (e.kind !== "message" || e.message.kind !== "proposal") continue;
    if (blockKey(e.message.proposal.blockId) !== key) continue;
    const ref = blockRefFromBytes(e.message.block, e.message.proposal.blockId);
    if (ref) hs.blocks.set(ref.key, ref);
    break;
  }
  hs.lock(best.round, key);
  if (hs.blocks.has(key)) hs.setValid(best.round, key);
}
