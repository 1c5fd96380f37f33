import type { Vote } from "cosmjs-types/tendermint/types/types";
import { SignedMsgType } from "../../types/vote.ts";
import { type HeightState, type LastHeight, ownKey } from "./height-state.ts";
import { blockKey } from "./ids.ts";
import { type ConsensusMessage, RoundStep } from "./types.ts";

/**
 * What a node re-sends on each gossip tick, for links that lose messages (the paper assumes
 * gossip: what a correct node received, every correct node eventually receives): the current
 * round's proposals (with the proof-of-lock prevotes when one re-proposes a block), our votes of
 * this round and the previous one (a peer still there needs them to finish it), the decision's
 * proposal and precommits, and while the new height is young, the last block's for laggards.
 */
export function gossipMessages(hs: HeightState, last: LastHeight | null): ConsensusMessage[] {
  const msgs: ConsensusMessage[] = [];
  if (hs.step !== RoundStep.NewHeight) {
    for (const sp of hs.proposalsAt(hs.round)) {
      msgs.push(sp.message);
      const vr = sp.message.proposal.polRound;
      if (vr >= 0)
        for (const vote of hs.votes.prevotes(vr)?.votesFor(sp.key) ?? []) msgs.push({ kind: "vote", vote });
    }
    for (const r of [hs.round - 1, hs.round])
      for (const t of [SignedMsgType.Prevote, SignedMsgType.Precommit] as const) {
        const m = hs.own.get(ownKey(r, t));
        if (m) msgs.push(m);
      }
    if (hs.decided) {
      const sp = hs.proposalFor(hs.decided.key);
      if (sp) msgs.push(sp.message);
      for (const vote of hs.votes.precommits(hs.decided.round)?.votesFor(hs.decided.key) ?? [])
        msgs.push({ kind: "vote", vote });
    }
  }
  if (last && last.height === hs.height - 1n && (hs.step === RoundStep.NewHeight || hs.round === 0)) {
    if (last.proposal) msgs.push(last.proposal);
    for (const vote of last.precommits.votesFor(blockKey(last.blockId))) msgs.push({ kind: "vote", vote });
  }
  const seen = new Set<ConsensusMessage | Vote>();
  return msgs.filter((m) => {
    const id = m.kind === "vote" ? m.vote : m;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
