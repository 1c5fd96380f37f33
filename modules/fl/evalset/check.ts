import { parseAddress } from "../../../chain/crypto/address.ts";
import { VALOPER_PREFIX } from "../../staking/store.ts";
import { parseCid } from "../cid.ts";
import type { EvalSet } from "../proto.ts";
import { KEY_WRAP_BYTES } from "./key-wrap.ts";

/** The fewest records an eval set may have: each round's half splits into validation and test. */
export const MIN_EVAL_RECORDS = 4;
/** The most: the records are indexed by uint32, and a committee member holds them in memory. */
export const MAX_EVAL_RECORDS = 10_000_000;

/**
 * The shape of an encrypted eval set (a task's, or a market escrow buyer's test set): a canonical
 * CID, a record count within bounds, and its key wrapped for at least one and at most `maxKeyWraps`
 * validators, each once, in the wrap format of key-wrap.ts. Throws an Error saying what is wrong
 * (each module turns it into its own typed error); returns the set with its wraps sorted by
 * validator. Whether the validators exist is the keeper's check.
 */
export function checkEvalSetShape(e: EvalSet, maxKeyWraps: number): EvalSet {
  const cid = parseCid(e.cid);
  if ("error" in cid) throw new Error(`eval set: ${cid.error}`);
  if (e.records < MIN_EVAL_RECORDS || e.records > MAX_EVAL_RECORDS)
    throw new Error(
      `eval set records must be within [${MIN_EVAL_RECORDS}, ${MAX_EVAL_RECORDS}], got ${e.records}`,
    );
  if (e.wraps.length === 0) throw new Error("the eval set's key is wrapped for no validator");
  if (e.wraps.length > maxKeyWraps)
    throw new Error(`${e.wraps.length} key wraps, the limit is ${maxKeyWraps}`);
  const seen = new Set<string>();
  for (const w of e.wraps) {
    try {
      parseAddress(w.validator, VALOPER_PREFIX);
    } catch (err) {
      throw new Error(`key wrap validator: ${(err as Error).message}`);
    }
    if (seen.has(w.validator)) throw new Error(`the key is wrapped twice for ${w.validator}`);
    seen.add(w.validator);
    if (w.wrap.length !== KEY_WRAP_BYTES)
      throw new Error(`the key wrap for ${w.validator} is ${w.wrap.length} bytes, not ${KEY_WRAP_BYTES}`);
  }
  const wraps = [...e.wraps].sort((a, b) =>
    a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0,
  );
  return { cid: e.cid, records: e.records, wraps };
}
