import type { CommitNotice } from "./services.ts";

// The bookkeeping rules of a committee service's jobs (committee-runner.ts), as pure functions of
// heights so they can be checked without a node. A job is a piece of committee work that ends in
// one tx (an aggregate, a score commitment, an escrow reveal...), named by a key.

/** A full scan at least this often, besides every block with the module's events (retries, missed events). */
export const RESCAN_EVERY_BLOCKS = 10n;
/** A failed job is tried again after this many blocks, at most MAX_FAILURES times. */
export const RETRY_AFTER_BLOCKS = 5n;
export const MAX_FAILURES = 3;
/** A tx sent but still owed this many blocks later (dropped from the mempool) is sent again, once. */
export const RESEND_AFTER_BLOCKS = 20n;
export const MAX_SENDS = 2;
/** A tx that ran out of gas in its block is sent again at once with twice the gas, up to this. */
export const MAX_GAS = 20_000_000n;
/** A sent tx not seen in a block for this long is forgotten (resends cover it). */
export const TX_WATCH_BLOCKS = 100n;

/** A job's tx sent: the height it was sent at and how many times. */
export interface Sent {
  height: bigint;
  sends: number;
}

/** A job's failures and the height it may be tried again from. */
export interface Failed {
  retryAt: bigint;
  failures: number;
}

/** Whether a commit asks for a scan: an event of the module (`prefix`, e.g. "fl_") or a rescan height. */
export function commitWantsScan(c: CommitNotice, eventPrefix: string): boolean {
  const mine = (es: ReadonlyArray<{ type: string }>) => es.some((e) => e.type.startsWith(eventPrefix));
  return mine(c.events) || c.txs.some((t) => mine(t.events)) || c.height % RESCAN_EVERY_BLOCKS === 0n;
}

/**
 * Whether a job owed at `height` may start (concurrency aside): not while its tx may still land
 * (RESEND_AFTER_BLOCKS) nor after MAX_SENDS sends, not before its retry height nor after
 * MAX_FAILURES failures.
 */
export function mayStart(sent: Sent | undefined, failed: Failed | undefined, height: bigint): boolean {
  if (sent && (height < sent.height + RESEND_AFTER_BLOCKS || sent.sends >= MAX_SENDS)) return false;
  if (failed && (height < failed.retryAt || failed.failures >= MAX_FAILURES)) return false;
  return true;
}

/** A job's tx sent at `height`, after `before`. */
export const afterSend = (before: Sent | undefined, height: bigint): Sent => ({
  height,
  sends: (before?.sends ?? 0) + 1,
});

/** A job that owes nothing (its tx is on chain already, e.g. sent before a restart): never sent again. */
export const nothingOwed = (height: bigint): Sent => ({ height, sends: MAX_SENDS });

/** A job's failure at `height`, after `before`: a final one (no try can change it) is never retried. */
export const afterFailure = (before: Failed | undefined, final: boolean, height: bigint): Failed => ({
  retryAt: height + RETRY_AFTER_BLOCKS,
  failures: final ? MAX_FAILURES : (before?.failures ?? 0) + 1,
});

export const willRetry = (f: Failed) => f.failures < MAX_FAILURES;

/** The gas of the resend of a tx that ran out of `gasLimit` in its block; undefined: not resent. */
export function outOfGasResend(gasLimit: bigint): bigint | undefined {
  if (gasLimit >= MAX_GAS) return undefined;
  return gasLimit * 2n > MAX_GAS ? MAX_GAS : gasLimit * 2n;
}

/** Whether a tx sent at `sentAt` and still not seen in a block at `height` is no longer watched. */
export const watchExpired = (sentAt: bigint, height: bigint) => sentAt + TX_WATCH_BLOCKS < height;
