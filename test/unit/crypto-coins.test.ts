import assert from "node:assert/strict";
import { test } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { SdkCode } from "../../chain/app/errors.ts";
import { moduleAddress, parseAddress } from "../../chain/crypto/address.ts";
import { concatBytes, sha256, utf8 } from "../../chain/crypto/hash.ts";
import { isHighS, SECP256K1_ORDER, verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { parseAmount, parseCoins } from "../../chain/types/coins.ts";
import { formatGasPrice, parseGasPrice, requiredFee } from "../../chain/types/gas-price.ts";

test("secp256k1 verify through OpenSSL accepts low-S, rejects high-S, tampering and bad keys", () => {
  const sk = secp256k1.utils.randomSecretKey();
  const pk = secp256k1.getPublicKey(sk, true);
  const msg = utf8("sign doc bytes");
  const sig = secp256k1.sign(msg, sk);
  assert.equal(verifySecp256k1(pk, msg, sig), true);
  assert.equal(verifySecp256k1(pk, utf8("other"), sig), false);
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
  const high = Uint8Array.from([
    ...sig.subarray(0, 32),
    ...Buffer.from((SECP256K1_ORDER - s).toString(16).padStart(64, "0"), "hex"),
  ]);
  assert.equal(isHighS(high), true);
  assert.equal(verifySecp256k1(pk, msg, high), false);
  assert.equal(verifySecp256k1(pk, msg, sig.subarray(0, 63)), false);
  const notOnCurve = Uint8Array.from(pk);
  notOnCurve[0] = 0x04;
  assert.throws(() => verifySecp256k1(notOnCurve, msg, sig), /33 bytes, compressed/);
  // The hash used is sha256 of the message, as Cosmos signs sha256(SignDoc).
  assert.equal(secp256k1.verify(sig, sha256(msg), pk, { prehash: false }), true);
});

test("coins: positive, sorted, unique, digits only, at most 256 bits", () => {
  assert.deepEqual(parseCoins([{ denom: "ucif", amount: "10" }]), [{ denom: "ucif", amount: 10n }]);
  const bad: Array<[string, string]> = [
    ["0", "not positive"],
    ["-5", "invalid coin amount"],
    ["1e3", "invalid coin amount"],
    ["", "invalid coin amount"],
    [(2n ** 256n).toString(), "overflows"],
  ];
  for (const [amount, msg] of bad) {
    assert.throws(
      () => parseCoins([{ denom: "ucif", amount }]),
      (e: { code: number; message: string }) => e.code === SdkCode.InvalidCoins && e.message.includes(msg),
    );
  }
  assert.equal(parseAmount((2n ** 256n - 1n).toString()), 2n ** 256n - 1n);
  assert.throws(() => parseCoins([{ denom: "zz", amount: "1" }]), /invalid denom/);
  assert.throws(
    () =>
      parseCoins([
        { denom: "ucif", amount: "1" },
        { denom: "aaa", amount: "1" },
      ]),
    /sorted/,
  );
  assert.throws(
    () =>
      parseCoins([
        { denom: "ucif", amount: "1" },
        { denom: "ucif", amount: "1" },
      ]),
    /sorted and unique/,
  );
});

test("gas prices are exact decimals and fees round up", () => {
  const p = parseGasPrice("0.0025ucif");
  assert.equal(requiredFee(p, 200_000n), 500n);
  assert.equal(requiredFee(p, 1n), 1n);
  assert.equal(requiredFee(p, 0n), 0n);
  assert.equal(formatGasPrice(p), "0.0025ucif");
  assert.throws(() => parseGasPrice("-1ucif"), /invalid gas price/);
  assert.throws(() => parseGasPrice("0.0025"), /invalid gas price/);
});

test("addresses: bech32 with the cif prefix; module addresses as the Cosmos SDK derives them", () => {
  assert.equal(parseAddress(moduleAddress("fee_collector")).length, 20);
  assert.throws(() => parseAddress("cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a"), /prefix|invalid/);
  assert.throws(() => parseAddress("cif1invalid"), /invalid address/);
  // Parses are remembered: each call still returns its own bytes, and errors are not remembered.
  const a = moduleAddress("fee_collector");
  const first = parseAddress(a);
  first.fill(0);
  assert.deepEqual(parseAddress(a), sha256(utf8("fee_collector")).subarray(0, 20));
  assert.throws(() => parseAddress("cif1invalid"), /invalid address/);
});

test("concatBytes and sha256 of one or several parts", () => {
  const a = utf8("ab");
  const b = utf8("cd");
  assert.deepEqual(concatBytes(a, b), utf8("abcd"));
  assert.deepEqual(concatBytes(), new Uint8Array());
  assert.deepEqual(sha256(a, b), sha256(utf8("abcd")));
  assert.ok(sha256(a) instanceof Uint8Array && !Buffer.isBuffer(sha256(a)));
});
