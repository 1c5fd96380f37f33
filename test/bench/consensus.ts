/**
 * pnpm bench:consensus [--validators 4] [--rates 100,200,400] [--seconds 10] [--block-interval-ms 500] [--senders 40]
 *
 * Pre-signed bank sends at increasing rates against a local network of real node processes (built as
 * `pnpm testnet` builds it), from 40 funded senders each pinned to one node (txs of one sender in
 * order, senders concurrently), observed on the last node. For each rate: sustained
 * committed tx/s, p50 and p99 commit latency (broadcast -> seen in a committed block) and blocks/min.
 * In the same run: the verify limit = node:crypto secp256k1 verify/s x cores / validators (every
 * validator verifies every tx once), and the ratio of committed tx/s to it. Noisy machines: compare
 * ratios, not absolute numbers.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toBase64, toHexUpper, txHash } from "../../chain/crypto/hash.ts";
import { verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { msgMultiSend, msgSend } from "../helpers/msgs.ts";
import { accountNumberOf } from "../helpers/queries.ts";
import { LOCAL_BLOCK_INTERVAL_MS } from "../../testnet/network.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import { devKey, randomKey, signTx, type TestKey } from "../helpers/signer.ts";

const { values } = parseArgs({
  options: {
    validators: { type: "string", default: "4" },
    rates: { type: "string", default: "100,200,400" },
    seconds: { type: "string", default: "10" },
    "block-interval-ms": { type: "string", default: String(LOCAL_BLOCK_INTERVAL_MS) },
    senders: { type: "string", default: "40" },
  },
});
const SENDERS = Number(values.senders);
const VALIDATORS = Number(values.validators);
const RATES = values.rates!.split(",").map(Number);
const SECONDS = Number(values.seconds);
if (
  !(
    VALIDATORS >= 1 &&
    VALIDATORS <= 10 &&
    SECONDS > 0 &&
    SENDERS >= 1 &&
    SENDERS <= 200 &&
    RATES.every((r) => r > 0 && r <= 5000)
  )
) {
  console.error(
    "usage: pnpm bench:consensus [--validators 1-10] [--rates r1,r2,... (tx/s, <= 5000)] [--seconds S] [--senders 1-200] [--block-interval-ms MS]",
  );
  process.exit(2);
}

const net = await TestNetwork.create(VALIDATORS, Number(values["block-interval-ms"]));
try {
  await net.start();
  const sender = net.nodes[0]!;
  const observer = net.nodes[net.nodes.length - 1]!;
  // Many senders, each pinned to one node and sending its txs in order (sequences must arrive in
  // order), all senders concurrently: the client offers the load instead of waiting on each reply.
  const funder = await devKey(0);
  const keys: TestKey[] = Array.from({ length: SENDERS }, () => randomKey());
  const fund = signTx(funder, {
    msgs: [
      msgMultiSend(
        funder.address,
        keys.map((k) => k.address),
        1_000_000_000n,
      ),
    ],
    chainId: "cifer-local-1",
    accountNumber: 10n,
    sequence: 0n,
    fee: { amount: [{ denom: "ucif", amount: "20000" }], gasLimit: 4_000_000n },
  });
  const funded = await sender.rpc<{
    check_tx: { code: number; log: string };
    tx_result: { code: number; log: string };
  }>("broadcast_tx_commit", { tx: toBase64(fund) });
  if (funded.check_tx.code !== 0 || funded.tx_result.code !== 0)
    throw new Error(`funding failed: ${funded.check_tx.log} ${funded.tx_result.log}`);
  await observer.waitForHeight((await sender.height()) + 1);
  const numbers: bigint[] = [];
  for (const k of keys) numbers.push(await accountNumberOf(observer, k.address));
  const seqs = keys.map(() => 0n);
  const accountNumber = (i: number) => numbers[i]!;

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let observedHeight = await observer.height();
  const blockTimes: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const h = await observer.height();
      for (; observedHeight < h; observedHeight++) {
        const b = await observer.rpc<{ block: { data: { txs: string[] | null } } }>("block", {
          height: String(observedHeight + 1),
        });
        const now = performance.now();
        blockTimes.push(now);
        for (const tx of b.block.data.txs ?? []) {
          const at = sentAt.get(toHexUpper(txHash(Buffer.from(tx, "base64"))));
          if (at !== undefined) latencies.push(now - at);
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();

  const rows: string[] = [];
  for (const rate of RATES) {
    const total = rate * SECONDS;
    const txs: Uint8Array[] = [];
    for (let i = 0; i < total; i++) {
      const s = i % keys.length;
      txs.push(
        signTx(keys[s]!, {
          msgs: [msgSend(keys[s]!.address, keys[(s + 1) % keys.length]!.address, 1n)],
          chainId: "cifer-local-1",
          accountNumber: accountNumber(s),
          sequence: seqs[s]!++,
          fee: { amount: [{ denom: "ucif", amount: "150" }], gasLimit: 60_000n },
        }),
      );
    }
    latencies.length = 0;
    const firstBlock = blockTimes.length;
    const t0 = performance.now();
    let rejected = 0;
    // One ordered queue per sender; the schedule releases tx i at t0 + i/rate.
    const queues = keys.map(() => Promise.resolve());
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const s = i % keys.length;
      const tx = txs[i]!;
      const node = net.nodes[s % net.nodes.length]!;
      queues[s] = queues[s]!.then(async () => {
        sentAt.set(toHexUpper(txHash(tx)), performance.now());
        const r = await node.rpc<{ code: number }>("broadcast_tx_sync", { tx: toBase64(tx) });
        if (r.code !== 0) rejected++;
      });
    }
    await Promise.all(queues);
    const deadline = performance.now() + 60_000;
    while (latencies.length < total - rejected && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const t1 = performance.now();
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted.length
        ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
        : Number.NaN;
    const blocks = blockTimes.length - firstBlock;
    rows.push(
      `${String(rate).padStart(6)}  ${(latencies.length / ((t1 - t0) / 1000)).toFixed(0).padStart(8)}  ${pct(50).toFixed(0).padStart(7)}  ${pct(99).toFixed(0).padStart(7)}  ${((blocks / (t1 - t0)) * 60_000).toFixed(0).padStart(10)}  ${rejected}`,
    );
  }
  polling = false;
  await poller;

  // Raw verification on sign docs of this run, in this process.
  const samples = keys.slice(0, 5).map((k, i) => {
    const raw = TxRaw.decode(
      signTx(k, {
        msgs: [msgSend(k.address, k.address, 1n)],
        chainId: "cifer-local-1",
        accountNumber: accountNumber(i),
        sequence: 0n,
      }),
    );
    return {
      pubkey: k.pubkey,
      doc: SignDoc.encode({
        bodyBytes: raw.bodyBytes,
        authInfoBytes: raw.authInfoBytes,
        chainId: "cifer-local-1",
        accountNumber: accountNumber(i),
      }).finish(),
      sig: raw.signatures[0]!,
    };
  });
  let verified = 0;
  const v0 = performance.now();
  while (performance.now() - v0 < 2000)
    for (const s of samples) if (verifySecp256k1(s.pubkey, s.doc, s.sig)) verified++;
  const verifyPerSec = verified / ((performance.now() - v0) / 1000);
  const limit = (verifyPerSec * availableParallelism()) / VALIDATORS;

  console.log(
    `\n${VALIDATORS} validators, ${SECONDS} s per rate, ${SENDERS} senders spread over the nodes, observed on node${VALIDATORS - 1}`,
  );
  console.log("  rate  commit/s  p50 ms  p99 ms  blocks/min  rejected");
  for (const r of rows) console.log(r);
  console.log(
    `\nverify limit: ${verifyPerSec.toFixed(0)} verify/s x ${availableParallelism()} cores / ${VALIDATORS} validators = ${limit.toFixed(0)} tx/s`,
  );
  const best = Math.max(...rows.map((r) => Number(r.trim().split(/\s+/)[1])));
  console.log(`best sustained commit rate / verify limit = ${(best / limit).toFixed(3)}`);
} finally {
  await net.destroy();
}
