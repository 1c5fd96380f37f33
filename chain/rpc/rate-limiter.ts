/**
 * Token bucket per key (a client IP): refills `requestsPerSecond` tokens a second up to `burst`.
 * The RPC server spends one token per request; the blob upload quota spends one per byte.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private lastSweep = 0;

  constructor(opts: { requestsPerSecond: number; burst: number }) {
    if (!(opts.requestsPerSecond > 0) || !(opts.burst >= 1)) {
      throw new Error("rateLimit: requestsPerSecond must be > 0 and burst >= 1");
    }
    this.rate = opts.requestsPerSecond;
    this.burst = opts.burst;
  }

  /** Takes `n` tokens if the bucket holds them; false (and nothing taken) otherwise. */
  take(key: string, n: number): boolean {
    const b = this.refill(key);
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }

  /** Gives back `n` tokens taken earlier (up to `burst`), e.g. when a charge was an over-estimate. */
  refund(key: string, n: number): void {
    if (!(n > 0)) return;
    const b = this.refill(key);
    b.tokens = Math.min(this.burst, b.tokens + n);
  }

  private refill(key: string): { tokens: number; at: number } {
    const now = performance.now();
    this.sweep(now);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    return b;
  }

  /** Forgets buckets that have refilled completely: they are the same as a new one. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    const full = (this.burst / this.rate) * 1000;
    for (const [k, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(k);
  }
}
