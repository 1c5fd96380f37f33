import { Commit as CommitCodec } from "cosmjs-types/tendermint/types/types";
import type { BlockStore } from "../blockstore/block-store.ts";
import type { ChainState } from "../state/chain-state.ts";
import type { Block, BlockID, Commit } from "../types/block.ts";
import { type BlockSyncMessage, decodeBlockSync, encodeBlockSync } from "./messages.ts";
import { verifySyncedBlock } from "./verify.ts";

/** What block sync needs from the P2P layer (its own channel). */
export interface PeerChannel {
  send(peerId: string, bytes: Uint8Array): void;
  broadcast(bytes: Uint8Array): void;
  onMessage(handler: (peerId: string, bytes: Uint8Array) => void): void;
  punish(peerId: string, reason: string): void;
}

export interface BlockSyncOptions {
  net: PeerChannel;
  blockStore: BlockStore;
  state: () => ChainState;
  /** Applies a verified block (the executor, serialised with consensus commits by the host). */
  apply: (block: Block, bytes: Uint8Array, id: BlockID, commit: Commit) => Promise<void>;
  /** How often to ask peers for their status and retry requests; default 1000 ms. */
  intervalMs?: number;
  /** Requests not answered in this long go to another peer; default 5000 ms. */
  requestTimeoutMs?: number;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Block sync (CometBFT's blocksync reactor, simplified to one block in flight): serves stored
 * blocks with their commits to peers, learns peers' heights, and while a peer is ahead fetches the
 * next block, verifies its commit against our validator set, and applies it. Peers that send
 * blocks that do not verify are reported and not asked again for that height.
 */
export class BlockSyncReactor {
  private readonly peerHeights = new Map<string, bigint>();
  private inFlight: { height: bigint; peer: string; since: number } | null = null;
  private applying = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: BlockSyncOptions) {
    o.net.onMessage((peer, bytes) => void this.receive(peer, bytes));
  }

  start(): void {
    const every = this.o.intervalMs ?? 1000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.o.net.broadcast(encodeBlockSync({ type: "status_request" }));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The highest height a peer has told us about. */
  get maxPeerHeight(): bigint {
    let max = 0n;
    for (const h of this.peerHeights.values()) if (h > max) max = h;
    return max;
  }

  /** True when no peer we know of is ahead of us. */
  get caughtUp(): boolean {
    return this.maxPeerHeight <= this.o.state().lastBlockHeight;
  }

  removePeer(peer: string): void {
    this.peerHeights.delete(peer);
    if (this.inFlight?.peer === peer) this.inFlight = null;
  }

  private tick(): void {
    this.o.net.broadcast(encodeBlockSync({ type: "status_request" }));
    const timeout = this.o.requestTimeoutMs ?? 5000;
    if (this.inFlight && Date.now() - this.inFlight.since > timeout) this.inFlight = null;
    this.requestNext();
  }

  private requestNext(): void {
    if (this.inFlight || this.applying) return;
    const s = this.o.state();
    const next = s.lastBlockHeight === 0n ? s.initialHeight : s.lastBlockHeight + 1n;
    // A peer must have committed `next` and stored its commit: its latest height is at least next.
    const candidates = [...this.peerHeights.entries()]
      .filter(([, h]) => h >= next)
      .map(([p]) => p)
      .sort();
    if (candidates.length === 0) return;
    const peer = candidates[Number(next % BigInt(candidates.length))]!;
    this.inFlight = { height: next, peer, since: Date.now() };
    this.o.net.send(peer, encodeBlockSync({ type: "block_request", height: next }));
  }

  private async receive(peer: string, bytes: Uint8Array): Promise<void> {
    let m: BlockSyncMessage;
    try {
      m = decodeBlockSync(bytes);
    } catch (e) {
      this.o.net.punish(peer, (e as Error).message);
      return;
    }
    switch (m.type) {
      case "status_request": {
        const s = this.o.state();
        const base = s.lastBlockHeight >= s.initialHeight ? s.initialHeight : 0n;
        this.o.net.send(peer, encodeBlockSync({ type: "status_response", height: s.lastBlockHeight, base }));
        return;
      }
      case "status_response":
        this.peerHeights.set(peer, m.height);
        this.requestNext();
        return;
      case "block_request":
        return this.serve(peer, m.height);
      case "no_block_response":
        if (this.inFlight?.peer === peer && this.inFlight.height === m.height) this.inFlight = null;
        return;
      case "block_response":
        return this.accept(peer, m.block, m.commit);
    }
  }

  private async serve(peer: string, height: bigint): Promise<void> {
    const [block, commit] = await Promise.all([
      this.o.blockStore.blockBytes(height),
      this.o.blockStore.commit(height),
    ]);
    const msg: BlockSyncMessage =
      block && commit
        ? { type: "block_response", block, commit: CommitCodec.encode(commit).finish() }
        : { type: "no_block_response", height };
    this.o.net.send(peer, encodeBlockSync(msg));
  }

  private async accept(peer: string, blockBytes: Uint8Array, commitBytes: Uint8Array): Promise<void> {
    const want = this.inFlight;
    if (!want || want.peer !== peer || this.applying) return; // unsolicited or late: ignore
    this.applying = true;
    try {
      const state = this.o.state();
      if (state.lastBlockHeight >= want.height) return; // consensus got there first
      let verified: ReturnType<typeof verifySyncedBlock>;
      try {
        verified = verifySyncedBlock(state, blockBytes, commitBytes);
      } catch (e) {
        this.o.net.punish(peer, (e as Error).message);
        this.peerHeights.delete(peer);
        return;
      }
      await this.o.apply(verified.block, blockBytes, verified.blockId, verified.commit);
      this.o.log?.("synced block", { height: Number(verified.block.header.height), peer });
    } finally {
      this.inFlight = null;
      this.applying = false;
    }
    this.requestNext();
  }
}
