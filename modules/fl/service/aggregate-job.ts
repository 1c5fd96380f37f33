import { createHash } from "node:crypto";
import { aggregate } from "../aggregation/aggregate.ts";
import { decodeCkksBlob } from "../ckks/blob.ts";
import { CkksError } from "../ckks/errors.ts";
import { sumCiphertexts } from "../ckks/ops.ts";
import { aggregateHash, encodeLayers } from "../aggregation/encoding.ts";
import { AggregationError } from "../aggregation/errors.ts";
import type { AggregationRule, ModelUpdate } from "../aggregation/types.ts";
import { checkedWeights, WeightsError } from "../weights.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

/** One stage's aggregation, as sent to the worker thread (plain data; the bytes are transferred). */
export interface AggregateRequest {
  /** Ignored when `ckks`: encrypted updates are summed (modules/fl/ckks). */
  rule: AggregationRule;
  /** The task's privacy mode is ckks: the inputs are CIFCKKS1 blobs of the model's values. */
  ckks?: boolean;
  /** Parameters per layer (the task's model spec). */
  sizes: number[];
  inputs: Array<{ id: string; samples: bigint; bytes: Uint8Array }>;
}

export interface AggregateOutcome {
  /** The aggregate's blob: float32 little-endian in spec order (encodeLayers). */
  bytes: Uint8Array;
  /** Lower-case hex sha256 of `bytes` (MsgSubmitAggregate.hash). */
  hash: string;
  selected: string[];
  /** Valid inputs the rule left out (krum, multikrum, bulyan). */
  ruleExcluded: string[];
  /** Inputs that are not valid weights of the model (wrong size, a non-finite value). */
  invalid: Array<{ id: string; reason: string }>;
}

/**
 * Validates each input against the model (modules/fl/weights.ts: exact size, finite float32s),
 * aggregates the valid ones with the rule (the deterministic library), and encodes and hashes the
 * result. CPU-bound and pure: it runs in the aggregation worker (aggregator.ts), or inline.
 */
export function runAggregation(req: AggregateRequest): AggregateOutcome {
  const valid: ModelUpdate[] = [];
  const invalid: AggregateOutcome["invalid"] = [];
  for (const u of req.inputs) {
    try {
      valid.push({ id: u.id, samples: u.samples, layers: checkedWeights(req.sizes, u.bytes) });
    } catch (e) {
      if (!(e instanceof WeightsError)) throw e;
      invalid.push({ id: u.id, reason: e.message });
    }
  }
  if (valid.length === 0)
    throw new FlServiceError(
      FlServiceErrorCode.NO_VALID_UPDATES,
      `none of the ${req.inputs.length} inputs is a valid model (${invalid.map((i) => `${i.id}: ${i.reason}`).join("; ")})`,
    );
  let result: ReturnType<typeof aggregate>;
  try {
    result = aggregate(valid, req.rule);
  } catch (e) {
    if (e instanceof AggregationError)
      throw new FlServiceError(FlServiceErrorCode.AGGREGATION, `${req.rule.kind}: ${e.message}`);
    throw e;
  }
  return {
    bytes: encodeLayers(result.layers),
    hash: Buffer.from(aggregateHash(result.layers)).toString("hex"),
    selected: result.selected,
    ruleExcluded: result.excluded,
    invalid,
  };
}

/** What the aggregation worker runs: the encrypted sum for a CKKS task, else runAggregation. */
export const runStageAggregation = (req: AggregateRequest): AggregateOutcome | Promise<AggregateOutcome> =>
  req.ckks ? sumEncrypted(req) : runAggregation(req);

/**
 * A CKKS stage: the sum of the encrypted updates (the owner divides by the accepted samples when
 * decrypting). An input that is not a well-formed CKKS update of the model is left out as invalid.
 */
async function sumEncrypted(req: AggregateRequest): Promise<AggregateOutcome> {
  const values = req.sizes.reduce((a, b) => a + b, 0);
  const valid: Array<{ id: string; bytes: Uint8Array }> = [];
  const invalid: AggregateOutcome["invalid"] = [];
  for (const u of req.inputs) {
    try {
      decodeCkksBlob(u.bytes, values);
      valid.push(u);
    } catch (e) {
      if (!(e instanceof CkksError)) throw e;
      invalid.push({ id: u.id, reason: e.message });
    }
  }
  if (valid.length === 0)
    throw new FlServiceError(
      FlServiceErrorCode.NO_VALID_UPDATES,
      `none of the ${req.inputs.length} inputs is a CKKS update of the model`,
    );
  // Canonical order (by id bytes), as the library orders plaintext updates: addition is exact, so
  // the order cannot change the bytes, but a fixed one keeps that from being a question.
  valid.sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)));
  let bytes: Uint8Array;
  try {
    bytes = await sumCiphertexts(
      valid.map((v) => v.bytes),
      values,
    );
  } catch (e) {
    if (e instanceof CkksError)
      throw new FlServiceError(FlServiceErrorCode.AGGREGATION, `ckks: ${e.message}`);
    throw e;
  }
  return {
    bytes,
    hash: createHash("sha256").update(bytes).digest("hex"),
    selected: valid.map((v) => v.id),
    ruleExcluded: [],
    invalid,
  };
}
