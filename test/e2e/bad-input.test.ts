import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { StargateClient } from "@cosmjs/stargate";
import { toBase64 } from "../../chain/crypto/hash.ts";
import { msgSend } from "../helpers/msgs.ts";
import { TestNode } from "../helpers/node-process.ts";
import { devKey, randomKey, signTx, type TestKey, type TxSpec } from "../helpers/signer.ts";

// Every bad input gets a non-zero code (or a JSON-RPC error) with a clear log, changes no balance or
// sequence, and leaves the node serving.

interface CheckResult {
  code: number;
  log: string;
  codespace: string;
  hash: string;
}

describe("bad input over RPC", () => {
  let node: TestNode;
  let reader: StargateClient;
  let alice: TestKey;
  let bob: TestKey;
  let accountNumber: bigint;

  before(async () => {
    node = await TestNode.create({ blockIntervalMs: 200 });
    await node.start();
    reader = await StargateClient.connect(node.url);
    alice = await devKey(0);
    bob = await devKey(1);
    accountNumber = BigInt((await reader.getAccount(alice.address))!.accountNumber);
    // One committed tx, so that sequence 0 is a replay from now on.
    const first = signTx(alice, {
      msgs: [msgSend(alice.address, bob.address, 1n)],
      chainId: "cifer-local-1",
      accountNumber,
      sequence: 0n,
    });
    const res = await node.rpc<{ check_tx: { code: number }; tx_result: { code: number } }>(
      "broadcast_tx_commit",
      { tx: toBase64(first) },
    );
    assert.equal(res.check_tx.code, 0);
    assert.equal(res.tx_result.code, 0);
  });

  after(async () => {
    reader?.disconnect();
    await node?.destroy();
  });

  const snapshot = async () => ({
    alice: (await reader.getBalance(alice.address, "ucif")).amount,
    bob: (await reader.getBalance(bob.address, "ucif")).amount,
    seq: (await reader.getAccount(alice.address))!.sequence,
  });
  const spec = (extra: Partial<TxSpec> = {}): TxSpec => ({
    msgs: [msgSend(alice.address, bob.address, 10n)],
    chainId: "cifer-local-1",
    accountNumber,
    sequence: 1n,
    ...extra,
  });
  const raw = (value: Uint8Array, typeUrl = "/cosmos.bank.v1beta1.MsgSend") => ({ typeUrl, value });

  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    [
      "garbage bytes",
      () => Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x11]),
      /parse error|invalid|out of range/,
    ],
    ["truncated protobuf", () => signTx(alice, spec()).subarray(0, 50), /tx parse error/],
    [
      "wrong chain id",
      () => signTx(alice, spec({ chainId: "cifer-evil-1" })),
      /signature verification failed.*chain-id/,
    ],
    [
      "wrong account number",
      () => signTx(alice, spec({ accountNumber: accountNumber + 7n })),
      /signature verification failed/,
    ],
    [
      "replayed sequence",
      () => signTx(alice, spec({ sequence: 0n })),
      /account sequence mismatch, expected 1, got 0/,
    ],
    ["high-S signature", () => signTx(alice, spec({ highS: true })), /signature verification failed/],
    [
      "signature of another key",
      () => signTx(alice, spec({ signAs: randomKey() })),
      /signature verification failed/,
    ],
    [
      "insufficient fee",
      () => signTx(alice, spec({ fee: { amount: [{ denom: "ucif", amount: "10" }], gasLimit: 200_000n } })),
      /insufficient fees/,
    ],
    [
      "zero amount",
      () => signTx(alice, spec({ msgs: [msgSend(alice.address, bob.address, 0n)] })),
      /not positive/,
    ],
    [
      "negative amount",
      () =>
        signTx(
          alice,
          spec({
            msgs: [
              raw(
                MsgSend.encode({
                  fromAddress: alice.address,
                  toAddress: bob.address,
                  amount: [{ denom: "ucif", amount: "-10" }],
                }).finish(),
              ),
            ],
          }),
        ),
      /invalid coin amount/,
    ],
    [
      "overflowing amount",
      () => signTx(alice, spec({ msgs: [msgSend(alice.address, bob.address, 2n ** 256n)] })),
      /overflows 256 bits/,
    ],
    [
      "unknown message type",
      () => signTx(alice, spec({ msgs: [raw(new Uint8Array([8, 1]), "/cosmos.evil.v1beta1.MsgDrain")] })),
      /unable to resolve type URL/,
    ],
    [
      "invalid bech32 recipient",
      () =>
        signTx(
          alice,
          spec({ msgs: [msgSend(alice.address, "cif1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", 5n)] }),
        ),
      /invalid to address/,
    ],
    [
      "tx over the size limit",
      () => signTx(alice, spec({ memo: "", msgs: [raw(new Uint8Array(1_200_000).fill(7))] })),
      /tx too large/,
    ],
  ];

  for (const [name, make, log] of cases) {
    test(`${name}: non-zero code, clear log, no state change`, async () => {
      const before = await snapshot();
      const res = await node.rpc<CheckResult>("broadcast_tx_sync", { tx: toBase64(make()) });
      assert.notEqual(res.code, 0, `accepted: ${JSON.stringify(res)}`);
      assert.match(res.log, log);
      await node.waitForHeight((await node.height()) + 2);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test("an already committed tx sent again is refused", async () => {
    const first = signTx(alice, {
      msgs: [msgSend(alice.address, bob.address, 1n)],
      chainId: "cifer-local-1",
      accountNumber,
      sequence: 0n,
    });
    const res = await node.rpc<CheckResult>("broadcast_tx_sync", { tx: toBase64(first) });
    assert.notEqual(res.code, 0);
    assert.match(res.log, /already exists in cache|sequence mismatch/);
  });

  const post = async (body: string) => {
    const r = await fetch(node.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return {
      status: r.status,
      json: (await r.json()) as { error?: { code: number; message: string; data?: string } },
    };
  };

  test("malformed JSON-RPC requests get JSON-RPC errors with HTTP 200", async () => {
    const invalidJson = await post("{not json");
    assert.equal(invalidJson.status, 200);
    assert.equal(invalidJson.json.error?.code, -32700);
    const unknown = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "no_such_method", params: {} }),
    );
    assert.equal(unknown.json.error?.code, -32601);
    const badHeight = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "block", params: { height: "abc" } }),
    );
    assert.equal(badHeight.json.error?.code, -32602);
    const badTx = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 4,
        method: "broadcast_tx_sync",
        params: { tx: "%%%not-base64%%%" },
      }),
    );
    assert.equal(badTx.json.error?.code, -32602);
    const notObject = await post(JSON.stringify(42));
    assert.equal(notObject.json.error?.code, -32600);
  });

  test("the node is still serving and producing blocks", async () => {
    const h = await node.height();
    await node.waitForHeight(h + 2);
    assert.equal(await reader.getChainId(), "cifer-local-1");
  });
});
