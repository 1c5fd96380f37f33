import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// A 4-validator network of real processes (as `pnpm testnet` builds it): f = 1.

async function blockHash(node: TestNode, height: number): Promise<string> {
  return (await node.rpc<{ block_id: { hash: string } }>("block", { height: String(height) })).block_id.hash;
}

async function assertSameChain(nodes: TestNode[], upTo: number): Promise<void> {
  for (let h = 1; h <= upTo; h++) {
    const hashes = await Promise.all(nodes.map((n) => blockHash(n, h)));
    assert.equal(new Set(hashes).size, 1, `nodes disagree at height ${h}: ${hashes.join(" ")}`);
  }
}

describe("4-validator network", () => {
  let net: TestNetwork;
  before(async () => {
    net = await TestNetwork.create(4, 300);
    await net.start();
  });
  after(() => net?.destroy());

  test("CosmJS broadcasts to one node and reads the result from another", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "cif" });
    const alice = (await wallet.getAccounts())[0]!.address;
    const to = "cif10dyr9899g6t0pelew4nvf4j5c3jcgv0rgu4djm";
    const client = await SigningStargateClient.connectWithSigner(net.nodes[0]!.url, wallet, {
      gasPrice: GasPrice.fromString("0.0025ucif"),
      broadcastPollIntervalMs: 200,
    });
    const reader = await StargateClient.connect(net.nodes[3]!.url);
    try {
      const before = BigInt((await reader.getBalance(to, "ucif")).amount);
      const res = await client.sendTokens(alice, to, [{ denom: "ucif", amount: "777" }], "auto");
      assertIsDeliverTxSuccess(res);
      await net.nodes[3]!.waitForHeight(res.height);
      assert.equal(BigInt((await reader.getBalance(to, "ucif")).amount), before + 777n);
      assert.equal((await reader.getTx(res.transactionHash))?.height, res.height);
    } finally {
      client.disconnect();
      reader.disconnect();
    }
  });

  test("one validator killed: the others keep committing; restarted, it catches up and agrees", async () => {
    const [a, b, c, d] = net.nodes as [TestNode, TestNode, TestNode, TestNode];
    await d.kill();
    const h0 = await a.height();
    await a.waitForHeight(h0 + 5, 30_000);
    await d.start();
    const target = await a.height();
    await d.waitForHeight(target, 60_000);
    await assertSameChain([a, b, c, d], target);
    // It votes again: the chain keeps going with all four.
    await d.waitForHeight(target + 3, 30_000);
  });

  test("two killed: no commits and no fork; one restarted: commits resume", async () => {
    const [a, b, c, d] = net.nodes as [TestNode, TestNode, TestNode, TestNode];
    await c.kill();
    await d.kill();
    await new Promise((r) => setTimeout(r, 1500)); // let a block in flight finish
    const stuck = await a.height();
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await a.height()) <= stuck + 1, "no progress without a 2/3 quorum");
    assert.equal(await blockHash(a, await b.height()), await blockHash(b, await b.height()));
    await c.start(90_000);
    await a.waitForHeight(stuck + 3, 60_000);
    await d.start(90_000);
    const h = await a.height();
    await d.waitForHeight(h, 60_000);
    await assertSameChain([a, b, c, d], h);
  });
});
