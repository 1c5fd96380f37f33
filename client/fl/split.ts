/**
 * Splits of a dataset for simulations, tests and the demo: a held-out test set, IID shares, and the
 * non-IID "label shards" of McMahan et al. 2017 (sort by label, cut into 2k shards, give each trainer
 * two), all from a seed so that every run and every machine splits alike.
 */
import { type Dataset, subset } from "./dataset.ts";

/** mulberry32: a small seeded PRNG, enough for reproducible shuffles (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The first `testFraction` of a seeded shuffle is the held-out test set, the rest the training pool. */
export function holdOut(d: Dataset, testFraction: number, seed: number): { train: Dataset; test: Dataset } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError("testFraction must be in (0, 1)");
  const order = shuffled(d.count, seed);
  const cut = Math.round(d.count * testFraction);
  return { test: subset(d, order.slice(0, cut)), train: subset(d, order.slice(cut)) };
}

/** `parts` IID shares of (almost) equal size. */
export function splitIid(d: Dataset, parts: number, seed: number): Dataset[] {
  const order = shuffled(d.count, seed);
  return Array.from({ length: parts }, (_, p) =>
    subset(
      d,
      order.filter((_, i) => i % parts === p),
    ),
  );
}

/** Non-IID: each of `parts` trainers gets `shardsPerPart` shards of label-sorted data. */
export function splitByLabelShards(d: Dataset, parts: number, seed: number, shardsPerPart = 2): Dataset[] {
  const shards = parts * shardsPerPart;
  // Sorted by label (a stable sort: ties keep their shuffled order), so a shard is mostly one label.
  const order = shuffled(d.count, seed).sort((a, b) => d.y[a]! - d.y[b]!);
  const size = Math.floor(d.count / shards);
  const shardOrder = shuffled(shards, seed ^ 0x5eed);
  return Array.from({ length: parts }, (_, p) => {
    const idx: number[] = [];
    for (let s = 0; s < shardsPerPart; s++) {
      const shard = shardOrder[p * shardsPerPart + s]!;
      idx.push(...order.slice(shard * size, (shard + 1) * size));
    }
    return subset(d, idx);
  });
}
