import type { KeyAgreement } from "../../../chain/crypto/x25519.ts";
import type { ServiceBlobs } from "../../../chain/node/services.ts";
import { csvRows } from "../../../client/fl/dataset.ts";
import { decryptEvalSet } from "../evalset/cipher.ts";
import { EvalSetError } from "../evalset/errors.ts";
import { evalSetContext, unwrapKeyWith } from "../evalset/key-wrap.ts";
import type { EvalSet } from "../proto.ts";
import { fetchRequired } from "./fetch.ts";

/** Why an eval set could not be opened: not wrapped for us, not decryptable, or not its record count. */
export class OpenEvalSetError extends Error {}

export interface OpenEvalSetOptions {
  chainId: string;
  /** This validator's operator address (cifvaloper...): whose wrap to use. */
  validator: string;
  me: KeyAgreement;
  blobs: ServiceBlobs;
  fetchTimeoutMs: number;
  signal: AbortSignal;
}

/**
 * An encrypted eval set (a task's, or a market escrow buyer's test set) opened by a committee
 * member: its blob fetched (local store, else peers), the key unwrapped with this validator's
 * consensus key for the set's owner, the CSV decrypted and its records counted against the chain's
 * record. A failed fetch throws what fetchRequired throws; the rest throws OpenEvalSetError.
 */
export async function openEvalSet(o: OpenEvalSetOptions, e: EvalSet, owner: string): Promise<string> {
  const wrap = e.wraps.find((w) => w.validator === o.validator);
  if (!wrap) throw new OpenEvalSetError(`it is not wrapped for ${o.validator}`);
  const blob = await fetchRequired(o.blobs, e.cid, "the eval set", {
    timeoutMs: o.fetchTimeoutMs,
    signal: o.signal,
  });
  let csv: string;
  try {
    const key = unwrapKeyWith(wrap.wrap, o.me, evalSetContext(o.chainId, owner, e.cid));
    csv = Buffer.from(decryptEvalSet(blob, key)).toString("utf8");
  } catch (err) {
    if (err instanceof EvalSetError) throw new OpenEvalSetError(err.message);
    throw err;
  }
  const rows = csvRows(csv).length;
  if (rows !== e.records) throw new OpenEvalSetError(`it has ${rows} records, the chain says ${e.records}`);
  return csv;
}
