import { sha256, uint64BE, utf8 } from "../../chain/crypto/hash.ts";

// Deterministic randomness of the module (DESIGN section 4): every draw comes from a seed derived from
// a block hash, expanded by sha256 in counter mode; no Math.random, no unordered iteration. Every
// honest node draws the same committees and subgroups.

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** What a seed is for: a stage's committee, a dispute's committee, the split into subgroups. */
export type SeedKind = "committee" | "dispute" | "split" | "eval";

/**
 * seed = sha256(last block hash || task id || round || attempt || subgroup || kind). The last block
 * hash is known to the proposer of the block that uses it, as with every block-hash seed; a proposer
 * that withholds blocks to re-roll committees loses its proposer rewards and reputation, and the
 * dispute path catches a committee that signs a wrong aggregate anyway.
 */
export function seedOf(
  lastBlockHash: Uint8Array,
  taskId: bigint,
  round: number,
  attempt: number,
  subgroup: number,
  kind: SeedKind,
): Uint8Array {
  return sha256(lastBlockHash, uint64BE(taskId), u32(round), u32(attempt), u32(subgroup), utf8(kind));
}

/** sha256 in counter mode: 256-bit draws from a seed. */
export class SeededRng {
  private counter = 0n;
  constructor(private readonly seed: Uint8Array) {}

  next(): bigint {
    const h = sha256(this.seed, uint64BE(this.counter++));
    return BigInt(`0x${Buffer.from(h).toString("hex")}`);
  }

  /** Uniform in [0, n): a 256-bit draw modulo n, whose bias (< n / 2^256) is nothing in practice. */
  below(n: bigint): bigint {
    if (n <= 0n) throw new Error("below() needs a positive bound");
    return this.next() % n;
  }
}

export interface Candidate {
  id: string;
  weight: bigint;
}

/**
 * Weighted sampling without replacement: k draws, each picking a remaining candidate with
 * probability weight / remaining total. Candidates must come in a canonical order (the caller sorts
 * them by id); those of weight 0 are never picked. Returns the picks in draw order, at most k, fewer
 * when fewer candidates have weight.
 */
export function weightedSample(candidates: readonly Candidate[], k: number, rng: SeededRng): Candidate[] {
  const pool = candidates.filter((c) => c.weight > 0n);
  const picked: Candidate[] = [];
  let total = pool.reduce((s, c) => s + c.weight, 0n);
  while (picked.length < k && pool.length > 0) {
    let r = rng.below(total);
    let i = 0;
    while (r >= pool[i]!.weight) {
      r -= pool[i]!.weight;
      i++;
    }
    const [c] = pool.splice(i, 1);
    picked.push(c!);
    total -= c!.weight;
  }
  return picked;
}

/** Fisher-Yates with the seeded generator: a copy, the input is not touched. */
export function shuffle<T>(items: readonly T[], rng: SeededRng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Number(rng.below(BigInt(i + 1)));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Splits a round's updaters into subgroups: sorted by address (the canonical order), shuffled with
 * the seed (so nobody chooses their subgroup), cut into chunks of `size`; a last chunk smaller than
 * `minSize` joins the one before it, so every subgroup has at least minSize updaters when there are
 * that many at all. size 0 (or size >= n) keeps one group. Each subgroup is returned sorted by
 * address: the order its committee aggregates in.
 */
export function splitSubgroups(
  addresses: readonly string[],
  size: number,
  minSize: number,
  rng: SeededRng,
): string[][] {
  const sorted = [...addresses].sort();
  if (size <= 0 || sorted.length <= size) return [sorted];
  const shuffled = shuffle(sorted, rng);
  const groups: string[][] = [];
  for (let i = 0; i < shuffled.length; i += size) groups.push(shuffled.slice(i, i + size));
  const last = groups[groups.length - 1]!;
  if (groups.length > 1 && last.length < minSize) {
    groups.pop();
    groups[groups.length - 1]!.push(...last);
  }
  return groups.map((g) => g.sort());
}
