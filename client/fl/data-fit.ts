/**
 * Whether a trainer's local data fits a task's model, checked before it joins or trains: as many
 * features per row as the model's inputs, labels below its classes. A mismatch would otherwise
 * surface as a TensorFlow.js shape error in the middle of a round.
 */
import type { Dataset } from "./dataset.ts";
import type { ModelSpec } from "./model.ts";
import { TrainerError } from "./trainer-types.ts";

/** The number of input features of a layers model whose first layer declares its input shape. */
export function inputFeaturesOf(spec: ModelSpec): number | undefined {
  const topology = spec.modelTopology as {
    config?: { layers?: Array<{ config?: { batch_input_shape?: unknown; batchInputShape?: unknown } }> };
  };
  const shape =
    topology.config?.layers?.[0]?.config?.batch_input_shape ??
    topology.config?.layers?.[0]?.config?.batchInputShape;
  if (!Array.isArray(shape) || shape.length !== 2) return undefined;
  const n = shape[1];
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Refuses data the model cannot train on, with the reason (before joining or training). */
export function checkDataFits(spec: ModelSpec, data: Dataset): void {
  const inputs = inputFeaturesOf(spec);
  if (inputs !== undefined && inputs !== data.features)
    throw new TrainerError(
      `the data has ${data.features} features per row, the task's model takes ${inputs}`,
    );
  const { classes } = spec.userDefinedMetadata.cifer;
  let max = 0;
  for (const y of data.y) if (y > max) max = y;
  if (max >= classes)
    throw new TrainerError(`the data has label ${max}, the task's model has classes 0..${classes - 1}`);
}
