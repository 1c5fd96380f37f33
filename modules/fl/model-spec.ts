import { FlCode, flError } from "./errors.ts";

// The model a task trains (design decision of #5): TensorFlow.js model artifacts without their
// weights, as a JSON string: {"modelTopology": <Keras layers JSON>, "weightSpecs": [{"name",
// "shape", "dtype"}...]}. An update or aggregate blob is exactly tfjs' weightData for those specs:
// float32 little-endian, in spec order, full model weights (Flower semantics, not deltas). The chain
// checks only what it can check deterministically and cheaply: the JSON parses (JSON.parse of a
// bounded string is deterministic), every weight is float32 with positive integer dims, and the
// model size is bounded; the topology itself is validated by TensorFlow.js off chain.

/** Bytes of one float32. */
export const FLOAT32_BYTES = 4n;

export interface WeightSpec {
  name: string;
  shape: number[];
}

export interface ModelSpec {
  weightSpecs: WeightSpec[];
  /** Sum over the weights of the product of their shape. */
  paramCount: bigint;
}

const bad = (why: string) => flError(FlCode.InvalidModelSpec, `model spec: ${why}`);

/**
 * Parses and checks a model spec; `maxParamCount` caps the model (refused with ModelTooLarge).
 * The caller bounds the string's size first.
 */
export function parseModelSpec(text: string, maxParamCount: bigint): ModelSpec {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON: ${(e as Error).message}`);
  }
  if (j === null || typeof j !== "object" || Array.isArray(j)) throw bad("expected a JSON object");
  const o = j as Record<string, unknown>;
  const topology = o.modelTopology;
  if (topology === null || typeof topology !== "object" || Array.isArray(topology))
    throw bad("modelTopology must be the model's layers JSON (an object)");
  if ("weightData" in o || "weightsManifest" in o)
    throw bad("weights do not belong in the spec: the genesis weights are a blob named by its CID");
  if (!Array.isArray(o.weightSpecs) || o.weightSpecs.length === 0)
    throw bad("weightSpecs must be a non-empty array");
  const names = new Set<string>();
  let paramCount = 0n;
  const weightSpecs = o.weightSpecs.map((w: unknown, i): WeightSpec => {
    const at = `weightSpecs[${i}]`;
    if (w === null || typeof w !== "object" || Array.isArray(w)) throw bad(`${at} must be an object`);
    const s = w as Record<string, unknown>;
    if (typeof s.name !== "string" || s.name === "") throw bad(`${at}.name must be a non-empty string`);
    if (names.has(s.name)) throw bad(`${at}.name ${JSON.stringify(s.name)} appears twice`);
    names.add(s.name);
    if (s.dtype !== "float32") throw bad(`${at}.dtype must be "float32", got ${JSON.stringify(s.dtype)}`);
    // Quantized weights would change the blob size and need dequantizing before aggregation.
    if (s.quantization !== undefined) throw bad(`${at}: quantized weights are not supported`);
    if (!Array.isArray(s.shape)) throw bad(`${at}.shape must be an array of positive integers`);
    let size = 1n;
    for (const d of s.shape as unknown[]) {
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 1)
        throw bad(`${at}.shape must be an array of positive integers, got ${JSON.stringify(s.shape)}`);
      size *= BigInt(d);
      // Stop before a product of huge dims grows without bound.
      if (size > maxParamCount) break;
    }
    paramCount += size;
    if (paramCount > maxParamCount)
      throw flError(
        FlCode.ModelTooLarge,
        `the model has more than ${maxParamCount} parameters (at ${at} ${JSON.stringify(s.name)})`,
      );
    return { name: s.name, shape: s.shape as number[] };
  });
  return { weightSpecs, paramCount };
}

/** Size of every update and aggregate blob of a task: its float32 weights, no header. */
export const updateBytesOf = (paramCount: bigint) => FLOAT32_BYTES * paramCount;

/** What MsgSubmitUpdate's size_bytes must be for a task (the off-chain checks use the same). */
export const expectedUpdateBytes = (task: { paramCount: bigint }) => updateBytesOf(task.paramCount);
