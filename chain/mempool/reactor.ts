import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import type { TxResult } from "../app/app.ts";
import type { Mempool } from "./mempool.ts";

/** What the mempool reactor needs from the P2P layer (one channel). */
export interface ChannelNet {
  /** Sends to every connected peer except `except`. */
  broadcast(bytes: Uint8Array, except?: string): void;
  onMessage(handler: (peerId: string, bytes: Uint8Array) => void): void;
  punish(peerId: string, reason: string): void;
}

export const MAX_TXS_PER_MESSAGE = 64;

/** CometBFT's mempool.Txs message: repeated bytes txs = 1. */
export function encodeTxs(txs: Uint8Array[]): Uint8Array {
  const w = BinaryWriter.create();
  for (const tx of txs) w.uint32(10).bytes(tx);
  return w.finish();
}

export function decodeTxs(bytes: Uint8Array): Uint8Array[] {
  const r = new BinaryReader(bytes);
  const txs: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== 10) throw new Error(`unexpected field tag ${tag}`);
    txs.push(r.bytes());
    if (txs.length > MAX_TXS_PER_MESSAGE)
      throw new Error(`more than ${MAX_TXS_PER_MESSAGE} txs in one message`);
  }
  return txs;
}

/** Bytes of txs gathered into one gossip message (the channel takes messages up to 1.1 MiB). */
export const MAX_GOSSIP_BATCH_BYTES = 1024 * 1024;
/** How long a tx admitted from RPC waits for others to share its gossip message. */
export const GOSSIP_BATCH_MS = 5;

/**
 * Gossips txs between mempools: a tx admitted locally (RPC) or from a peer is sent on to the other
 * peers once; the mempool's cache of seen hashes stops it from bouncing back. Txs admitted from
 * RPC within GOSSIP_BATCH_MS of each other go out together, in admission order, as one message (up
 * to 64 txs; CometBFT sends one tx per message). A peer whose message does not even decode is
 * reported; txs that merely fail CheckTx are not (they can be stale).
 */
export class MempoolReactor {
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;

  constructor(
    private readonly mempool: Mempool,
    private readonly net: ChannelNet,
  ) {
    net.onMessage((peer, bytes) => void this.receive(peer, bytes));
  }

  /** CheckTx + gossip for a tx submitted to this node (broadcast_tx_*). */
  async submit(tx: Uint8Array): Promise<TxResult & { hash: Uint8Array }> {
    const res = await this.mempool.add(tx);
    if (res.code === 0) this.gossip(tx);
    return res;
  }

  private gossip(tx: Uint8Array): void {
    if (this.outbox.length >= MAX_TXS_PER_MESSAGE || this.outboxBytes + tx.length > MAX_GOSSIP_BATCH_BYTES)
      this.flush();
    this.outbox.push(tx);
    this.outboxBytes += tx.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => {
        this.flushScheduled = false;
        this.flush();
      }, GOSSIP_BATCH_MS);
    }
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const txs = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    this.net.broadcast(encodeTxs(txs));
  }

  private async receive(peer: string, bytes: Uint8Array): Promise<void> {
    let txs: Uint8Array[];
    try {
      txs = decodeTxs(bytes);
    } catch (e) {
      this.net.punish(peer, `undecodable mempool message: ${(e as Error).message}`);
      return;
    }
    const admitted: Uint8Array[] = [];
    for (const tx of txs) if ((await this.mempool.add(tx)).code === 0) admitted.push(tx);
    if (admitted.length > 0) this.net.broadcast(encodeTxs(admitted), peer);
  }
}
