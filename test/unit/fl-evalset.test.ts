import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { ed25519FromSeed } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { DIGITS_PATH, parseCsvDataset } from "../../client/fl/dataset.ts";
import { decryptEvalSet, encryptEvalSet } from "../../modules/fl/evalset/cipher.ts";
import { EvalSetError, EvalSetErrorCode } from "../../modules/fl/evalset/errors.ts";
import { evalSetContext, KEY_WRAP_BYTES, unwrapKey, wrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import { evalSplit } from "../../modules/fl/evalset/split.ts";

// The eval set's crypto (issue #6, item 1): the owner's data encrypted under K, K wrapped for each
// evaluating validator's consensus key; only they can open it, a non-member cannot; and the DIN split.

const validator = (i: number) => ed25519FromSeed(sha256(utf8(`validator ${i}`)));
const code = (c: EvalSetErrorCode) => (e: unknown) => e instanceof EvalSetError && e.code === c;
const CONTEXT = evalSetContext("cifer-test", "cif1owner", "bafkreiexample");

describe("eval-set cipher (AES-256-GCM)", () => {
  test("round trip; another key or any changed byte is refused", () => {
    const plain = utf8("1,2,3,0\n4,5,6,1\n");
    const { blob, key } = encryptEvalSet(plain);
    assert.deepEqual(decryptEvalSet(blob, key), plain);
    assert.notDeepEqual(blob.subarray(20, 20 + plain.length), plain, "the blob does not show the data");
    const other = new Uint8Array(32).fill(9);
    assert.throws(() => decryptEvalSet(blob, other), code(EvalSetErrorCode.WRONG_KEY_OR_TAMPERED));
    for (const at of [9, 20, blob.length - 1]) {
      const bent = Uint8Array.from(blob);
      bent[at]! ^= 1;
      assert.throws(
        () => decryptEvalSet(bent, key),
        code(EvalSetErrorCode.WRONG_KEY_OR_TAMPERED),
        `byte ${at}`,
      );
    }
    const noMagic = Uint8Array.from(blob);
    noMagic[0] = 0;
    assert.throws(() => decryptEvalSet(noMagic, key), code(EvalSetErrorCode.MALFORMED));
    assert.throws(() => decryptEvalSet(blob.subarray(0, 30), key), code(EvalSetErrorCode.MALFORMED));
  });
});

describe("key wraps (ECIES: X25519 from the consensus key, HKDF-SHA256, AES-256-GCM)", () => {
  test("a recipient unwraps K; a non-recipient, another context and a changed wrap are refused", () => {
    const key = new Uint8Array(sha256(utf8("K")));
    const [a, b] = [validator(1), validator(2)];
    const wrap = wrapKey(key, a.pubkey, CONTEXT);
    assert.equal(wrap.length, KEY_WRAP_BYTES);
    assert.deepEqual(unwrapKey(wrap, a.seed, CONTEXT), key);
    assert.throws(
      () => unwrapKey(wrap, b.seed, CONTEXT),
      code(EvalSetErrorCode.WRONG_KEY),
      "another validator",
    );
    assert.throws(
      () => unwrapKey(wrap, a.seed, `${CONTEXT}x`),
      code(EvalSetErrorCode.WRONG_KEY),
      "another set",
    );
    const bent = Uint8Array.from(wrap);
    bent[60]! ^= 1;
    assert.throws(() => unwrapKey(bent, a.seed, CONTEXT), code(EvalSetErrorCode.WRONG_KEY));
    assert.throws(() => unwrapKey(wrap.subarray(1), a.seed, CONTEXT), code(EvalSetErrorCode.MALFORMED));
  });

  test("wraps of one key for one recipient differ every time (fresh ephemeral key and nonce)", () => {
    const key = new Uint8Array(32).fill(1);
    const a = validator(1);
    const w1 = wrapKey(key, a.pubkey, CONTEXT);
    const w2 = wrapKey(key, a.pubkey, CONTEXT);
    assert.notDeepEqual(w1, w2);
    assert.deepEqual(unwrapKey(w2, a.seed, CONTEXT), key);
  });

  test("a public key that is no ed25519 point is refused", () => {
    // y = 2 is not on the curve (x^2 = (y^2 - 1) / (d y^2 + 1) has no square root).
    const bad = new Uint8Array(32);
    bad[0] = 2;
    assert.throws(() => wrapKey(new Uint8Array(32), bad, CONTEXT), code(EvalSetErrorCode.INVALID_KEY));
    assert.throws(
      () => wrapKey(new Uint8Array(32), new Uint8Array(31), CONTEXT),
      code(EvalSetErrorCode.INVALID_KEY),
    );
  });

  test("the whole flow on digits: 3 of 4 validators read the owner's set, the 4th cannot", () => {
    const csv = gunzipSync(readFileSync(DIGITS_PATH)).toString("utf8").split("\n").slice(0, 200).join("\n");
    const { blob, key } = encryptEvalSet(utf8(csv));
    const vals = [1, 2, 3, 4].map(validator);
    const wraps = vals.slice(0, 3).map((v) => wrapKey(key, v.pubkey, CONTEXT));
    for (const [i, v] of vals.slice(0, 3).entries()) {
      const k = unwrapKey(wraps[i]!, v.seed, CONTEXT);
      const set = parseCsvDataset(Buffer.from(decryptEvalSet(blob, k)).toString("utf8"), "eval set");
      assert.equal(set.count, 200);
      assert.equal(set.features, 64);
    }
    const outsider = vals[3]!;
    for (const w of wraps)
      assert.throws(() => unwrapKey(w, outsider.seed, CONTEXT), code(EvalSetErrorCode.WRONG_KEY));
  });
});

describe("the DIN split of the eval set per round", () => {
  const seed = (s: string) => sha256(utf8(s));

  test("a half per round, the whole set in the last; validation and test disjoint; deterministic", () => {
    const n = 101;
    const r1 = evalSplit(n, 1, 3, seed("a"));
    assert.deepEqual(evalSplit(n, 1, 3, seed("a")), r1, "same seed, same split");
    assert.equal(r1.validation.length + r1.test.length, 50, "floor(101 / 2) records");
    assert.equal(r1.validation.length, 25);
    const inBoth = r1.validation.filter((i) => r1.test.includes(i));
    assert.deepEqual(inBoth, []);
    assert.deepEqual(
      r1.validation,
      [...r1.validation].sort((x, y) => x - y),
      "sorted",
    );
    const other = evalSplit(n, 1, 3, seed("b"));
    assert.notDeepEqual(other, r1, "another seed draws another half");
    const last = evalSplit(n, 3, 3, seed("a"));
    assert.equal(last.validation.length, 51);
    assert.equal(last.test.length, 50);
    assert.deepEqual(
      [...last.validation, ...last.test].sort((x, y) => x - y),
      Array.from({ length: n }, (_, i) => i),
      "every record in the last round",
    );
  });

  test("impossible arguments are refused", () => {
    for (const [n, r, rs, s] of [
      [3, 1, 1, seed("a")],
      [10, 0, 2, seed("a")],
      [10, 3, 2, seed("a")],
      [10, 1, 2, new Uint8Array()],
    ] as const)
      assert.throws(() => evalSplit(n, r, rs, s), code(EvalSetErrorCode.INVALID_SPLIT));
  });
});
