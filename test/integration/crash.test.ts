import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StargateClient } from "@cosmjs/stargate";
import { toBase64 } from "../../chain/crypto/hash.ts";
import { msgSend } from "../helpers/msgs.ts";
import { TestNode } from "../helpers/node-process.ts";
import { devKey, signTx, type TestKey } from "../helpers/signer.ts";

// SIGKILL the node while it commits blocks under a stream of txs, restart it, and check that no
// block is half applied: every committed tx is in the index, balances and the sequence match
// exactly the txs that were committed, and production continues.

const FEE = 5000n;
const INITIAL = 1_000_000_000_000n;

interface TxSearch {
  txs: { hash: string; height: string; tx_result: { code: number } }[];
  total_count: string;
}

describe("crash recovery", () => {
  let node: TestNode;
  let alice: TestKey;
  let bob: TestKey;
  const txs: Uint8Array[] = [];
  const amountOf = (seq: number) => BigInt(1000 + seq);

  before(async () => {
    node = await TestNode.create({ blockIntervalMs: 150 });
    await node.start();
    alice = await devKey(0);
    bob = await devKey(2);
    const reader = await StargateClient.connect(node.url);
    const accountNumber = BigInt((await reader.getAccount(alice.address))!.accountNumber);
    reader.disconnect();
    for (let seq = 0; seq < 400; seq++) {
      txs.push(
        signTx(alice, {
          msgs: [msgSend(alice.address, bob.address, amountOf(seq))],
          chainId: "cifer-local-1",
          accountNumber,
          sequence: BigInt(seq),
        }),
      );
    }
  });
  after(() => node?.destroy());

  /** Sends txs from `from` until `stopAfterMs`, then SIGKILLs the node mid-stream. Returns the next unsent index. */
  async function loadAndKill(from: number, stopAfterMs: number): Promise<number> {
    const deadline = Date.now() + stopAfterMs;
    let i = from;
    while (i < txs.length && Date.now() < deadline) {
      const res = await node.rpc<{ code: number; log: string }>("broadcast_tx_sync", {
        tx: toBase64(txs[i]!),
      });
      if (res.code !== 0) break;
      i++;
    }
    await node.kill();
    return i;
  }

  async function committedSeqs(): Promise<number> {
    let page = 1;
    let total = 0;
    const seen = new Set<string>();
    for (; page <= 20; page++) {
      const r = await node.rpc<TxSearch>("tx_search", {
        query: `message.sender='${alice.address}'`,
        page: String(page),
        per_page: "100",
        order_by: "asc",
      });
      for (const t of r.txs) {
        assert.equal(t.tx_result.code, 0);
        seen.add(t.hash);
      }
      total = Number(r.total_count);
      if (page * 100 >= total) break;
    }
    assert.equal(seen.size, total);
    return total;
  }

  async function assertConsistent(): Promise<number> {
    const reader = await StargateClient.connect(node.url);
    try {
      const n = await committedSeqs();
      const acc = await reader.getAccount(alice.address);
      assert.equal(acc!.sequence, n, "sequence equals the number of committed txs");
      let sent = 0n;
      for (let s = 0; s < n; s++) sent += amountOf(s);
      assert.equal(
        BigInt((await reader.getBalance(alice.address, "ucif")).amount),
        INITIAL - sent - FEE * BigInt(n),
      );
      assert.equal(BigInt((await reader.getBalance(bob.address, "ucif")).amount), INITIAL + sent);
      // Every height has its block, commit and results.
      const latest = await reader.getHeight();
      for (let h = 1; h <= latest; h++) {
        const block = await node.rpc<{ block: { header: { height: string } } }>("block", {
          height: String(h),
        });
        assert.equal(block.block.header.height, String(h));
        await node.rpc("block_results", { height: String(h) });
      }
      return n;
    } finally {
      reader.disconnect();
    }
  }

  test("SIGKILL under load twice; state stays consistent and production continues", async () => {
    let next = 0;
    let committedBefore = 0;
    for (let round = 0; round < 2; round++) {
      next = await loadAndKill(next, 2500);
      await node.start();
      const n = await assertConsistent();
      assert.ok(n >= committedBefore, "nothing committed is lost");
      assert.ok(n <= next, "nothing is committed that was not sent");
      committedBefore = n;
      next = n; // txs after n were in the lost mempool: send them again
    }
    assert.ok(committedBefore > 0, "some txs were committed before the crashes");
    const h = await node.height();
    await node.waitForHeight(h + 3);
    const res = await node.rpc<{ tx_result: { code: number } }>("broadcast_tx_commit", {
      tx: toBase64(txs[next]!),
    });
    assert.equal(res.tx_result.code, 0, "a new tx commits after recovery");
    assert.equal(await assertConsistent(), next + 1);
  });
});
