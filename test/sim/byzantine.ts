import { encodeConsensusMessage } from "../../chain/consensus/engine/messages.ts";
import type { ConsensusMessage } from "../../chain/consensus/engine/types.ts";
import { ed25519Address, type Ed25519Key, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { blockId, emptyBlockId } from "../../chain/types/block.ts";
import { proposalSignBytes, SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";
import type { SimNode } from "./node.ts";
import type { Prng } from "./prng.ts";
import { SIM_CHAIN_ID } from "./sim-chain.ts";

/** What byzantine code may use of the simulated world. */
export interface ByzantineNet {
  readonly now: number;
  readonly rng: Prng;
  readonly nodes: readonly SimNode[];
  readonly liveFrom: number;
  sendRaw(from: SimNode | "intruder", to: SimNode, bytes: Uint8Array, forged?: boolean): void;
}

/** A second, conflicting proposal for the same height and round: another block. */
function altProposal(
  node: SimNode,
  msg: Extract<ConsensusMessage, { kind: "proposal" }>,
): ConsensusMessage | null {
  const p = msg.proposal;
  if (node.chain.height + 1n !== p.height) return null;
  const built = node.chain.propose(p.height, null, node.rng.bytes(16), p.timestamp, node.signer.address);
  const id = blockId(built.block.header, built.bytes);
  const bytes = proposalSignBytes(SIM_CHAIN_ID, p.height, p.round, p.polRound, id, p.timestamp);
  return {
    kind: "proposal",
    proposal: { ...p, blockId: id, signature: signEd25519(node.key, bytes) },
    block: built.bytes,
  };
}

/** A second, conflicting vote: nil if the first was for a block, else for a made-up block. */
function altVote(node: SimNode, msg: Extract<ConsensusMessage, { kind: "vote" }>): ConsensusMessage {
  const v = msg.vote;
  const wasNil = v.blockId.hash.length === 0;
  const id = wasNil
    ? { hash: node.rng.bytes(32), partSetHeader: { total: 1, hash: node.rng.bytes(32) } }
    : emptyBlockId();
  const bytes = voteSignBytes(
    SIM_CHAIN_ID,
    v.type as number as SignedMsgType,
    v.height,
    v.round,
    wasNil ? id : null,
    v.timestamp,
  );
  return { kind: "vote", vote: { ...v, blockId: id, signature: signEd25519(node.key, bytes) } };
}

/**
 * The vote that best splits peer p: for the block p itself voted for in that round (or the block
 * of the proposal it holds), or nil. An omniscient adversary: the simulator lets it look.
 */
function adaptiveVote(
  node: SimNode,
  p: SimNode,
  msg: Extract<ConsensusMessage, { kind: "vote" }>,
  rng: Prng,
) {
  const v = msg.vote;
  const e = p.engine;
  const choice = rng.int(3);
  if (choice === 0 || !e || e.height !== v.height) return msg;
  let id = emptyBlockId();
  if (choice === 1) {
    const theirs = e.ownMessage(v.round, v.type as number as SignedMsgType.Prevote);
    if (theirs?.kind === "vote") id = theirs.vote.blockId;
    else {
      const prop = e.proposals(v.round)[0];
      if (!prop) return msg;
      id = prop.proposal.blockId;
    }
  }
  const nil = id.hash.length === 0;
  const bytes = voteSignBytes(
    SIM_CHAIN_ID,
    v.type as number as SignedMsgType,
    v.height,
    v.round,
    nil ? null : id,
    v.timestamp,
  );
  const vote = { ...v, blockId: id, signature: signEd25519(node.key, bytes) };
  return { kind: "vote" as const, vote };
}

function corruptSignature(m: ConsensusMessage): ConsensusMessage {
  const flip = (s: Uint8Array) => {
    const c = new Uint8Array(s);
    c[0] = (c[0] ?? 0) ^ 1;
    return c;
  };
  return m.kind === "vote"
    ? { kind: "vote", vote: { ...m.vote, signature: flip(m.vote.signature) } }
    : { ...m, proposal: { ...m.proposal, signature: flip(m.proposal.signature) } };
}

/**
 * Sends a byzantine validator's message: equivocating proposals and votes split across peers
 * (some peers get both), corrupted signatures, replays of old messages, or nothing at all.
 * After `liveFrom` every byzantine validator falls silent (withholding, still within f).
 */
export function byzantineBroadcast(net: ByzantineNet, node: SimNode, msg: ConsensusMessage): void {
  const b = node.byzantine!;
  if (b.includes("silent") || net.now >= net.liveFrom) return;
  const rng = net.rng;
  const peers = net.nodes.filter((p) => p !== node);
  let alt: ConsensusMessage | null = null;
  if (msg.kind === "proposal" && b.includes("equivocate-proposal")) alt = altProposal(node, msg);
  if (msg.kind === "vote" && b.includes("double-vote") && rng.chance(700)) alt = altVote(node, msg);
  for (const p of peers) {
    let variants: ConsensusMessage[] = [msg];
    if (msg.kind === "vote" && b.includes("adaptive-votes")) variants = [adaptiveVote(node, p, msg, rng)];
    else if (alt) {
      const roll = rng.int(10);
      variants = roll < 4 ? [msg] : roll < 8 ? [alt] : rng.shuffle([msg, alt]);
    }
    for (const v of variants) {
      const bad = b.includes("bad-signature") && rng.chance(300);
      net.sendRaw(node, p, encodeConsensusMessage(bad ? corruptSignature(v) : v));
    }
  }
  if (b.includes("replay") && node.heard.length > 0)
    for (let i = rng.range(1, 3); i > 0; i--) net.sendRaw(node, rng.pick(peers), rng.pick(node.heard));
}

/**
 * A node outside the validator set forging messages at a target's current height and round:
 * votes under its own address, votes claiming a validator's address, proposals it has no right
 * to make, and garbage. Forged votes must all be refused and reported.
 */
export function intruderAct(net: ByzantineNet, key: Ed25519Key): void {
  const targets = net.nodes.filter((n) => n.honest && n.up && n.engine);
  if (targets.length === 0) return;
  const rng = net.rng;
  const t = rng.pick(targets);
  const engine = t.engine!;
  const h = engine.height;
  const r = engine.round;
  const vals = t.chain.state.validators.validators;
  const action = rng.int(4);
  if (action === 3) {
    net.sendRaw("intruder", t, rng.bytes(rng.range(0, 40)), false);
    return;
  }
  if (action === 2) {
    if (t.chain.height + 1n !== h) return;
    const built = t.chain.propose(
      h,
      null,
      rng.bytes(16),
      t.chain.state.lastBlockTime,
      ed25519Address(key.pubkey),
    );
    const id = blockId(built.block.header, built.bytes);
    const ts = { seconds: t.chain.state.lastBlockTime.seconds + 1n, nanos: 0 };
    const bytes = proposalSignBytes(SIM_CHAIN_ID, h, r, -1, id, ts);
    const msg: ConsensusMessage = {
      kind: "proposal",
      proposal: {
        type: SignedMsgType.Proposal as number,
        height: h,
        round: r,
        polRound: -1,
        blockId: id,
        timestamp: ts,
        signature: signEd25519(key, bytes),
      },
      block: built.bytes,
    };
    net.sendRaw("intruder", t, encodeConsensusMessage(msg), false);
    return;
  }
  const index = rng.int(vals.length);
  const claimed = action === 1;
  const type = rng.chance(500) ? SignedMsgType.Prevote : SignedMsgType.Precommit;
  const ts = { seconds: t.chain.state.lastBlockTime.seconds + 1n, nanos: rng.int(1000) };
  const id = rng.chance(500)
    ? null
    : { hash: rng.bytes(32), partSetHeader: { total: 1, hash: rng.bytes(32) } };
  const bytes = voteSignBytes(SIM_CHAIN_ID, type, h, r, id, ts);
  const msg: ConsensusMessage = {
    kind: "vote",
    vote: {
      type: type as number,
      height: h,
      round: r,
      blockId: id ?? emptyBlockId(),
      timestamp: ts,
      validatorAddress: claimed ? vals[index]!.address : ed25519Address(key.pubkey),
      validatorIndex: index,
      signature: signEd25519(key, bytes),
      extension: new Uint8Array(),
      extensionSignature: new Uint8Array(),
    },
  };
  net.sendRaw("intruder", t, encodeConsensusMessage(msg), true);
}
