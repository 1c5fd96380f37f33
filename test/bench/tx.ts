/**
 * pnpm bench:tx [--txs N] [--senders S] [--block-interval-ms MS]
 *
 * Broadcasts N pre-signed bank sends to a real node process and measures committed tx/s; in the
 * same run it measures raw node:crypto secp256k1 verifications per second on the same sign docs,
 * and prints the ratio (these machines are noisy: compare ratios, not absolute numbers).
 */
import { parseArgs } from "node:util";
import { benchArgs } from "./args.ts";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toBase64 } from "../../chain/crypto/hash.ts";
import { verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { msgSend } from "../helpers/msgs.ts";
import { TestNode } from "../helpers/node-process.ts";
import { devKey, signTx, type TestKey } from "../helpers/signer.ts";

const USAGE = `pnpm bench:tx [options]
  --txs N                pre-signed bank sends to broadcast (default 4000)
  --senders S            sending accounts, 1-5 (default 5)
  --batch B              txs per broadcast batch, 1-100 (default 50)
  --block-interval-ms M  the node's wait after each block (default 1000)`;
const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      txs: { type: "string", default: "4000" },
      senders: { type: "string", default: "5" },
      "block-interval-ms": { type: "string", default: "1000" },
      batch: { type: "string", default: "50" },
    },
  }),
);
const N = Number(values.txs);
const SENDERS = Number(values.senders);
const BATCH = Number(values.batch);
if (!(N > 0 && SENDERS >= 1 && SENDERS <= 5 && BATCH >= 1 && BATCH <= 100)) {
  console.error(USAGE);
  process.exit(2);
}

const node = await TestNode.create({
  blockIntervalMs: Number(values["block-interval-ms"]),
  config: (c) => {
    c.mempool = {
      ...c.mempool,
      size: N + 100,
      max_txs_per_sender: N + 100,
      max_txs_bytes: 1024 ** 3,
      cache_size: N * 2,
    };
    c.rpc = {
      ...c.rpc,
      max_batch_requests: 100,
      rate_limit_per_second: 1_000_000,
      rate_limit_burst: 1_000_000,
      max_body_bytes: 10_000_000,
    };
    Object.assign(c, { log_level: "warn" });
  },
});
try {
  await node.start();
  const keys: TestKey[] = [];
  for (let i = 0; i < SENDERS; i++) keys.push(await devKey(i));
  const recipient = (await devKey(4)).address;
  const accountNumbers = await Promise.all(
    keys.map(async (k) => {
      const r = await node.rpc<{ response: { value: string } }>("abci_query", {
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: Buffer.from([0x0a, k.address.length, ...Buffer.from(k.address)]).toString("hex"),
      });
      // BaseAccount inside Any: account_number is field 3 of the inner message; decode with cosmjs-types.
      const { QueryAccountResponse } = await import("cosmjs-types/cosmos/auth/v1beta1/query");
      const { BaseAccount } = await import("cosmjs-types/cosmos/auth/v1beta1/auth");
      return BaseAccount.decode(
        QueryAccountResponse.decode(Buffer.from(r.response.value, "base64")).account!.value,
      ).accountNumber;
    }),
  );

  process.stdout.write(`signing ${N} bank sends from ${SENDERS} accounts... `);
  const perSender = Math.ceil(N / SENDERS);
  const streams: Uint8Array[][] = keys.map(() => []);
  let made = 0;
  for (let seq = 0; seq < perSender && made < N; seq++) {
    for (let s = 0; s < SENDERS && made < N; s++, made++) {
      streams[s]!.push(
        signTx(keys[s]!, {
          msgs: [msgSend(keys[s]!.address, recipient, 1n)],
          chainId: "cifer-local-1",
          accountNumber: accountNumbers[s]!,
          sequence: BigInt(seq),
          // A realistic gas limit (a send uses ~36k): block max gas, not this, should bound a block.
          fee: { amount: [{ denom: "ucif", amount: "150" }], gasLimit: 60_000n },
        }),
      );
    }
  }
  console.log("done");

  const startHeight = await node.height();
  const t0 = performance.now();
  let rejected = 0;
  await Promise.all(
    streams.map(async (txs) => {
      for (let i = 0; i < txs.length; i += BATCH) {
        const body = txs.slice(i, i + BATCH).map((tx, j) => ({
          jsonrpc: "2.0",
          id: i + j,
          method: "broadcast_tx_sync",
          params: { tx: toBase64(tx) },
        }));
        const res = await fetch(node.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const out = (await res.json()) as { result?: { code: number } }[];
        rejected += out.filter((r) => r.result?.code !== 0).length;
      }
    }),
  );
  const tBroadcast = performance.now();
  // Committed when every sender's sequence reached its stream length: count txs in blocks since start.
  let committed = 0;
  let h = startHeight;
  const deadline = Date.now() + 600_000;
  while (committed < N - rejected && Date.now() < deadline) {
    const latest = await node.height();
    for (; h < latest; h++) {
      const r = await node.rpc<{ txs_results: unknown[] | null }>("block_results", { height: String(h + 1) });
      committed += r.txs_results?.length ?? 0;
    }
    if (committed < N - rejected) await new Promise((r) => setTimeout(r, 50));
  }
  const t1 = performance.now();
  const txPerSec = committed / ((t1 - t0) / 1000);

  // Raw signature verification on the same sign docs, in this process, for about 2 s.
  const samples = streams.flatMap((txs, s) =>
    txs.slice(0, 400).map((bytes) => {
      const raw = TxRaw.decode(bytes);
      return {
        pubkey: keys[s]!.pubkey,
        doc: SignDoc.encode({
          bodyBytes: raw.bodyBytes,
          authInfoBytes: raw.authInfoBytes,
          chainId: "cifer-local-1",
          accountNumber: accountNumbers[s]!,
        }).finish(),
        sig: raw.signatures[0]!,
      };
    }),
  );
  let verified = 0;
  const v0 = performance.now();
  while (performance.now() - v0 < 2000) {
    for (const s of samples) {
      if (!verifySecp256k1(s.pubkey, s.doc, s.sig)) throw new Error("a bench signature does not verify");
      verified++;
    }
  }
  const verifyPerSec = verified / ((performance.now() - v0) / 1000);

  console.log("");
  console.log(`txs sent                      ${N} (${rejected} rejected at CheckTx)`);
  console.log(`txs committed                 ${committed} in ${h - startHeight} blocks`);
  console.log(`broadcast time                ${((tBroadcast - t0) / 1000).toFixed(2)} s`);
  console.log(`first broadcast -> last commit ${((t1 - t0) / 1000).toFixed(2)} s`);
  console.log(`committed tx/s                ${txPerSec.toFixed(0)}`);
  console.log(`raw secp256k1 verify/s        ${verifyPerSec.toFixed(0)} (node:crypto, 1 core)`);
  console.log(`ratio tx/s : verify/s         ${(txPerSec / verifyPerSec).toFixed(3)}`);
  if (committed < N - rejected) {
    console.error(`only ${committed} of ${N - rejected} accepted txs committed within the time limit`);
    process.exitCode = 1;
  }
} finally {
  await node.destroy();
}
