import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import { BlockSyncReactor, type PeerChannel } from "../../chain/blocksync/reactor.ts";
import { decodeBlockSync, encodeBlockSync } from "../../chain/blocksync/messages.ts";
import { generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { msgSend } from "../helpers/msgs.ts";
import { devKey, signTx } from "../helpers/signer.ts";
import { TestChain, testGenesis } from "../helpers/chain.ts";

/** Two in-memory channel ends: what one side sends, the other receives (asynchronously). */
function channelPair(): [PeerChannel & { punished: string[] }, PeerChannel & { punished: string[] }] {
  const handlers: Array<(peer: string, b: Uint8Array) => void> = [() => {}, () => {}];
  const make = (me: number) => {
    const other = 1 - me;
    const deliver = (b: Uint8Array) => setImmediate(() => handlers[other]!(`peer-${me}`, b));
    return {
      punished: [] as string[],
      send: (_peer: string, b: Uint8Array) => deliver(b),
      broadcast: (b: Uint8Array) => deliver(b),
      onMessage: (h: (peer: string, b: Uint8Array) => void) => {
        handlers[me] = h;
      },
      punish(peer: string) {
        this.punished.push(peer);
      },
    };
  };
  return [make(0), make(1)];
}

const chains: TestChain[] = [];
after(async () => {
  for (const c of chains) await c.close();
});

test("a fresh node syncs a chain block by block, verifying commits, and ends at the same app hash", async () => {
  const key = generateEd25519();
  const genesis = await testGenesis([key]);
  const a = await TestChain.open(genesis);
  const b = await TestChain.open(genesis);
  chains.push(a, b);
  // Chain a: 6 blocks, some with bank sends.
  const producer = a.producer(key);
  const alice = await devKey(0);
  const bob = await devKey(1);
  for (let i = 0; i < 6; i++) {
    if (i % 2 === 0) {
      const tx = signTx(alice, {
        msgs: [msgSend(alice.address, bob.address, 1000n + BigInt(i))],
        chainId: genesis.chainId,
        accountNumber: 10n,
        sequence: BigInt(i / 2),
      });
      assert.equal((await a.core.mempool.add(tx)).code, 0);
    }
    await producer.produceOne();
  }
  assert.equal(a.core.executor.state.lastBlockHeight, 6n);

  const [netA, netB] = channelPair();
  const serve = new BlockSyncReactor({
    net: netA,
    blockStore: a.core.blockStore,
    state: () => a.core.executor.state,
    apply: async () => assert.fail("a is not behind"),
  });
  const sync = new BlockSyncReactor({
    net: netB,
    blockStore: b.core.blockStore,
    state: () => b.core.executor.state,
    apply: async (block, bytes, id, commit) => {
      await b.core.executor.apply(block, bytes, id, commit);
    },
    intervalMs: 20,
  });
  serve.start();
  sync.start();
  const deadline = Date.now() + 20_000;
  while (b.core.executor.state.lastBlockHeight < 6n && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  serve.stop();
  sync.stop();
  await new Promise((r) => setTimeout(r, 50)); // let in-flight replies drain before the stores close
  assert.equal(b.core.executor.state.lastBlockHeight, 6n);
  assert.equal(
    toHexUpper(b.core.executor.state.appHash),
    toHexUpper(a.core.executor.state.appHash),
    "same state",
  );
  for (let h = 1n; h <= 6n; h++) {
    assert.equal(
      toHexUpper((await b.core.blockStore.meta(h))!.blockId.hash),
      toHexUpper((await a.core.blockStore.meta(h))!.blockId.hash),
    );
  }
  assert.ok(sync.caughtUp);
  assert.deepEqual([netA.punished, netB.punished], [[], []]);
});

test("a peer serving a forged block is reported and the block is not applied", async () => {
  const key = generateEd25519();
  const genesis = await testGenesis([key]);
  const a = await TestChain.open(genesis);
  const b = await TestChain.open(genesis);
  chains.push(a, b);
  await a.producer(key).produceOne();
  const [netA, netB] = channelPair();
  // A lying server: answers block requests with block 1 whose app hash was changed after signing.
  let stopped = false;
  netA.onMessage(async (_peer, bytes) => {
    if (stopped) return;
    const m = decodeBlockSync(bytes);
    if (m.type === "status_request")
      netA.send("x", encodeBlockSync({ type: "status_response", height: 1n, base: 1n }));
    if (m.type === "block_request") {
      const block = (await a.core.blockStore.block(1n))!;
      block.header.appHash = new Uint8Array(32);
      const commit = (await a.core.blockStore.commit(1n))!;
      const { Commit } = await import("cosmjs-types/tendermint/types/types");
      netA.send(
        "x",
        encodeBlockSync({
          type: "block_response",
          block: BlockCodec.encode(block).finish(),
          commit: Commit.encode(commit).finish(),
        }),
      );
    }
  });
  const sync = new BlockSyncReactor({
    net: netB,
    blockStore: b.core.blockStore,
    state: () => b.core.executor.state,
    apply: async () => assert.fail("must not apply"),
    intervalMs: 20,
  });
  sync.start();
  const deadline = Date.now() + 10_000;
  while (netB.punished.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  sync.stop();
  stopped = true;
  await new Promise((r) => setTimeout(r, 50));
  // The liar is reported (perhaps twice: this test channel does not disconnect it as the switch
  // does, so a request already in flight can come back forged too), and nobody else is.
  assert.ok(netB.punished.length >= 1);
  assert.deepEqual(new Set(netB.punished), new Set(["peer-0"]));
  assert.equal(b.core.executor.state.lastBlockHeight, 0n);
});
