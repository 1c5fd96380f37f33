import { initTf } from "../../../client/fl/backend.ts";
import { parseCsvDataset, subset } from "../../../client/fl/dataset.ts";
import { parseModelSpec } from "../../../client/fl/model.ts";
import { accuracy, trainReference } from "../../../client/fl/train.ts";
import { trustWeights } from "../aggregation/trust.ts";
import type { ModelUpdate } from "../aggregation/types.ts";
import { checkedWeights, WeightsError } from "../weights.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

/** One stage's evaluation, as sent to the evaluation worker (plain data). */
export interface EvaluateRequest {
  /** The task's model spec (TensorFlow.js JSON with userDefinedMetadata.cifer training settings). */
  modelSpec: string;
  /** Parameters per layer. */
  sizes: number[];
  /** The round's starting model. */
  global: Uint8Array;
  /** The updates this member could fetch (the others score 0). */
  updates: Array<{ id: string; bytes: Uint8Array }>;
  /** The decrypted eval set (CSV) and the round's split of it (evalset/split.ts). */
  evalCsv: string;
  validation: number[];
  test: number[];
}

export interface EvaluateOutcome {
  /** Per fetched update: trust and accuracy in millionths; invalid ones score 0 with a reason. */
  scores: Array<{ id: string; trustPpm: number; accuracyPpm: number; invalid?: string }>;
  referenceNormNano: bigint;
  globalAccuracyPpm: number;
  backend: string;
}

const ppm = (share: number) => Math.min(1_000_000, Math.max(0, Math.floor(share * 1_000_000)));

/**
 * A committee member's scores of a stage (issue #6, item 2): trains a reference from the global
 * model on the round's validation split (trainReference: full batch, the task's learning rate),
 * then for each update the FLTrust weight relu(cos(update - global, reference - global))
 * (aggregation/trust.ts) and its accuracy on the test split, and the global model's accuracy.
 * Training uses TensorFlow.js, so the floats differ a little between members; the chain takes
 * medians. CPU-bound: runs in the evaluation worker (evaluator.ts).
 */
export async function runEvaluation(req: EvaluateRequest): Promise<EvaluateOutcome> {
  const { tf, backend } = await initTf();
  let spec: ReturnType<typeof parseModelSpec>;
  let data: ReturnType<typeof parseCsvDataset>;
  try {
    spec = parseModelSpec(req.modelSpec);
    data = parseCsvDataset(req.evalCsv, "eval set");
  } catch (e) {
    throw new FlServiceError(FlServiceErrorCode.EVALUATION, (e as Error).message);
  }
  const validation = subset(data, req.validation);
  const test = subset(data, req.test);
  const global = checkedWeights(req.sizes, req.global);
  const reference = checkedWeights(req.sizes, await trainReference(tf, spec, req.global, validation));
  const valid: ModelUpdate[] = [];
  const bytesOf = new Map<string, Uint8Array>();
  const scores: EvaluateOutcome["scores"] = [];
  for (const u of req.updates) {
    try {
      valid.push({ id: u.id, samples: 1, layers: checkedWeights(req.sizes, u.bytes) });
      bytesOf.set(u.id, u.bytes);
    } catch (e) {
      if (!(e instanceof WeightsError)) throw e;
      scores.push({ id: u.id, trustPpm: 0, accuracyPpm: 0, invalid: e.message });
    }
  }
  let referenceNormNano = 0n;
  if (valid.length > 0) {
    const tw = trustWeights(global, valid, reference);
    referenceNormNano = tw.referenceNormNano;
    for (const [i, id] of tw.ids.entries())
      scores.push({
        id,
        trustPpm: tw.weightsPpm[i]!,
        accuracyPpm: ppm(await accuracy(tf, spec, bytesOf.get(id)!, test)),
      });
  } else {
    // Nothing to compare: the norm still says how far the reference moved.
    const tw = trustWeights(global, [{ id: "reference", samples: 1, layers: reference }], reference);
    referenceNormNano = tw.referenceNormNano;
  }
  return {
    scores,
    referenceNormNano,
    globalAccuracyPpm: ppm(await accuracy(tf, spec, req.global, test)),
    backend,
  };
}

/** One model's accuracy on every record of a CSV (a market escrow's test set), for the worker. */
export interface AccuracyRequest {
  kind: "accuracy";
  /** The model's spec (TensorFlow.js JSON with userDefinedMetadata.cifer, as a task's). */
  modelSpec: string;
  /** Its weights: float32 little-endian in the spec's weight order. */
  weights: Uint8Array;
  /** The decrypted test set. */
  csv: string;
}

export interface AccuracyOutcome {
  /** floor(share classified correctly x 1e6), in [0, 1e6]; 0 when the model is unusable. */
  accuracyPpm: number;
  /** Records evaluated (every record of the CSV). */
  records: number;
  /** Why the model could not be run on the test set (bad spec or weights, a label it has no class for). */
  invalid?: string;
  backend: string;
}

/**
 * A model's accuracy on a whole test set (issue #7's accuracy-threshold purchase): the test set
 * that cannot be parsed fails the job (EVALUATION); a model that cannot be run on it (a spec
 * without training settings, weights of another size or not finite, a topology TensorFlow.js
 * refuses, labels beyond its classes) scores 0, as every honest member finds alike. CPU-bound:
 * runs in the evaluation worker (evaluator.ts).
 */
export async function runAccuracy(req: AccuracyRequest): Promise<AccuracyOutcome> {
  const { tf, backend } = await initTf();
  let data: ReturnType<typeof parseCsvDataset>;
  try {
    data = parseCsvDataset(req.csv, "test set");
  } catch (e) {
    throw new FlServiceError(FlServiceErrorCode.EVALUATION, (e as Error).message);
  }
  try {
    const share = await accuracy(tf, parseModelSpec(req.modelSpec), req.weights, data);
    return { accuracyPpm: ppm(share), records: data.count, backend };
  } catch (e) {
    return { accuracyPpm: 0, records: data.count, invalid: (e as Error).message, backend };
  }
}

/** What the evaluation worker runs: a stage's scores, or one model's accuracy. */
export function runEvaluateJob(
  req: EvaluateRequest | AccuracyRequest,
): Promise<EvaluateOutcome | AccuracyOutcome> {
  return "kind" in req ? runAccuracy(req) : runEvaluation(req);
}
