import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SdkCode } from "../../chain/app/errors.ts";
import { AppHarness, CHAIN_ID } from "../helpers/app-harness.ts";
import { msgSend } from "../helpers/msgs.ts";
import { account, balance, supply } from "../helpers/queries.ts";
import { DEFAULT_FEE, devKey, randomKey, signTx, type TestKey } from "../helpers/signer.ts";

const TOTAL = 1_000_000_000_000_000n;

describe("tx pipeline (auth ante + bank) on the real app", () => {
  let h: AppHarness;
  let alice: TestKey;
  let bob: TestKey;
  let aliceNumber: bigint;
  const q = (p: string, d: Uint8Array) => h.query(p, d);

  before(async () => {
    h = await AppHarness.create();
    alice = await devKey(0);
    bob = await devKey(1);
    aliceNumber = (await account(q, alice.address))!.accountNumber;
  });
  after(() => h.close());

  const seq = async (k: TestKey) => (await account(q, k.address))?.sequence ?? 0n;
  const send = async (amount: string | bigint, extra: Partial<Parameters<typeof signTx>[1]> = {}) =>
    signTx(alice, {
      msgs: [msgSend(alice.address, bob.address, amount)],
      chainId: CHAIN_ID,
      accountNumber: aliceNumber,
      sequence: await seq(alice),
      ...extra,
    });

  test("genesis supply is exactly 1,000,000,000 CIF", async () => {
    assert.equal(await supply(q), TOTAL);
    assert.equal(await balance(q, alice.address), 1_000_000_000_000n);
  });

  test("a valid send moves funds, charges the fee, bumps the sequence and conserves supply", async () => {
    const a0 = await balance(q, alice.address);
    const b0 = await balance(q, bob.address);
    const tx = await send(1234n);
    const check = await h.app.checkTx(tx);
    assert.equal(check.code, 0, check.log);
    const [r] = await h.block([tx]);
    assert.equal(r!.code, 0, r!.log);
    assert.ok(r!.gasUsed > 0n && r!.gasUsed <= DEFAULT_FEE.gasLimit);
    assert.equal(await balance(q, alice.address), a0 - 1234n - 5000n);
    assert.equal(await balance(q, bob.address), b0 + 1234n);
    assert.equal(await seq(alice), 1n);
    assert.equal(await supply(q), TOTAL);
    const types = r!.events.map((e) => e.type);
    for (const t of ["tx", "coin_spent", "coin_received", "transfer", "message"])
      assert.ok(types.includes(t), `missing ${t} event`);
    const transfer = r!.events.find(
      (e) =>
        e.type === "transfer" && e.attributes.some((a) => a.key === "recipient" && a.value === bob.address),
    );
    assert.ok(transfer, "transfer.recipient event for bob");
  });

  test("a failing message keeps the fee and sequence but changes nothing else", async () => {
    const a0 = await balance(q, alice.address);
    const s0 = await seq(alice);
    const [r] = await h.block([await send(10n ** 30n)]);
    assert.equal(r!.code, SdkCode.InsufficientFunds);
    assert.match(r!.log, /insufficient funds/);
    assert.equal(await balance(q, alice.address), a0 - 5000n);
    assert.equal(await seq(alice), s0 + 1n);
    assert.equal(await supply(q), TOTAL);
  });

  test("out of gas keeps the fee and sequence, reverts the message", async () => {
    const a0 = await balance(q, alice.address);
    const b0 = await balance(q, bob.address);
    // A limit a little below what simulation says the whole tx needs: the ante passes, the message runs out.
    const raw = TxRaw.decode(await send(1n));
    const sim = await q(
      "/cosmos.tx.v1beta1.Service/Simulate",
      SimulateRequest.encode({
        txBytes: TxRaw.encode({ ...raw, signatures: [new Uint8Array()] }).finish(),
      }).finish(),
    );
    const needed = SimulateResponse.decode(sim.value).gasInfo!.gasUsed;
    const [r] = await h.block([
      await send(1n, { fee: { amount: [{ denom: "ucif", amount: "100" }], gasLimit: needed - 3000n } }),
    ]);
    assert.equal(r!.code, SdkCode.OutOfGas, r!.log);
    assert.equal(await balance(q, bob.address), b0);
    assert.equal(await balance(q, alice.address), a0 - 100n);
  });

  const rejected: Array<[string, () => Promise<Uint8Array>, number, RegExp]> = [
    [
      "garbage bytes",
      async () => Uint8Array.from([0xff, 0x01, 0x02, 0x03]),
      SdkCode.TxDecode,
      /parse error|index out of range|invalid/,
    ],
    ["truncated protobuf", async () => (await send(1n)).subarray(0, 40), SdkCode.TxDecode, /tx parse error/],
    [
      "wrong chain id",
      async () => send(1n, { chainId: "other-chain" }),
      SdkCode.Unauthorized,
      /signature verification failed/,
    ],
    [
      "wrong account number",
      async () => send(1n, { accountNumber: aliceNumber + 1n }),
      SdkCode.Unauthorized,
      /signature verification failed/,
    ],
    [
      "replayed sequence",
      async () => send(1n, { sequence: 0n }),
      SdkCode.WrongSequence,
      /account sequence mismatch/,
    ],
    [
      "high-S signature",
      async () => send(1n, { highS: true }),
      SdkCode.Unauthorized,
      /signature verification failed/,
    ],
    [
      "signature of another key",
      async () => send(1n, { signAs: randomKey() }),
      SdkCode.Unauthorized,
      /signature verification failed/,
    ],
    ["zero amount", async () => send(0n), SdkCode.InvalidCoins, /not positive/],
    ["overflowing amount", async () => send(2n ** 256n), SdkCode.InvalidCoins, /overflows 256 bits/],
    [
      "memo too long",
      async () => send(1n, { memo: "x".repeat(300) }),
      SdkCode.MemoTooLarge,
      /memo too large/,
    ],
  ];
  for (const [name, make, code, log] of rejected) {
    test(`CheckTx and DeliverTx reject ${name} without touching state`, async () => {
      const a0 = await balance(q, alice.address);
      const s0 = await seq(alice);
      const tx = await make();
      const check = await h.app.checkTx(tx);
      assert.equal(check.code, code, check.log);
      assert.match(check.log, log);
      const [r] = await h.block([tx]);
      assert.equal(r!.code, code, r!.log);
      assert.equal(await balance(q, alice.address), a0);
      assert.equal(await seq(alice), s0);
    });
  }

  test("CheckTx refuses a fee below the node's minimum gas price (a local rule, as in the Cosmos SDK)", async () => {
    const a0 = await balance(q, alice.address);
    const r = await h.app.checkTx(
      await send(1n, { fee: { amount: [{ denom: "ucif", amount: "499" }], gasLimit: 200_000n } }),
    );
    assert.equal(r.code, SdkCode.InsufficientFee);
    assert.match(r.log, /insufficient fees; got: 499ucif required: 500ucif/);
    assert.equal(await balance(q, alice.address), a0);
    assert.equal(
      (
        await h.app.checkTx(
          await send(1n, { fee: { amount: [{ denom: "ucif", amount: "500" }], gasLimit: 200_000n } }),
        )
      ).code,
      0,
    );
  });

  test("negative amounts, unknown messages and invalid bech32 are refused", async () => {
    const neg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: MsgSend.encode({
        fromAddress: alice.address,
        toAddress: bob.address,
        amount: [{ denom: "ucif", amount: "-5" }],
      }).finish(),
    };
    const unknown = { typeUrl: "/cosmos.evil.v1.MsgSteal", value: new Uint8Array([1, 2, 3]) };
    const badAddr = msgSend(alice.address, "cif1notanaddress", 5n);
    for (const [msg, code] of [
      [neg, SdkCode.InvalidCoins],
      [unknown, SdkCode.TxDecode],
      [badAddr, SdkCode.InvalidAddress],
    ] as const) {
      const tx = signTx(alice, {
        msgs: [msg],
        chainId: CHAIN_ID,
        accountNumber: aliceNumber,
        sequence: await seq(alice),
      });
      const r = await h.app.checkTx(tx);
      assert.equal(r.code, code, r.log);
    }
  });

  test("unknown protobuf fields in the body are refused (they are signed but not understood)", async () => {
    const tx = TxRaw.decode(await send(1n));
    const body = TxBody.encode(TxBody.decode(tx.bodyBytes)).finish();
    const withUnknown = Uint8Array.from([...body, 0x20, 0x01]); // field 4, varint 1
    const bytes = TxRaw.encode({ ...tx, bodyBytes: withUnknown }).finish();
    const r = await h.app.checkTx(bytes);
    assert.equal(r.code, SdkCode.TxDecode);
    assert.match(r.log, /unknown field 4/);
  });

  test("a new account can receive, then sign once its key is known", async () => {
    const carol = randomKey();
    const [r1] = await h.block([
      signTx(alice, {
        msgs: [msgSend(alice.address, carol.address, 100_000n)],
        chainId: CHAIN_ID,
        accountNumber: aliceNumber,
        sequence: await seq(alice),
      }),
    ]);
    assert.equal(r1!.code, 0, r1!.log);
    const acc = (await account(q, carol.address))!;
    assert.equal(acc.sequence, 0n);
    const [r2] = await h.block([
      signTx(carol, {
        msgs: [msgSend(carol.address, bob.address, 1n)],
        chainId: CHAIN_ID,
        accountNumber: acc.accountNumber,
        sequence: 0n,
        fee: { amount: [{ denom: "ucif", amount: "500" }], gasLimit: 200_000n },
      }),
    ]);
    assert.equal(r2!.code, 0, r2!.log);
    assert.equal(await balance(q, carol.address), 100_000n - 1n - 500n);
  });

  test("simulate (empty fee and signature, as CosmJS sends) covers the gas of the signed tx, changes nothing", async () => {
    const a0 = await balance(q, alice.address);
    const raw = TxRaw.decode(await send(7n, { fee: { amount: [], gasLimit: 0n } }));
    const unsigned = TxRaw.encode({ ...raw, signatures: [new Uint8Array()] }).finish();
    const r = await q(
      "/cosmos.tx.v1beta1.Service/Simulate",
      SimulateRequest.encode({ txBytes: unsigned }).finish(),
    );
    assert.equal(r.code, 0, r.log);
    const simulated = SimulateResponse.decode(r.value).gasInfo!.gasUsed;
    assert.equal(await balance(q, alice.address), a0);
    const [real] = await h.block([
      await send(7n, { fee: { amount: [{ denom: "ucif", amount: "5000" }], gasLimit: simulated } }),
    ]);
    assert.equal(real!.code, 0, `gas adjustment 1 must suffice: ${real!.log}`);
    assert.ok(simulated - real!.gasUsed < 2000n, `estimate ${simulated} vs used ${real!.gasUsed}`);
  });

  test("CheckTx state advances sequences so consecutive txs from one sender pass", async () => {
    const s = await seq(alice);
    const t1 = signTx(alice, {
      msgs: [msgSend(alice.address, bob.address, 1n)],
      chainId: CHAIN_ID,
      accountNumber: aliceNumber,
      sequence: s,
    });
    const t2 = signTx(alice, {
      msgs: [msgSend(alice.address, bob.address, 2n)],
      chainId: CHAIN_ID,
      accountNumber: aliceNumber,
      sequence: s + 1n,
    });
    assert.equal((await h.app.checkTx(t1)).code, 0);
    assert.equal((await h.app.checkTx(t2)).code, 0);
    // DeliverTx takes the txs as CheckTx decoded them: no second decode.
    const decode = h.app.decode.bind(h.app);
    let decodes = 0;
    h.app.decode = (bytes) => {
      decodes++;
      return decode(bytes);
    };
    let rs: Awaited<ReturnType<typeof h.block>>;
    try {
      rs = await h.block([t1, t2]);
    } finally {
      h.app.decode = decode;
    }
    assert.equal(decodes, 0);
    assert.deepEqual(
      rs.map((r) => r.code),
      [0, 0],
    );
    assert.equal(await supply(q), TOTAL);
  });
});
