import assert from "node:assert/strict";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { cidOf } from "../../chain/blobs/cid.ts";
import { ed25519Agreement } from "../../chain/crypto/x25519.ts";
import type { ServiceBlobs } from "../../chain/node/services.ts";
import { encryptEvalSet } from "../../modules/fl/evalset/cipher.ts";
import { evalSetContext, wrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import { OpenEvalSetError, openEvalSet } from "../../modules/fl/service/open-eval-set.ts";

// The one way a committee member opens an encrypted eval set, for fl's scoring and the market's
// escrows: fetched, unwrapped for the set's owner with this validator's consensus key, decrypted,
// its records counted against the chain's record.

const CHAIN = "cifer-test";
const ME = "cifvaloper1me";
const seed = new Uint8Array(32).fill(9);
const csv = "1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
const sealed = encryptEvalSet(new TextEncoder().encode(csv));
const cid = cidOf(sealed.blob);
const blobs = {
  has: (c: string) => c === cid,
  get: async (c: string) => (c === cid ? sealed.blob : undefined),
  fetch: async () => Promise.reject(new Error("no peers")),
} as unknown as ServiceBlobs;
const options = {
  chainId: CHAIN,
  validator: ME,
  me: ed25519Agreement(seed),
  blobs,
  fetchTimeoutMs: 1000,
  signal: new AbortController().signal,
};
const wrapFor = (owner: string) =>
  wrapKey(sealed.key, ed25519.getPublicKey(seed), evalSetContext(CHAIN, owner, cid));
const set = (over: { records?: number; validator?: string; owner?: string } = {}) => ({
  cid,
  records: over.records ?? 4,
  wraps: [{ validator: over.validator ?? ME, wrap: wrapFor(over.owner ?? "cif1owner") }],
});

test("opens the set wrapped for this validator and its owner", async () => {
  assert.equal(await openEvalSet(options, set(), "cif1owner"), csv);
});

test("refuses a set not wrapped for this validator, wrapped for another owner, or of another size", async () => {
  const refused = async (p: Promise<unknown>, why: RegExp) =>
    assert.rejects(p, (e) => e instanceof OpenEvalSetError && why.test(e.message));
  await refused(
    openEvalSet(options, set({ validator: "cifvaloper1other" }), "cif1owner"),
    /not wrapped for cifvaloper1me/,
  );
  // The wrap binds the owner: a set re-used under another owner's name does not open.
  await refused(
    openEvalSet(options, set({ owner: "cif1someone" }), "cif1owner"),
    /not for this validator.s key/,
  );
  await refused(openEvalSet(options, set({ records: 5 }), "cif1owner"), /has 4 records, the chain says 5/);
});
