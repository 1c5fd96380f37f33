import { BlobError, BlobErrorCode, type BlobLogger } from "./errors.ts";
import { type BlobMessage, encodeBlobMessage } from "./messages.ts";
import type { BlobStore, PutResult } from "./store.ts";
import type { BlobWriter } from "./writer.ts";

/** Penalty for a peer whose bytes do not hash to the CID it was asked for (it is also disconnected). */
export const MISMATCH_PENALTY = 50;
/** Penalty for a response that contradicts the peer's own earlier chunks or was not asked for. */
export const INCONSISTENT_PENALTY = 20;

export interface FetchDeps {
  store: BlobStore;
  send: (peerId: string, bytes: Uint8Array) => boolean;
  punish: (peerId: string, reason: string, points: number) => void;
  disconnect: (peerId: string, reason: string) => void;
  /** Connected peers with the blob channel, in the order this fetch asks them. */
  peers: () => string[];
  timeoutMs: number;
  requestTimeoutMs: number;
  window: number;
  log: BlobLogger;
}

/** One peer being asked for the blob. */
interface Attempt {
  peer: string;
  /** From the peer's first response (chunk 0). */
  size?: number;
  total?: number;
  writer?: BlobWriter;
  /** Next chunk to ask for, next chunk to append to the file. */
  nextRequest: number;
  nextWrite: number;
  /** Chunks that arrived ahead of `nextWrite` (at most `window`). */
  early: Map<number, Uint8Array>;
  timer?: NodeJS.Timeout;
  /** Responses are processed one at a time, in arrival order. */
  chain: Promise<void>;
}

/**
 * Fetches one blob from peers: asks them one at a time (chunk 0 first, which tells the size, then
 * up to `window` chunk requests in flight), appends chunks in order to a store writer that hashes
 * them, and commits when the last chunk is in; the writer refuses bytes that do not hash to the CID.
 * A peer that says it has no such blob, stays silent for `requestTimeoutMs`, disconnects or sends
 * something inconsistent is dropped for the next one (from scratch: mixing chunks of two peers would
 * hide who lied); a peer whose assembled bytes do not match is punished and disconnected. Memory:
 * at most `window` chunks buffered. The whole fetch is bounded by `timeoutMs`.
 */
export class BlobFetch {
  readonly done: Promise<PutResult>;
  private resolve!: (r: PutResult) => void;
  private reject!: (e: Error) => void;
  private current: Attempt | null = null;
  private readonly tried = new Set<string>();
  private finished = false;
  private deadline: NodeJS.Timeout | null = null;
  /** Largest size a peer announced beyond our limit (to report TOO_LARGE rather than NOT_FOUND). */
  private oversize = 0;

  constructor(
    readonly cid: string,
    private readonly d: FetchDeps,
  ) {
    this.done = new Promise<PutResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => {});
  }

  start(): void {
    this.deadline = setTimeout(() => this.giveUp(true), this.d.timeoutMs);
    this.nextPeer();
  }

  /** A response or not-found for this CID from some peer. */
  onMessage(peer: string, m: BlobMessage): void {
    const a = this.current;
    if (!a || a.peer !== peer || this.finished) return; // late answer of a peer given up on: ignore
    if (m.type === "not_found") {
      this.d.log.debug("peer does not have the blob", { cid: this.cid, peer });
      this.nextPeer();
    } else if (m.type === "response") {
      a.chain = a.chain
        .then(() => this.accept(a, m))
        .catch((e: Error) => {
          if (this.current === a) this.fail(e);
        });
    }
  }

  peerGone(peer: string): void {
    if (this.current?.peer === peer && !this.finished) this.nextPeer();
  }

  stop(): void {
    this.fail(new BlobError({ code: BlobErrorCode.STOPPED }, "blob fetch stopped: node shutting down"));
  }

  private nextPeer(): void {
    if (this.finished) return;
    this.dropAttempt();
    for (;;) {
      const peer = this.d.peers().find((p) => !this.tried.has(p));
      if (peer === undefined) {
        this.giveUp(false);
        return;
      }
      this.tried.add(peer);
      const a: Attempt = { peer, nextRequest: 1, nextWrite: 0, early: new Map(), chain: Promise.resolve() };
      this.current = a;
      if (this.request(a, 0)) return;
    }
  }

  private request(a: Attempt, chunk: number): boolean {
    const ok = this.d.send(a.peer, encodeBlobMessage({ type: "request", cid: this.cid, chunk }));
    if (ok) this.arm(a);
    return ok;
  }

  /** (Re)starts the silence timer of the current attempt. */
  private arm(a: Attempt): void {
    if (a.timer) clearTimeout(a.timer);
    a.timer = setTimeout(() => {
      if (this.current !== a || this.finished) return;
      this.d.log.debug("peer silent, asking another", { cid: this.cid, peer: a.peer });
      this.nextPeer();
    }, this.d.requestTimeoutMs);
  }

  private async accept(a: Attempt, m: Extract<BlobMessage, { type: "response" }>): Promise<void> {
    if (this.current !== a || this.finished) return;
    if (a.size === undefined) {
      if (m.chunk !== 0) return this.drop(a, `sent chunk ${m.chunk} before chunk 0`, INCONSISTENT_PENALTY);
      if (m.size > this.d.store.maxBlobBytes) {
        this.oversize = Math.max(this.oversize, m.size);
        this.d.log.info("peer's blob is larger than this node accepts", {
          cid: this.cid,
          peer: a.peer,
          size: m.size,
          max: this.d.store.maxBlobBytes,
        });
        return this.nextPeer();
      }
      a.size = m.size;
      a.total = m.total;
      a.writer = this.d.store.writer({ expected: this.cid });
    } else if (m.size !== a.size || m.total !== a.total) {
      return this.drop(a, `chunk ${m.chunk} announces another blob size`, INCONSISTENT_PENALTY);
    }
    if (m.chunk < a.nextWrite || m.chunk >= a.nextRequest || a.early.has(m.chunk)) return; // not pending
    a.early.set(m.chunk, m.data);
    this.arm(a);
    while (a.early.has(a.nextWrite)) {
      const data = a.early.get(a.nextWrite)!;
      a.early.delete(a.nextWrite);
      await a.writer!.write(data);
      if (this.current !== a || this.finished) return;
      a.nextWrite++;
    }
    const total = a.total!;
    while (a.nextRequest < total && a.nextRequest - a.nextWrite < this.d.window) {
      if (!this.request(a, a.nextRequest)) return this.nextPeer();
      a.nextRequest++;
    }
    if (a.nextWrite < total) return;
    if (a.timer) clearTimeout(a.timer);
    let result: PutResult;
    try {
      result = await a.writer!.commit();
    } catch (e) {
      if (e instanceof BlobError && e.code === BlobErrorCode.CID_MISMATCH) {
        const reason = `sent bytes that hash to ${e.type.actual}, not to the requested ${this.cid}`;
        this.d.punish(a.peer, reason, MISMATCH_PENALTY);
        this.d.disconnect(a.peer, reason);
        this.d.log.warn("peer sent a blob that does not match its CID", { cid: this.cid, peer: a.peer });
        if (this.current === a) this.nextPeer();
        return;
      }
      throw e;
    }
    this.succeed(result, a.peer);
  }

  /** Gives up on a peer that misbehaved, with a penalty, and asks the next one. */
  private drop(a: Attempt, why: string, points: number): void {
    this.d.punish(a.peer, `blob ${this.cid}: ${why}`, points);
    this.nextPeer();
  }

  private dropAttempt(): void {
    const a = this.current;
    this.current = null;
    if (!a) return;
    if (a.timer) clearTimeout(a.timer);
    a.early.clear();
    void a.writer?.abort();
  }

  private giveUp(timedOut: boolean): void {
    if (this.finished) return;
    if (this.oversize > 0) {
      this.fail(
        new BlobError(
          { code: BlobErrorCode.TOO_LARGE, size: this.oversize, max: this.d.store.maxBlobBytes },
          `blob ${this.cid} is ${this.oversize} bytes, larger than this node accepts (${this.d.store.maxBlobBytes})`,
        ),
      );
      return;
    }
    const asked = this.tried.size;
    this.fail(
      new BlobError(
        { code: BlobErrorCode.NOT_FOUND, cid: this.cid, asked, timedOut },
        timedOut
          ? `blob ${this.cid} not received from peers within ${this.d.timeoutMs} ms (${asked} asked)`
          : `blob ${this.cid} not found: ${asked === 0 ? "no peer to ask" : `none of ${asked} peers has it`}`,
      ),
    );
  }

  private succeed(r: PutResult, peer: string): void {
    if (this.finished) return;
    this.finish();
    this.d.log.info("blob fetched from a peer", { cid: this.cid, size: r.size, peer });
    this.resolve(r);
  }

  private fail(e: Error): void {
    if (this.finished) return;
    this.finish();
    this.reject(e);
  }

  private finish(): void {
    this.finished = true;
    if (this.deadline) clearTimeout(this.deadline);
    this.dropAttempt();
  }
}
