/**
 * Models as a task carries them: a TensorFlow.js model spec (the `model.json` of tfjs's layers format
 * without its weight files: `modelTopology` and `weightSpecs`, plus Cifer's training settings under
 * `userDefinedMetadata.cifer`) and weights as one blob of float32 little-endian values in the order of
 * `weightSpecs` (tfjs's `weightData`). Every update, aggregate and global model has that layout, so
 * aggregation can work on typed arrays without tfjs.
 */
import { endianness } from "node:os";
import type * as tfTypes from "@tensorflow/tfjs";
import { checkedWeights, layerSizes, WeightsError } from "../../modules/fl/weights.ts";
import type { Tf } from "./backend.ts";

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32";
}

/** How trainers of the task train and read their data (every trainer uses the same settings). */
export interface TrainingSettings {
  /** Features are divided by this before training and evaluation (16 for the 0..16 digit pixels). */
  featureScale: number;
  classes: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface ModelSpec {
  modelTopology: object;
  weightSpecs: WeightSpec[];
  userDefinedMetadata: { cifer: TrainingSettings };
}

export class ModelError extends Error {}

if (endianness() !== "LE")
  throw new ModelError("float32 weights are little-endian: a big-endian host is unsupported");

export const paramCount = (spec: Pick<ModelSpec, "weightSpecs">): number =>
  spec.weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);

/**
 * The float32 arrays of each weight of `spec`, as views into `bytes` (checked: size, finite values;
 * the one check the committee and the node's upload check also run, modules/fl/weights.ts).
 */
export function weightsOf(spec: Pick<ModelSpec, "weightSpecs">, bytes: Uint8Array): Float32Array[] {
  try {
    return checkedWeights(layerSizes(spec.weightSpecs), bytes);
  } catch (e) {
    if (e instanceof WeightsError) throw new ModelError(e.message);
    throw e;
  }
}

/** The blob of a list of float32 arrays (spec order). */
export function weightsBytes(layers: readonly Float32Array[]): Uint8Array {
  const total = layers.reduce((n, l) => n + l.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const l of layers) {
    all.set(l, at);
    at += l.length;
  }
  return new Uint8Array(all.buffer);
}

export function parseModelSpec(json: string): ModelSpec {
  let spec: ModelSpec;
  try {
    spec = JSON.parse(json) as ModelSpec;
  } catch (e) {
    throw new ModelError(`the model spec is not JSON: ${(e as Error).message}`);
  }
  if (typeof spec?.modelTopology !== "object" || !Array.isArray(spec.weightSpecs)) {
    throw new ModelError("the model spec needs modelTopology and weightSpecs (tfjs layers format)");
  }
  const t = spec.userDefinedMetadata?.cifer;
  if (!t) throw new ModelError("the model spec has no userDefinedMetadata.cifer training settings");
  return spec;
}

/** A tfjs model of `spec` with `weights` loaded. */
export async function loadModel(tf: Tf, spec: ModelSpec, weights: Uint8Array): Promise<tfTypes.LayersModel> {
  weightsOf(spec, weights);
  const weightData = weights.slice().buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: spec.modelTopology, weightSpecs: spec.weightSpecs, weightData }),
  );
}

/** The weights blob of a tfjs model (the `weightData` tfjs itself saves). */
export async function modelWeights(tf: Tf, model: tfTypes.LayersModel): Promise<Uint8Array> {
  let out: Uint8Array | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      if (!(data instanceof ArrayBuffer)) throw new ModelError("unexpected sharded weight data");
      out = new Uint8Array(data.slice(0));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  return out!;
}

export interface MlpOptions {
  inputs: number;
  hidden: number[];
  training: TrainingSettings;
  /** Seeds the initial weights, so that a task's genesis weights can be reproduced. */
  seed: number;
}

/** A dense classifier (ReLU hidden layers, softmax output): its spec and seeded initial weights. */
export async function createMlp(tf: Tf, o: MlpOptions): Promise<{ spec: ModelSpec; weights: Uint8Array }> {
  const model = tf.sequential();
  [...o.hidden, o.training.classes].forEach((units, i) => {
    const last = i === o.hidden.length;
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [o.inputs] } : {}),
        units,
        activation: last ? "softmax" : "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + i }),
        biasInitializer: "zeros",
        name: `dense_${i}`,
      }),
    );
  });
  let spec: ModelSpec | undefined;
  let weights: Uint8Array | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      spec = {
        modelTopology: a.modelTopology as object,
        weightSpecs: (a.weightSpecs ?? []).map((w) => ({
          name: w.name,
          shape: [...w.shape],
          dtype: "float32",
        })),
        userDefinedMetadata: { cifer: o.training },
      };
      weights = new Uint8Array((a.weightData as ArrayBuffer).slice(0));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  model.dispose();
  return { spec: spec!, weights: weights! };
}
