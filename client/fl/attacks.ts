/**
 * Byzantine trainers for tests, the demo and `bench:fl-quality` (what a robust rule must withstand):
 * a sign-flipped, scaled update, Gaussian noise, and label flipping (honest training on wrong labels).
 * They act on weights as trainers submit them (full weights, Flower's convention), relative to the
 * round's global model.
 */
import type { Tf } from "./backend.ts";
import type { Dataset } from "./dataset.ts";
import { type ModelSpec, weightsBytes, weightsOf } from "./model.ts";
import { seededRandom } from "./split.ts";
import { type TrainOptions, trainLocal } from "./train.ts";

export const ATTACKS = ["sign-flip", "gaussian", "label-flip"] as const;
export type Attack = (typeof ATTACKS)[number];

/** global - scale * (local - global): the honest step reversed and magnified. */
export function signFlip(global: Float32Array, local: Float32Array, scale = 10): Float32Array {
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = global[i]! - scale * (local[i]! - global[i]!);
  return out;
}

/** global + N(0, sigma^2) per weight (Box-Muller on a seeded PRNG). */
export function gaussianNoise(global: Float32Array, sigma: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) {
    const u = 1 - rand();
    const v = rand();
    out[i] = global[i]! + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/** The same data with every label y replaced by classes - 1 - y. */
export function flipLabels(d: Dataset, classes: number): Dataset {
  return { ...d, y: d.y.map((label) => classes - 1 - label) };
}

/** Standard deviation of the `gaussian` attack: about 10x the size of an honest weight here. */
export const GAUSSIAN_SIGMA = 1;

const flat = (spec: ModelSpec, bytes: Uint8Array) => {
  const layers = weightsOf(spec, bytes);
  return new Float32Array(weightsBytes(layers).buffer);
};

/**
 * The update a trainer submits: honest local training, or one of the attacks (`seed` makes the noise
 * of the gaussian attack reproducible).
 */
export async function trainWithAttack(
  tf: Tf,
  spec: ModelSpec,
  global: Uint8Array,
  data: Dataset,
  attack: Attack | undefined,
  seed: number,
  o: TrainOptions = {},
): Promise<Uint8Array> {
  const classes = spec.userDefinedMetadata.cifer.classes;
  switch (attack) {
    case undefined:
      return trainLocal(tf, spec, global, data, o);
    case "label-flip":
      return trainLocal(tf, spec, global, flipLabels(data, classes), o);
    case "sign-flip": {
      const local = await trainLocal(tf, spec, global, data, o);
      return new Uint8Array(signFlip(flat(spec, global), flat(spec, local)).buffer);
    }
    case "gaussian":
      return new Uint8Array(gaussianNoise(flat(spec, global), GAUSSIAN_SIGMA, seed).buffer);
  }
}
