import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, sha256, toHexUpper, utf8 } from "../../chain/crypto/hash.ts";
import { merkleRoot } from "../../chain/crypto/merkle.ts";
import { headerHash } from "../../chain/types/block.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";
import { parseRfc3339 } from "../../chain/types/time.ts";

// Vectors from CometBFT's own tests (types/block_test.go TestHeaderHash, types/vote_test.go
// TestVoteSignBytesTestVectors) and RFC 6962 / Certificate Transparency's Merkle tree vectors.

test("header hash equals CometBFT's TestHeaderHash vector", () => {
  const zero = new Uint8Array(32);
  const h = headerHash({
    version: { block: 1n, app: 2n },
    chainId: "chainId",
    height: 3n,
    time: parseRfc3339("2019-10-13T16:14:44Z"),
    lastBlockId: { hash: zero, partSetHeader: { total: 6, hash: zero } },
    lastCommitHash: sha256(utf8("last_commit_hash")),
    dataHash: sha256(utf8("data_hash")),
    validatorsHash: sha256(utf8("validators_hash")),
    nextValidatorsHash: sha256(utf8("next_validators_hash")),
    consensusHash: sha256(utf8("consensus_hash")),
    appHash: sha256(utf8("app_hash")),
    lastResultsHash: sha256(utf8("last_results_hash")),
    evidenceHash: sha256(utf8("evidence_hash")),
    proposerAddress: sha256(utf8("proposer_address")).subarray(0, 20),
  });
  assert.equal(toHexUpper(h), "F740121F553B5418C3EFBD343C2DBFE9E007BB67B0D020A0741374BAB65242A4");
});

test("vote sign bytes equal the CometBFT canonical vote vectors", () => {
  const goZeroTime = { seconds: -62135596800n, nanos: 0 };
  const nilPrecommit = voteSignBytes("", SignedMsgType.Precommit, 1n, 1, null, goZeroTime);
  assert.deepEqual(
    [...nilPrecommit],
    [
      0x21, 0x8, 0x2, 0x11, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x19, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0xb, 0x8, 0x80,
      0x92, 0xb8, 0xc3, 0x98, 0xfe, 0xff, 0xff, 0xff, 0x1,
    ],
  );
  // tendermint-rs privval vector: a prevote for a block at height 500001, round 2.
  const prevote = voteSignBytes(
    "test_chain_id",
    SignedMsgType.Prevote,
    500001n,
    2,
    {
      hash: utf8("some hash00000000000000000000000"),
      partSetHeader: { total: 1_000_000, hash: utf8("parts_hash0000000000000000000000") },
    },
    { seconds: 1696413600n, nanos: 0 },
  );
  const expected = [
    0x77,
    0x8,
    0x1,
    0x11,
    0x21,
    0xa1,
    0x7,
    0x0,
    0x0,
    0x0,
    0x0,
    0x0,
    0x19,
    0x2,
    0x0,
    0x0,
    0x0,
    0x0,
    0x0,
    0x0,
    0x0,
    0x22,
    0x4a,
    0xa,
    0x20,
    ...utf8("some hash00000000000000000000000"),
    0x12,
    0x26,
    0x8,
    0xc0,
    0x84,
    0x3d,
    0x12,
    0x20,
    ...utf8("parts_hash0000000000000000000000"),
    0x2a,
    0x6,
    0x8,
    0xa0,
    0xef,
    0xf4,
    0xa8,
    0x6,
    0x32,
    0xd,
    ...utf8("test_chain_id"),
  ];
  assert.deepEqual([...prevote], expected);
});

test("Merkle root follows RFC 6962 (Certificate Transparency vectors)", () => {
  const leaves = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
  ].map(fromHex);
  const roots = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  ];
  assert.equal(
    Buffer.from(merkleRoot([])).toString("hex"),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  for (let n = 1; n <= 8; n++)
    assert.equal(
      Buffer.from(merkleRoot(leaves.slice(0, n))).toString("hex"),
      roots[n - 1],
      `root of ${n} leaves`,
    );
});
