import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SdkCode } from "../../chain/app/errors.ts";
import { DEFAULT_MEMPOOL_LIMITS, Mempool } from "../../chain/mempool/mempool.ts";
import { AppHarness, CHAIN_ID } from "../helpers/app-harness.ts";
import { msgSend } from "../helpers/msgs.ts";
import { devKey, signTx, type TestKey } from "../helpers/signer.ts";

describe("mempool", () => {
  let h: AppHarness;
  let alice: TestKey;
  let bob: TestKey;
  const tx = (seq: number, from = alice, accountNumber = 10n) =>
    signTx(from, {
      msgs: [msgSend(from.address, bob.address, 1n)],
      chainId: CHAIN_ID,
      accountNumber,
      sequence: BigInt(seq),
    });

  before(async () => {
    h = await AppHarness.create();
    alice = await devKey(0);
    bob = await devKey(1);
  });
  after(() => h.close());

  test("admits valid txs in order, refuses duplicates, oversize txs and senders over their limit", async () => {
    const mp = new Mempool(h.app, { ...DEFAULT_MEMPOOL_LIMITS, maxTxsPerSender: 2, maxTxBytes: 2000 });
    assert.equal((await mp.add(tx(0))).code, 0);
    const dup = await mp.add(tx(0));
    assert.equal(dup.code, SdkCode.TxInMempoolCache);
    assert.match(dup.log, /already exists in cache/);
    assert.equal((await mp.add(tx(1))).code, 0);
    const third = await mp.add(tx(2));
    assert.equal(third.code, SdkCode.MempoolIsFull);
    assert.match(third.log, /already has 2 txs/);
    const big = await mp.add(new Uint8Array(2001));
    assert.equal(big.code, SdkCode.TxTooLarge);
    assert.equal(mp.size, 2);
    assert.deepEqual(
      mp.reap(1_000_000, -1n).map((t) => t.decoded.authInfo.signerInfos[0]!.sequence),
      [0n, 1n],
    );
  });

  test("is bounded in count and refuses with code 20 when full", async () => {
    const mp = new Mempool(h.app, { ...DEFAULT_MEMPOOL_LIMITS, size: 1 });
    assert.equal((await mp.add(tx(0, bob, 11n))).code, 0);
    const r = await mp.add(tx(1, bob, 11n));
    assert.equal(r.code, SdkCode.MempoolIsFull);
    assert.match(r.log, /mempool is full/);
  });

  test("reaps within the gas limit, and after a commit drops included txs and re-checks the rest", async () => {
    const carol = await devKey(2);
    h.app.afterCommit({ chainId: CHAIN_ID, height: h.height, timeSeconds: 0n, timeNanos: 0 });
    const mp = new Mempool(h.app);
    const txs = [0, 1, 2].map((s) => tx(s, carol, 12n));
    for (const t of txs) assert.equal((await mp.add(t)).code, 0);
    assert.equal(mp.reap(1_000_000, 400_000n).length, 2, "200k gas each: two fit in 400k");
    // Commit only the first; a conflicting tx with sequence 1 takes the second's place in the block.
    const conflicting = signTx(carol, {
      msgs: [msgSend(carol.address, alice.address, 5n)],
      chainId: CHAIN_ID,
      accountNumber: 12n,
      sequence: 1n,
    });
    const results = await h.block([txs[0]!, conflicting]);
    assert.deepEqual(
      results.map((r) => r.code),
      [0, 0],
    );
    await mp.update([txs[0]!, conflicting], () =>
      h.app.afterCommit({ chainId: CHAIN_ID, height: h.height, timeSeconds: 0n, timeNanos: 0 }),
    );
    // The re-check runs behind the update: until it is done, reap offers none of the rest.
    assert.equal(mp.reap(1_000_000, 400_000n).length, 0);
    await mp.idle();
    // txs[1] now has a stale sequence and is dropped; txs[2] (sequence 2) is still valid.
    assert.deepEqual(
      mp.list().map((t) => t.decoded.authInfo.signerInfos[0]!.sequence),
      [2n],
    );
    assert.equal((await mp.add(txs[0]!)).code, SdkCode.TxInMempoolCache, "a committed tx stays refused");
    assert.equal(mp.reap(1_000_000, 400_000n).length, 1, "re-checked txs are offered again");
  });
  test("the update after a block goes before queued CheckTxs; re-checks reuse the decoded tx", async () => {
    const dave = await devKey(3);
    h.app.afterCommit({ chainId: CHAIN_ID, height: h.height, timeSeconds: 0n, timeNanos: 0 });
    const order: string[] = [];
    let decodedPassed = 0;
    const app = {
      checkTx: async (bytes: Uint8Array, mode?: "check" | "recheck", decoded?: unknown) => {
        order.push(mode ?? "check");
        if (decoded) decodedPassed++;
        await new Promise((r) => setTimeout(r, 2));
        return h.app.checkTx(bytes, mode, decoded as never);
      },
    };
    const mp = new Mempool(app);
    const txs = [0, 1, 2, 3].map((s) => tx(s, dave, 13n));
    assert.equal((await mp.add(txs[0]!)).code, 0);
    // Three CheckTxs queue behind each other; the update arrives after them but runs right after the first.
    const adds = txs.slice(1).map((t) => mp.add(t));
    const update = mp.update([], () => {
      order.push("reset");
      h.app.afterCommit({ chainId: CHAIN_ID, height: h.height, timeSeconds: 0n, timeNanos: 0 });
    });
    await Promise.all([...adds, update]);
    assert.deepEqual(order, ["check", "check", "reset", "recheck", "recheck", "check", "check"]);
    assert.equal(decodedPassed, 2, "re-checks get the tx decoded at admission");
    assert.equal(mp.size, 4);
  });

  test("a tx seen before is refused at once, without waiting for the lock", async () => {
    const erin = await devKey(4);
    h.app.afterCommit({ chainId: CHAIN_ID, height: h.height, timeSeconds: 0n, timeNanos: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let gated = false;
    const app = {
      checkTx: async (bytes: Uint8Array) => {
        if (gated) await gate;
        return h.app.checkTx(bytes);
      },
    };
    const mp = new Mempool(app);
    const first = tx(0, erin, 14n);
    assert.equal((await mp.add(first)).code, 0);
    gated = true;
    const blocked = mp.add(tx(1, erin, 14n));
    const dup = await mp.add(first);
    assert.equal(dup.code, SdkCode.TxInMempoolCache);
    release();
    assert.equal((await blocked).code, 0);
  });
});
