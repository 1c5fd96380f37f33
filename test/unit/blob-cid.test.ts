import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  base32Decode,
  base32Encode,
  cidFromDigest,
  cidOf,
  decodeCidBytes,
  isCid,
  parseCid,
} from "../../chain/blobs/cid.ts";
import { BlobError, BlobErrorCode } from "../../chain/blobs/errors.ts";

// Vectors computed by IPFS (`ipfs add --cid-version 1 --raw-leaves`, multiformats' CID.create(1,
// raw.code, sha256.digest(bytes))), not by the code under test.
const EMPTY = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const HELLO = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
const HELLO_SHA256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
// The same digest as dag-cbor (0x71): another codec.
const HELLO_DAG_CBOR = "bafyreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

const utf8 = (s: string) => new TextEncoder().encode(s);

test("known vectors: the empty blob and 'hello world'", () => {
  assert.equal(cidOf(new Uint8Array()), EMPTY);
  assert.equal(cidOf(utf8("hello world")), HELLO);
  assert.equal(cidFromDigest(Buffer.from(HELLO_SHA256, "hex")), HELLO);
  const p = parseCid(HELLO);
  assert.equal(p.text, HELLO);
  assert.equal(Buffer.from(p.digest).toString("hex"), HELLO_SHA256);
  assert.equal(Buffer.from(p.bytes).toString("hex"), `01551220${HELLO_SHA256}`);
  assert.equal(decodeCidBytes(p.bytes).text, HELLO);
  assert.equal(parseCid(EMPTY).text, EMPTY);
});

test("RFC 4648 base32 vectors (lower case, unpadded) round-trip", () => {
  const rfc: Array<[string, string]> = [
    ["", ""],
    ["f", "my"],
    ["fo", "mzxq"],
    ["foo", "mzxw6"],
    ["foob", "mzxw6yq"],
    ["fooba", "mzxw6ytb"],
    ["foobar", "mzxw6ytboi"],
  ];
  for (const [plain, enc] of rfc) {
    assert.equal(base32Encode(utf8(plain)), enc);
    assert.equal(Buffer.from(base32Decode(enc)).toString(), plain);
  }
});

test("every digest round-trips through text and binary", () => {
  for (let i = 0; i < 200; i++) {
    const data = createHash("sha256").update(`blob ${i}`).digest();
    const cid = cidOf(data);
    assert.equal(cid.length, 59);
    assert.ok(cid.startsWith("bafkrei"));
    const p = parseCid(cid);
    assert.deepEqual(Buffer.from(p.digest), createHash("sha256").update(data).digest());
    assert.equal(decodeCidBytes(p.bytes).text, cid);
  }
});

test("other versions, codecs, hashes and bases are refused with the reason", () => {
  const digest = Buffer.from(HELLO_SHA256, "hex");
  const bin = (...prefix: number[]) => `b${base32Encode(Uint8Array.from([...prefix, ...digest]))}`;
  const cases: Array<[unknown, RegExp]> = [
    [HELLO_DAG_CBOR, /codec 0x71 \(dag-cbor\) is not accepted: expected 0x55 \(raw\)/],
    [bin(0x01, 0x70, 0x12, 0x20), /codec 0x70 \(dag-pb\)/],
    [bin(0x01, 0x55, 0x1e, 0x20), /hash function 0x1e \(blake3\) is not accepted/],
    [bin(0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20), /hash function 0xb220 \(blake2b-256\)/],
    [bin(0x02, 0x55, 0x12, 0x20), /CID version 2 is not accepted/],
    [bin(0x01, 0x55, 0x12, 0x1f), /digest length 31 is not 32/],
    [`b${base32Encode(Uint8Array.from([0x01, 0x55, 0x12, 0x20, ...digest.subarray(0, 31)]))}`, /truncated/],
    [`b${base32Encode(Uint8Array.from([0x01, 0x55, 0x12, 0x20, ...digest, 0]))}`, /trailing bytes/],
    [bin(0x81, 0x00, 0x55, 0x12, 0x20), /not minimally encoded/],
    ["QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u", /CIDv0/],
    [HELLO.toUpperCase(), /multibase "B" \(base32upper\)/],
    ["zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", /multibase "z" \(base58btc\)/],
    [`f01551220${HELLO_SHA256}`, /multibase "f" \(base16\)/],
    [`${HELLO.slice(0, 20)}1${HELLO.slice(21)}`, /"1" at 19 is not base32/],
    [`${HELLO.slice(0, -1)}f`, /non-zero padding bits/],
    [`${HELLO}a`, /impossible base32 length|trailing/],
    [HELLO.slice(0, -2), /digest truncated/],
    [HELLO.slice(0, -1), /impossible base32 length/],
    ["", /empty/],
    ["b", /truncated varint/],
    ["b".repeat(300), /longer than 256/],
    [42, /expected a string/],
    [undefined, /expected a string/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(
      () => parseCid(input),
      (e: Error) => e instanceof BlobError && e.code === BlobErrorCode.BAD_CID && reason.test(e.message),
      `${String(input).slice(0, 70)} should fail with ${reason}`,
    );
    assert.equal(isCid(input), false);
  }
  assert.throws(() => decodeCidBytes(Uint8Array.from([0x12, 0x20, ...digest])), /CIDv0/);
  assert.equal(isCid(HELLO), true);
});
