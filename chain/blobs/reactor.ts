import { parseCid } from "./cid.ts";
import { BlobError, BlobErrorCode, type BlobLogger, silentBlobLogger } from "./errors.ts";
import { BlobFetch } from "./fetch.ts";
import {
  type BlobMessage,
  CHUNK_BYTES,
  chunkCount,
  chunkLength,
  decodeBlobMessage,
  encodeBlobMessage,
} from "./messages.ts";
import type { BlobStore, PutResult } from "./store.ts";

/** What the blob reactor needs from the P2P layer (its own channel). */
export interface BlobNet {
  send(peerId: string, bytes: Uint8Array): boolean;
  onMessage(handler: (peerId: string, bytes: Uint8Array) => void): unknown;
  punish(peerId: string, reason: string, points?: number): void;
}

export interface BlobReactorOptions {
  net: BlobNet;
  store: BlobStore;
  /** Connected peers that have the blob channel. */
  peers: () => string[];
  /** Closes the connection to a peer (one that sent bytes not matching the CID). */
  disconnect: (peerId: string, reason: string) => void;
  /** Bound on one fetch from peers; default 30 s. */
  fetchTimeoutMs?: number;
  /** A peer silent this long during a fetch is given up on for the next one; default 5 s. */
  requestTimeoutMs?: number;
  /** Fetches in progress at once (more are refused with BUSY); default 4. */
  maxConcurrentFetches?: number;
  /** Chunk requests in flight to one peer; default 4 (so at most 4 MiB buffered per fetch). */
  window?: number;
  log?: BlobLogger;
}

/** Requests from one peer queued for serving; beyond this the peer is flooding us. */
const MAX_PENDING_SERVES = 32;
/** A blob served to peers is re-hashed at most this often (see BlobStore.verify). */
const REVERIFY_MS = 10 * 60_000;

/**
 * The blob channel: serves chunks of stored blobs to peers, and fetches blobs this node lacks from
 * its peers on demand (one BlobFetch per CID; concurrent callers for one CID share it). Requests
 * from a peer are served one at a time, in order, with a bounded queue; a blob is hashed when a peer
 * starts a transfer (chunk 0) unless it was verified in the last 10 minutes, so this node does not
 * knowingly serve corrupt bytes and a repeated request does not cost a full hash each time.
 */
export class BlobReactor {
  private readonly fetches = new Map<string, BlobFetch>();
  private readonly serving = new Map<string, { pending: number; tail: Promise<void> }>();
  private readonly log: BlobLogger;
  private readonly maxFetches: number;
  private rotation = 0;
  private stopped = false;

  constructor(private readonly o: BlobReactorOptions) {
    this.log = o.log ?? silentBlobLogger;
    this.maxFetches = o.maxConcurrentFetches ?? 4;
    o.net.onMessage((peer, bytes) => this.receive(peer, bytes));
  }

  /** Fetches counted against the concurrency bound. */
  get activeFetches(): number {
    return this.fetches.size;
  }

  /**
   * Gets a blob from peers into the store. Rejects with NOT_FOUND (no peer has it, or the timeout),
   * TOO_LARGE (peers have it, larger than this node accepts), BUSY, STORE_FULL or STOPPED.
   */
  fetch(cid: string, o: { timeoutMs?: number } = {}): Promise<PutResult> {
    parseCid(cid);
    if (this.stopped)
      return Promise.reject(new BlobError({ code: BlobErrorCode.STOPPED }, "blob reactor stopped"));
    const size = this.o.store.stat(cid)?.size;
    if (size !== undefined) return Promise.resolve({ cid, size, created: false });
    const running = this.fetches.get(cid);
    if (running) return running.done;
    if (this.fetches.size >= this.maxFetches)
      return Promise.reject(
        new BlobError(
          { code: BlobErrorCode.BUSY, limit: this.maxFetches },
          `${this.maxFetches} blob fetches already in progress; retry later`,
        ),
      );
    // Start each fetch at another peer, so repeated fetches spread over the peers.
    const offset = this.rotation++;
    const f = new BlobFetch(cid, {
      store: this.o.store,
      send: (p, b) => this.o.net.send(p, b),
      punish: (p, why, pts) => this.o.net.punish(p, why, pts),
      disconnect: (p, why) => this.o.disconnect(p, why),
      peers: () => {
        const ps = [...this.o.peers()].sort();
        const k = ps.length === 0 ? 0 : offset % ps.length;
        return [...ps.slice(k), ...ps.slice(0, k)];
      },
      timeoutMs: o.timeoutMs ?? this.o.fetchTimeoutMs ?? 30_000,
      requestTimeoutMs: this.o.requestTimeoutMs ?? 5000,
      window: this.o.window ?? 4,
      log: this.log,
    });
    this.fetches.set(cid, f);
    void f.done.then(
      () => this.fetches.delete(cid),
      () => this.fetches.delete(cid),
    );
    f.start();
    return f.done;
  }

  /** A peer disconnected: fetches asking it move on; its queued requests are dropped. */
  removePeer(peer: string): void {
    for (const f of this.fetches.values()) f.peerGone(peer);
    this.serving.delete(peer);
  }

  stop(): void {
    this.stopped = true;
    for (const f of [...this.fetches.values()]) f.stop();
    this.serving.clear();
  }

  private receive(peer: string, bytes: Uint8Array): void {
    if (this.stopped) return;
    let m: BlobMessage;
    try {
      m = decodeBlobMessage(bytes);
    } catch (e) {
      this.o.net.punish(peer, (e as Error).message);
      return;
    }
    if (m.type === "request") this.enqueueServe(peer, m.cid, m.chunk);
    else this.fetches.get(m.cid)?.onMessage(peer, m);
  }

  private enqueueServe(peer: string, cid: string, chunk: number): void {
    let q = this.serving.get(peer);
    if (!q) {
      q = { pending: 0, tail: Promise.resolve() };
      this.serving.set(peer, q);
    }
    if (q.pending >= MAX_PENDING_SERVES) {
      this.o.net.punish(peer, `more than ${MAX_PENDING_SERVES} blob requests in flight`, 5);
      return;
    }
    const queue = q;
    queue.pending++;
    queue.tail = queue.tail
      .then(() => this.serve(peer, cid, chunk))
      .catch((e: Error) => this.log.warn("serving a blob chunk failed", { cid, chunk, peer, err: e.message }))
      .finally(() => {
        queue.pending--;
        if (queue.pending === 0 && this.serving.get(peer) === queue) this.serving.delete(peer);
      });
  }

  private async serve(peer: string, cid: string, chunk: number): Promise<void> {
    if (this.stopped || !this.serving.has(peer)) return;
    const store = this.o.store;
    const size = store.stat(cid)?.size;
    const notFound = () => this.o.net.send(peer, encodeBlobMessage({ type: "not_found", cid }));
    if (size === undefined || chunk >= chunkCount(size)) return void notFound();
    if (chunk === 0 && !(await store.verify(cid, REVERIFY_MS))) return void notFound();
    const want = chunkLength(size, chunk);
    const data = await store.readRange(cid, chunk * CHUNK_BYTES, want);
    if (!data || data.length !== want) return void notFound();
    this.o.net.send(
      peer,
      encodeBlobMessage({ type: "response", cid, chunk, total: chunkCount(size), size, data }),
    );
  }
}
