/**
 * Local training and evaluation with TensorFlow.js: what a trainer runs on its own data each round, and
 * what measures a global model on held-out data. Tensors are disposed before returning, so memory stays
 * flat over many rounds.
 */
import type { Dataset } from "./dataset.ts";
import type { Tf } from "./backend.ts";
import { loadModel, type ModelSpec, modelWeights } from "./model.ts";

export interface TrainOptions {
  /** Overrides of the task's settings (the CLI's --epochs, ...). */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Called after every epoch with its mean loss (progress display). */
  onEpoch?: (epoch: number, loss: number) => void;
}

function tensorsOf(tf: Tf, spec: ModelSpec, data: Dataset) {
  const { featureScale, classes } = spec.userDefinedMetadata.cifer;
  for (const label of data.y) {
    if (label >= classes) throw new RangeError(`label ${label} is not below the model's ${classes} classes`);
  }
  return tf.tidy(() => ({
    x: tf.tensor2d(data.x, [data.count, data.features]).div(featureScale),
    y: tf.oneHot(tf.tensor1d(data.y, "int32"), classes),
  }));
}

/** Trains `global` on `data` (SGD, cross-entropy) and returns the new weights blob. */
export async function trainLocal(
  tf: Tf,
  spec: ModelSpec,
  global: Uint8Array,
  data: Dataset,
  o: TrainOptions = {},
): Promise<Uint8Array> {
  const s = spec.userDefinedMetadata.cifer;
  const model = await loadModel(tf, spec, global);
  const { x, y } = tensorsOf(tf, spec, data);
  try {
    const optimizer = tf.train.sgd(o.learningRate ?? s.learningRate);
    model.compile({ optimizer, loss: "categoricalCrossentropy" });
    await model.fit(x, y, {
      epochs: o.epochs ?? s.epochs,
      batchSize: o.batchSize ?? s.batchSize,
      shuffle: true,
      verbose: 0,
      callbacks: o.onEpoch
        ? { onEpochEnd: async (e, logs) => o.onEpoch!(e + 1, logs?.loss ?? Number.NaN) }
        : undefined,
    });
    const out = await modelWeights(tf, model);
    optimizer.dispose();
    return out;
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}

/** Share of `data` that the model with `weights` classifies correctly. */
export async function accuracy(tf: Tf, spec: ModelSpec, weights: Uint8Array, data: Dataset): Promise<number> {
  const model = await loadModel(tf, spec, weights);
  const { x, y } = tensorsOf(tf, spec, data);
  try {
    const correct = tf.tidy(() => {
      const pred = (model.predict(x) as ReturnType<Tf["tensor"]>).argMax(-1);
      return pred.equal(y.argMax(-1)).sum().dataSync()[0]!;
    });
    return correct / data.count;
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}

/**
 * Full-batch epochs of FLTrust's reference update. Measured with `pnpm bench:fl-quality` (non-IID
 * digits, 3 of 10 attackers): with the trainers' own settings (1 epoch, batch 16) the reference is
 * a few noisy steps, the honest updates' cosines with it (0 to 0.5: each holds two labels) flip
 * between weight and none, and the worst non-IID row ends at 60-63%; full batch for 20 epochs gives
 * 86-88%, 40 epochs overshoots (75-80%).
 */
export const REFERENCE_EPOCHS = 20;

/**
 * A committee member's reference for `trust` (issue #6): the global model trained on the trusted
 * data, full batch, REFERENCE_EPOCHS epochs, at the task's learning rate. The validators'
 * evaluation and bench:fl-quality train it this same way.
 */
export function trainReference(
  tf: Tf,
  spec: ModelSpec,
  global: Uint8Array,
  data: Dataset,
  o: { epochs?: number; batchSize?: number } = {},
): Promise<Uint8Array> {
  return trainLocal(tf, spec, global, data, {
    epochs: o.epochs ?? REFERENCE_EPOCHS,
    batchSize: o.batchSize ?? data.count,
  });
}
