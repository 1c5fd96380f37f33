/** Keys tracked at most by default: about 100 bytes each, so the map stays under ~10 MB. */
export const DEFAULT_MAX_KEYS = 100_000;

/**
 * Token bucket per key (a client IP): refills `requestsPerSecond` tokens a second up to `burst`.
 * Keys go through clientKey here, so every caller shares one IPv6 /64 bucket per host.
 * The RPC server spends one token per request; the blob upload quota spends one per byte.
 *
 * Memory is bounded: at most `maxKeys` buckets are kept, and a new key beyond that evicts the least
 * recently used one (the Map's first entry, since every use moves a key to the end). An evicted
 * client starts again with a full bucket, which is what a client unseen for long would get anyway.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private lastSweep = 0;

  constructor(opts: { requestsPerSecond: number; burst: number; maxKeys?: number }) {
    if (!(opts.requestsPerSecond > 0) || !(opts.burst >= 1)) {
      throw new Error("rateLimit: requestsPerSecond must be > 0 and burst >= 1");
    }
    const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new Error("rateLimit: maxKeys must be >= 1");
    this.rate = opts.requestsPerSecond;
    this.burst = opts.burst;
    this.maxKeys = maxKeys;
  }

  /** Buckets currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `n` tokens if the bucket holds them; false (and nothing taken) otherwise. */
  take(key: string, n: number): boolean {
    const b = this.refill(clientKey(key));
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }

  /** Gives back `n` tokens taken earlier (up to `burst`), e.g. when a charge was an over-estimate. */
  refund(key: string, n: number): void {
    if (!(n > 0)) return;
    const b = this.refill(clientKey(key));
    b.tokens = Math.min(this.burst, b.tokens + n);
  }

  private refill(key: string): { tokens: number; at: number } {
    const now = performance.now();
    this.sweep(now);
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key);
    } else {
      b = { tokens: this.burst, at: now };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, b);
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

/**
 * The rate-limit key of a client address: the address itself for IPv4 (also IPv4-mapped IPv6),
 * the /64 prefix for IPv6, since one host commonly holds a whole /64 and could otherwise get a
 * fresh bucket per address.
 */
export function clientKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const zoneless = ip.split("%")[0]!;
  const [head = "", tail] = zoneless.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}
