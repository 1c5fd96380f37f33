import { type App, failedTxResult, type TxResult } from "../app/app.ts";
import type { ChainError } from "../app/errors.ts";
import type { DecodedTx } from "../app/tx.ts";
import { toHexUpper, txHash } from "../crypto/hash.ts";
import { PriorityMutex } from "../util/mutex.ts";
import { mempoolErrors } from "./errors.ts";

export interface MempoolLimits {
  /** Max txs held. */
  size: number;
  /** Max total bytes held. */
  maxTxsBytes: number;
  /** Max bytes of one tx this node accepts (node-local; the consensus limit is the block size). */
  maxTxBytes: number;
  /** Max txs one sender (first signer) may have waiting. */
  maxTxsPerSender: number;
  /** Recently seen tx hashes remembered to refuse duplicates and replays of committed txs. */
  cacheSize: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  size: 5000,
  maxTxsBytes: 64 * 1024 * 1024,
  maxTxBytes: 1024 * 1024,
  maxTxsPerSender: 500,
  cacheSize: 20_000,
};

export interface MempoolTx {
  bytes: Uint8Array;
  hash: Uint8Array;
  key: string;
  gasWanted: bigint;
  sender: string;
  decoded: DecodedTx;
  /** The update (count of blocks seen) whose state this tx last passed CheckTx against. */
  checkedAt: number;
}

/**
 * CheckTx work runs in slices of about this long before it lets the event loop serve I/O: a backlog
 * of gossiped txs would otherwise run as one chain of promises and hold up votes, timers and RPC.
 */
const SLICE_MS = 4;

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * FIFO mempool (CometBFT's CList mempool): txs enter after CheckTx passes, leave when committed or
 * when a re-check after a block fails. CheckTx and re-checks run one at a time, because they share
 * the app's check state (sequence numbers); the update after a block goes before queued CheckTxs,
 * and its re-check runs behind the commit instead of delaying it (see update).
 */
export class Mempool {
  private readonly txs = new Map<string, MempoolTx>();
  private readonly perSender = new Map<string, number>();
  private readonly cache = new Set<string>();
  private totalBytes = 0;
  private readonly lock = new PriorityMutex();
  private sliceStart = 0;
  /** Updates (blocks) seen: a tx with checkedAt === epoch was checked against the latest state. */
  private epoch = 0;

  constructor(
    private readonly app: Pick<App, "checkTx">,
    readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS,
  ) {}

  get size(): number {
    return this.txs.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  list(limit = Number.POSITIVE_INFINITY): MempoolTx[] {
    const out: MempoolTx[] = [];
    for (const t of this.txs.values()) {
      if (out.length >= limit) break;
      out.push(t);
    }
    return out;
  }

  /** CheckTx then insert. The result is what broadcast_tx_sync reports. */
  add(bytes: Uint8Array): Promise<TxResult & { hash: Uint8Array }> {
    const hash = txHash(bytes);
    const key = toHexUpper(hash);
    const refuse = (e: ChainError) => ({ ...failedTxResult(e), hash });
    // Most txs that peers gossip are already here: refuse those without queueing for the lock.
    if (this.cache.has(key)) return Promise.resolve(refuse(mempoolErrors.duplicate()));
    return this.lock.run(async () => {
      await this.yieldIfBusy();
      if (bytes.length > this.limits.maxTxBytes)
        return refuse(mempoolErrors.tooLarge(bytes.length, this.limits.maxTxBytes));
      if (this.cache.has(key)) return refuse(mempoolErrors.duplicate());
      if (this.txs.size >= this.limits.size || this.totalBytes + bytes.length > this.limits.maxTxsBytes) {
        return refuse(mempoolErrors.full(this.txs.size, this.totalBytes));
      }
      const res = await this.app.checkTx(bytes);
      const { tx, ...result } = res;
      if (result.code !== 0 || !tx) return { ...result, hash };
      const sender = tx.signers[0]!;
      const n = this.perSender.get(sender) ?? 0;
      if (n >= this.limits.maxTxsPerSender)
        return refuse(mempoolErrors.senderLimit(sender, this.limits.maxTxsPerSender));
      this.remember(key);
      this.txs.set(key, {
        bytes,
        hash,
        key,
        gasWanted: result.gasWanted,
        sender,
        decoded: tx,
        checkedAt: this.epoch,
      });
      this.perSender.set(sender, n + 1);
      this.totalBytes += bytes.length;
      return { ...result, hash };
    });
  }

  /**
   * Txs for the next block in arrival order, within the block's byte and gas limits, up to the
   * first one not yet re-checked against the latest block (re-checks run in arrival order).
   */
  reap(maxBytes: number, maxGas: bigint): MempoolTx[] {
    const out: MempoolTx[] = [];
    let bytes = 0;
    let gas = 0n;
    for (const t of this.txs.values()) {
      if (t.checkedAt !== this.epoch) break;
      if (bytes + t.bytes.length > maxBytes) break;
      if (maxGas >= 0n && gas + t.gasWanted > maxGas) break;
      bytes += t.bytes.length;
      gas += t.gasWanted;
      out.push(t);
    }
    return out;
  }

  /**
   * After a commit: reset the check state (under the lock, so no CheckTx sees it half rebuilt), drop
   * the block's txs (their hashes stay cached so replays are refused), then re-check the rest
   * against the new state and drop those that became invalid. Goes before CheckTxs waiting for the
   * lock. Resolves once the block's txs are out and the check state is the new one: the re-check
   * goes on under the lock (CheckTxs wait for it, reap offers only re-checked txs), during the wait
   * after the block rather than before it. Re-checks reuse the decoded tx (and the app its
   * verified signatures); one still running stops when the next block's update arrives, which
   * re-checks everything left.
   */
  update(committed: Uint8Array[], resetCheckState: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.lock
        .run(async () => {
          try {
            resetCheckState();
            this.epoch++;
            for (const bytes of committed) {
              const key = toHexUpper(txHash(bytes));
              this.remember(key);
              this.drop(key);
            }
          } catch (e) {
            reject(e);
            return;
          }
          resolve();
          await this.recheck(this.epoch);
        }, true)
        .catch(() => {});
    });
  }

  /** Resolves once every re-check and CheckTx queued so far has run. */
  idle(): Promise<void> {
    return this.lock.run(async () => {});
  }

  private async recheck(epoch: number): Promise<void> {
    for (const t of [...this.txs.values()]) {
      if (this.lock.urgentWaiting > 0) return;
      await this.yieldIfBusy();
      let ok = false;
      try {
        ok = (await this.app.checkTx(t.bytes, "recheck", t.decoded)).code === 0;
      } catch {
        // A tx whose re-check throws is dropped like one that fails it.
      }
      if (ok) t.checkedAt = epoch;
      else {
        this.drop(t.key);
        this.cache.delete(t.key);
      }
    }
  }

  /** Under the lock: after SLICE_MS of work, waits for the next turn of the event loop. */
  private async yieldIfBusy(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextMacrotask();
    this.sliceStart = performance.now();
  }

  private drop(key: string): void {
    const t = this.txs.get(key);
    if (!t) return;
    this.txs.delete(key);
    this.totalBytes -= t.bytes.length;
    const n = (this.perSender.get(t.sender) ?? 1) - 1;
    if (n <= 0) this.perSender.delete(t.sender);
    else this.perSender.set(t.sender, n);
  }

  private remember(key: string): void {
    if (this.cache.has(key)) return;
    if (this.cache.size >= this.limits.cacheSize)
      this.cache.delete(this.cache.values().next().value as string);
    this.cache.add(key);
  }
}
