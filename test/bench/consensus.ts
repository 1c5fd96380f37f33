/**
 * pnpm bench:consensus [--validators 4] [--rates 100,200,400,800] [--seconds 10] [--senders 400]
 *                      [--batch 10] [--block-interval-ms 500]
 *
 * Pre-signed bank sends offered at increasing rates to a local network of real node processes (built
 * as `pnpm testnet` builds it). Load model: many wallets (senders), each pinned to one node's RPC (the
 * nodes share the senders equally), sending its txs in sequence order; tx i is due at t0 + i / rate.
 * A wallet never waits for a block: it sends its due txs at once, and txs that fall due while its
 * previous request is in flight go together as one JSON-RPC batch (in order, so sequences stay
 * valid) when it returns. All wallets run concurrently, so the client offers the rate unless the
 * nodes push back.
 *
 * Commit latency = time from the node accepting a tx (its broadcast_tx_sync reply, code 0) to the tx
 * being seen in a committed block on the observer node (the last one), found by polling `status`
 * and reading each new `block` once (no per-tx polling). Per rate: offered and achieved send rate,
 * sustained committed tx/s (first send to last commit), p50/p99 commit latency, blocks/min, node CPU
 * per committed tx (from /proc, summed over the validators) and refusals.
 *
 * In the same run: the verify limit = node:crypto secp256k1 verify/s x cores / validators (every
 * validator verifies every tx once), and each rate's ratio to it. Noisy machines: compare ratios,
 * not absolute numbers. Profile the nodes with CIFER_NODE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR".
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { benchArgs } from "./args.ts";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toBase64, toHexUpper, txHash } from "../../chain/crypto/hash.ts";
import { verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { homePaths } from "../../chain/node/home.ts";
import { LOCAL_BLOCK_INTERVAL_MS } from "../../testnet/network.ts";
import { msgMultiSend, msgSend } from "../helpers/msgs.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";
import { account, accountNumberOf } from "../helpers/queries.ts";
import { devKey, randomKey, signTx, type TestKey } from "../helpers/signer.ts";

const USAGE = `pnpm bench:consensus [options]
  --validators N         validators of the local network (default 4)
  --rates LIST           offered tx/s, one step each (default 100,200,400,800)
  --seconds S            seconds per step (default 10)
  --senders S            sending wallets (default 400)
  --batch B              txs per broadcast (default 10)
  --block-interval-ms M  the nodes' wait after each block (default ${LOCAL_BLOCK_INTERVAL_MS})`;
const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      validators: { type: "string", default: "4" },
      rates: { type: "string", default: "100,200,400,800" },
      seconds: { type: "string", default: "10" },
      "block-interval-ms": { type: "string", default: String(LOCAL_BLOCK_INTERVAL_MS) },
      senders: { type: "string", default: "400" },
      batch: { type: "string", default: "10" },
    },
  }),
);
const SENDERS = Number(values.senders);
const VALIDATORS = Number(values.validators);
const RATES = values.rates!.split(",").map(Number);
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);
if (
  !(
    VALIDATORS >= 1 &&
    VALIDATORS <= 10 &&
    SECONDS > 0 &&
    SENDERS >= 1 &&
    SENDERS <= 2000 &&
    BATCH >= 1 &&
    BATCH <= 100 &&
    RATES.every((r) => r > 0 && r <= 5000)
  )
) {
  console.error(
    "usage: pnpm bench:consensus [--validators 1-10] [--rates r1,r2,... (tx/s, <= 5000)] [--seconds S] [--senders 1-2000] [--batch 1-100] [--block-interval-ms MS]",
  );
  process.exit(2);
}

const CHAIN_ID = "cifer-local-1";
const SEND_FEE = { amount: [{ denom: "ucif", amount: "150" }], gasLimit: 60_000n };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One JSON-RPC request (a batch when given several calls) to a node. */
async function post(url: string, calls: { method: string; params: Record<string, unknown> }[]) {
  const body = calls.map((c, i) => ({ jsonrpc: "2.0", id: i, ...c }));
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body.length === 1 ? body[0] : body),
    signal: AbortSignal.timeout(60_000),
  });
  const j = (await res.json()) as unknown;
  return (Array.isArray(j) ? j : [j]) as {
    result?: { code: number; log: string };
    error?: { message: string };
  }[];
}

/** user+system CPU milliseconds of the process whose command line names `home` (Linux /proc), or NaN. */
function cpuMsOf(home: string): number {
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let cmd: string;
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (!cmd.includes(`\0--home\0${home}\0`)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
    }
  } catch {}
  return Number.NaN;
}

const net = await TestNetwork.create(VALIDATORS, Number(values["block-interval-ms"]));
// Every wallet of this bench shares one IP (loopback); a public node's per-IP rate limit is for one
// client, so it is lifted here. Everything else is the node's default configuration.
for (const n of net.nodes) {
  const path = homePaths(n.home).config;
  const c = JSON.parse(readFileSync(path, "utf8"));
  c.rpc = { ...c.rpc, rate_limit_per_second: 1_000_000, rate_limit_burst: 1_000_000 };
  writeFileSync(path, JSON.stringify(c, null, 2));
}
try {
  await net.start();
  const nodes = net.nodes;
  const observer = nodes[nodes.length - 1]!;

  // Fund the wallets: multi-sends of 100 outputs from a dev account, in one block or two.
  const funder = await devKey(0);
  const funderNumber = await accountNumberOf(nodes[0]!, funder.address);
  const keys: TestKey[] = Array.from({ length: SENDERS }, () => randomKey());
  const fundTxs: Uint8Array[] = [];
  for (let i = 0; i < SENDERS; i += 100) {
    fundTxs.push(
      signTx(funder, {
        msgs: [
          msgMultiSend(
            funder.address,
            keys.slice(i, i + 100).map((k) => k.address),
            1_000_000_000n,
          ),
        ],
        chainId: CHAIN_ID,
        accountNumber: funderNumber,
        sequence: BigInt(fundTxs.length),
        fee: { amount: [{ denom: "ucif", amount: "25000" }], gasLimit: 10_000_000n },
      }),
    );
  }
  for (const tx of fundTxs) {
    const [r] = await post(nodes[0]!.url, [{ method: "broadcast_tx_sync", params: { tx: toBase64(tx) } }]);
    if (r?.result?.code !== 0) throw new Error(`funding refused: ${r?.result?.log ?? r?.error?.message}`);
  }
  const q = async (path: string, data: Uint8Array) => {
    const r = await observer.rpc<{ response: { code: number; value: string; log: string } }>("abci_query", {
      path,
      data: Buffer.from(data).toString("hex"),
    });
    return { ...r.response, codespace: "", value: Buffer.from(r.response.value ?? "", "base64") };
  };
  const deadline = Date.now() + 60_000;
  while (!(await account(q, keys[keys.length - 1]!.address))) {
    if (Date.now() > deadline) throw new Error("funding was not committed within 60 s");
    await sleep(200);
  }
  const numbers: bigint[] = [];
  const seqs: bigint[] = [];
  for (const k of keys) {
    const a = (await account(q, k.address))!;
    numbers.push(a.accountNumber);
    seqs.push(a.sequence);
  }

  // Commit observer: each new height's block is read once; its txs are matched to accepted ones.
  const acceptedAt = new Map<string, number>();
  /** Txs seen committed before their broadcast reply reached us (latency counted as 0). */
  const committedEarly = new Set<string>();
  const latencies: number[] = [];
  const blockTimes: number[] = [];
  let lastCommitAt = 0;
  let observedHeight = await observer.height();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const h = await observer.height();
      for (; observedHeight < h; observedHeight++) {
        const b = await observer
          .rpc<{ block: { data: { txs: string[] | null } } }>("block", { height: String(observedHeight + 1) })
          .catch(() => null);
        if (!b) break; // retried at the next poll
        const now = performance.now();
        blockTimes.push(now);
        for (const tx of b.block.data.txs ?? []) {
          const key = toHexUpper(txHash(Buffer.from(tx, "base64")));
          const at = acceptedAt.get(key);
          if (at === undefined) {
            committedEarly.add(key);
            continue;
          }
          acceptedAt.delete(key);
          latencies.push(now - at);
          lastCommitAt = now;
        }
      }
      await sleep(20);
    }
  })();

  const rows: { rate: number; cols: string[]; committedPerSec: number }[] = [];
  const verifySamples: { pubkey: Uint8Array; doc: Uint8Array; sig: Uint8Array }[] = [];
  for (const rate of RATES) {
    const total = Math.round(rate * SECONDS);
    process.stdout.write(`rate ${rate}: signing ${total} txs... `);
    const txs: { sender: number; bytes: Uint8Array; key: string }[] = [];
    for (let i = 0; i < total; i++) {
      const s = i % SENDERS;
      const k = keys[s]!;
      const bytes = signTx(k, {
        msgs: [msgSend(k.address, keys[(s + 1) % SENDERS]!.address, 1n)],
        chainId: CHAIN_ID,
        accountNumber: numbers[s]!,
        sequence: seqs[s]!++,
        fee: SEND_FEE,
      });
      txs.push({ sender: s, bytes, key: toHexUpper(txHash(bytes)) });
      if (verifySamples.length < 50) {
        const raw = TxRaw.decode(bytes);
        verifySamples.push({
          pubkey: k.pubkey,
          doc: SignDoc.encode({
            bodyBytes: raw.bodyBytes,
            authInfoBytes: raw.authInfoBytes,
            chainId: CHAIN_ID,
            accountNumber: numbers[s]!,
          }).finish(),
          sig: raw.signatures[0]!,
        });
      }
    }
    process.stdout.write("sending... ");

    latencies.length = 0;
    const firstBlock = blockTimes.length;
    const cpu0 = nodes.map((n) => cpuMsOf(n.home));
    const queues: number[][] = keys.map(() => []);
    const busy: boolean[] = keys.map(() => false);
    let rejected = 0;
    let sent = 0;
    let lastSendAt = 0;
    const refusals = new Map<string, number>();
    const inFlight = new Set<Promise<void>>();
    const t0 = performance.now();

    const send = (s: number) => {
      if (busy[s] || queues[s]!.length === 0) return;
      busy[s] = true;
      const batch = queues[s]!.splice(0, BATCH);
      const node: TestNode = nodes[s % nodes.length]!;
      const p = post(
        node.url,
        batch.map((i) => ({ method: "broadcast_tx_sync", params: { tx: toBase64(txs[i]!.bytes) } })),
      )
        .then((replies) => {
          const now = performance.now();
          batch.forEach((i, j) => {
            const r = replies[j];
            if (r?.result?.code === 0) {
              if (committedEarly.delete(txs[i]!.key)) latencies.push(0);
              else acceptedAt.set(txs[i]!.key, now);
            } else {
              rejected++;
              const why = (r?.result?.log ?? r?.error?.message ?? "no reply").replace(/\d+/g, "N");
              refusals.set(why, (refusals.get(why) ?? 0) + 1);
            }
          });
        })
        .catch((e: Error) => {
          rejected += batch.length;
          refusals.set(e.message, (refusals.get(e.message) ?? 0) + batch.length);
        })
        .finally(() => {
          busy[s] = false;
          inFlight.delete(p);
          send(s);
        });
      inFlight.add(p);
      sent += batch.length;
      lastSendAt = performance.now();
    };

    // The schedule: tx i falls due at t0 + i / rate and joins its wallet's queue.
    let next = 0;
    while (next < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      const touched = new Set<number>();
      for (; next < due; next++) {
        const s = txs[next]!.sender;
        queues[s]!.push(next);
        touched.add(s);
      }
      for (const s of touched) send(s);
      await sleep(Math.max(1, Math.min(10, 1000 / rate)));
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    const tSent = lastSendAt;
    const waitUntil = performance.now() + 120_000;
    while (latencies.length < total - rejected && performance.now() < waitUntil) await sleep(50);
    const t1 = lastCommitAt > t0 ? lastCommitAt : performance.now();
    const cpu1 = nodes.map((n) => cpuMsOf(n.home));
    process.stdout.write("done\n");

    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted.length
        ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
        : Number.NaN;
    const blocks = blockTimes.length - firstBlock;
    const committedPerSec = latencies.length / ((t1 - t0) / 1000);
    const cpuPerTx =
      cpu1.reduce((a, c, i) => a + (c - cpu0[i]!), 0) / nodes.length / Math.max(1, latencies.length);
    rows.push({
      rate,
      committedPerSec,
      cols: [
        String(rate),
        (sent / ((tSent - t0) / 1000)).toFixed(0),
        committedPerSec.toFixed(0),
        pct(50).toFixed(0),
        pct(99).toFixed(0),
        ((blocks / (t1 - t0)) * 60_000).toFixed(0),
        cpuPerTx.toFixed(2),
        `${rejected}${latencies.length < total - rejected ? ` (${total - rejected - latencies.length} not committed)` : ""}`,
      ],
    });
    for (const [why, n] of refusals) console.log(`  refused ${n}x: ${why.slice(0, 160)}`);
    // Refused txs leave their senders' sequences behind: read them back from the chain.
    if (rejected > 0)
      for (const [s, k] of keys.entries()) seqs[s] = (await account(q, k.address))?.sequence ?? seqs[s]!;
  }
  polling = false;
  await poller;

  // Raw verification on sign docs of this run, in this process, with the nodes idle.
  let verified = 0;
  const v0 = performance.now();
  while (performance.now() - v0 < 2000)
    for (const s of verifySamples) {
      if (!verifySecp256k1(s.pubkey, s.doc, s.sig)) throw new Error("a bench signature does not verify");
      verified++;
    }
  const verifyPerSec = verified / ((performance.now() - v0) / 1000);
  const limit = (verifyPerSec * availableParallelism()) / VALIDATORS;

  console.log(
    `\n${VALIDATORS} validators, ${SECONDS} s per rate, ${SENDERS} wallets spread over the nodes' RPCs (batches <= ${BATCH}), observed on node${VALIDATORS - 1}`,
  );
  const head = ["offered", "sent/s", "commit/s", "p50 ms", "p99 ms", "blocks/min", "cpu ms/tx", "ratio"];
  console.log(`${head.map((h) => h.padStart(11)).join("")}  refused`);
  for (const r of rows) {
    const cols = [...r.cols.slice(0, 7), (r.committedPerSec / limit).toFixed(3)];
    console.log(`${cols.map((c) => c.padStart(11)).join("")}  ${r.cols[7]}`);
  }
  console.log(
    `\ncpu ms/tx: node CPU per committed tx, per validator (user+sys from /proc); one verify costs ${(1000 / verifyPerSec).toFixed(2)} ms`,
  );
  console.log(
    `verify limit: ${verifyPerSec.toFixed(0)} verify/s x ${availableParallelism()} cores / ${VALIDATORS} validators = ${limit.toFixed(0)} tx/s`,
  );
  const best = Math.max(...rows.map((r) => r.committedPerSec));
  console.log(`best sustained commit rate / verify limit = ${(best / limit).toFixed(3)}`);
} finally {
  await net.destroy();
}
