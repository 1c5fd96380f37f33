import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { type ChannelNet, decodeTxs, encodeTxs, MempoolReactor } from "../../chain/mempool/reactor.ts";
import { AppHarness, CHAIN_ID } from "../helpers/app-harness.ts";
import { msgSend } from "../helpers/msgs.ts";
import { devKey, signTx } from "../helpers/signer.ts";

/** An in-memory channel recording what the reactor sends and whom it reports. */
class RecordingNet implements ChannelNet {
  sent: Array<{ bytes: Uint8Array; except?: string }> = [];
  punished: string[] = [];
  handler: (peer: string, bytes: Uint8Array) => void = () => {};
  broadcast(bytes: Uint8Array, except?: string) {
    this.sent.push({ bytes, ...(except ? { except } : {}) });
  }
  onMessage(h: (peer: string, bytes: Uint8Array) => void) {
    this.handler = h;
  }
  punish(peer: string) {
    this.punished.push(peer);
  }
}

let h: AppHarness;
before(async () => {
  h = await AppHarness.create();
});
after(() => h.close());

const settle = () => new Promise((r) => setTimeout(r, 50));

test("txs are gossiped once: local ones to all, peers' ones to the others, duplicates not again", async () => {
  const a = await devKey(0);
  const b = await devKey(1);
  const tx = (seq: number) =>
    signTx(a, {
      msgs: [msgSend(a.address, b.address, 1n)],
      chainId: CHAIN_ID,
      accountNumber: 10n,
      sequence: BigInt(seq),
    });
  const net = new RecordingNet();
  const reactor = new MempoolReactor(new Mempool(h.app), net);
  assert.equal((await reactor.submit(tx(0))).code, 0);
  await settle();
  assert.equal(net.sent.length, 1);
  assert.deepEqual(decodeTxs(net.sent[0]!.bytes), [tx(0)]);

  net.handler("peer-1", encodeTxs([tx(1)]));
  await settle();
  assert.equal(net.sent.length, 2);
  assert.equal(net.sent[1]!.except, "peer-1");

  net.handler("peer-2", encodeTxs([tx(1), tx(0)]));
  await settle();
  assert.equal(net.sent.length, 2, "already seen txs are not gossiped again");

  net.handler("peer-3", new Uint8Array([0xff, 0xff]));
  await settle();
  assert.deepEqual(net.punished, ["peer-3"]);
});

test("txs submitted together are gossiped as one message, in order, at most 64 to a message", async () => {
  const tx = (i: number) => new Uint8Array([1, 2, i]);
  const net = new RecordingNet();
  // A mempool that admits at once: all 70 are admitted within the batching delay.
  const admitAll = { add: async (t: Uint8Array) => ({ code: 0, hash: t }) } as unknown as Mempool;
  const reactor = new MempoolReactor(admitAll, net);
  const txs = Array.from({ length: 70 }, (_, i) => tx(i));
  const results = await Promise.all(txs.map((t) => reactor.submit(t)));
  assert.deepEqual(
    results.map((r) => r.code),
    txs.map(() => 0),
  );
  await settle();
  assert.deepEqual(
    net.sent.map((m) => decodeTxs(m.bytes).length),
    [64, 6],
  );
  assert.deepEqual(
    net.sent.flatMap((m) => decodeTxs(m.bytes)),
    txs,
  );
});

test("a message with too many txs is refused", () => {
  assert.throws(
    () => decodeTxs(encodeTxs(Array.from({ length: 65 }, () => new Uint8Array([1])))),
    /more than 64/,
  );
});
