/**
 * The marketplace demo (issue #7), run by `pnpm testnet` after the federated-learning demo, on its
 * finished task: the trainers' local datasets become $Data (their hashes only: the data stays with
 * them), a curator bundles two into a $Portfolio listed on a linear bonding curve, two buyers buy
 * access (the second at the curve's higher price) and a data owner's server would verify their
 * grants with one query; the task's owner mints the task's final model as a $Model with its
 * provenance (checked by the chain against the task's record) and lists it on a power curve; an
 * accuracy-threshold purchase of the portfolio, judged by a validator committee on the buyer's
 * encrypted test set with the model trained on it, passes and pays; one of the model with a
 * threshold no model meets fails and is refunded; a buyer reviews the portfolio and another rates
 * the review.
 *
 * Accounts: the dev mnemonic's HD indexes 0 (the task owner), 1..3 (trainers: two data owners and
 * the curator), 4 (a trainer buying through the escrow) and 6 and 7 (buyers, funded here by 0).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { type DeliverTxResponse, GasPrice, makeCosmoshubPath } from "@cosmjs/stargate";
import { sha256 } from "../chain/crypto/hash.ts";
import { DEV_MNEMONIC } from "../chain/wiring/genesis.ts";
import { CiferClient } from "../client/cifer-client.ts";
import { formatCif } from "../client/amounts.ts";
import { putBlob } from "../client/fl/blobs.ts";
import type { Dataset } from "../client/fl/dataset.ts";
import { loadEvalData, prepareEvalSet } from "../client/fl/eval-set.ts";
import { subset } from "../client/fl/dataset.ts";
import { verifyAccess } from "../client/market/access.ts";
import {
  boughtAccess,
  createdAssetId,
  createdReviewId,
  msgBuyAccess,
  msgCreatePortfolio,
  msgListAsset,
  msgMintData,
  msgMintModel,
  msgOpenEscrow,
  msgRateReview,
  msgReview,
  msgSettleEscrow,
  openedEscrowId,
  settledEscrow,
} from "../client/market/msgs.ts";
import { taskModelOf } from "../client/market/provenance.ts";
import { msgSend } from "../client/msgs.ts";
import { CurveKind, type Escrow, EscrowStatus, ESCROW_STATUS_NAMES } from "../modules/market/proto.ts";

export interface MarketDemoOptions {
  /** The validators' RPC URLs (the blob API is on the same port). */
  rpcUrls: string[];
  /** A finished FL task of dev account 0, and the data its trainers 1..n trained on. */
  taskId: bigint;
  datasets: { parts: Dataset[]; test: Dataset };
  /** Held-out rows the escrow buyers test on. */
  testRows?: number;
  /** The passing escrow's threshold: well below what the demo's model reaches, well above chance. */
  passThresholdPpm?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** The whole demo fails after this long (default 5 minutes). */
  timeoutMs?: number;
}

export interface MarketDemoResult {
  data: bigint[];
  portfolio: bigint;
  model: bigint;
  /** The portfolio's two direct sales: buyer, price paid, tx hash. */
  sales: Array<{ buyer: string; price: bigint; grantId: bigint; txHash: string }>;
  /** Whether each direct buyer's grant verified, and a stranger's did not. */
  access: { buyers: boolean[]; stranger: boolean };
  passed: { escrow: Escrow; priceBefore: bigint; priceAfter: bigint; settleHash: string };
  failed: { escrow: Escrow; priceBefore: bigint; priceAfter: bigint; settleHash: string };
  review: { id: bigint; helpful: number };
  /** Every address that acted, by role, and every tx hash each sent (fees). */
  accounts: Record<"owner" | "alice" | "bob" | "carol" | "zed" | "xavier" | "yvonne", string>;
  txs: Map<string, string[]>;
}

const GAS_PRICE = GasPrice.fromString("0.0025ucif");
const CIF = 1_000_000n;
const ROLES = ["owner", "alice", "bob", "carol", "zed", "xavier", "yvonne"] as const;
const HD_INDEXES = [0, 1, 2, 3, 4, 6, 7];

const demoWallet = () =>
  DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: HD_INDEXES.map((i) => makeCosmoshubPath(i)),
  });

/** The demo's accounts by role (dev mnemonic HD indexes 0..4, 6 and 7). */
export async function demoAccounts(): Promise<MarketDemoResult["accounts"]> {
  const addresses = (await (await demoWallet()).getAccounts()).map((a) => a.address);
  return Object.fromEntries(ROLES.map((r, i) => [r, addresses[i]!])) as MarketDemoResult["accounts"];
}

export async function runMarketDemo(opts: MarketDemoOptions): Promise<MarketDemoResult> {
  const log = opts.log ?? (() => {});
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 5 * 60_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const wallet = await demoWallet();
  const who = await demoAccounts();
  const addresses = ROLES.map((r) => who[r]);
  const urls = opts.rpcUrls;
  const clients = await Promise.all(
    addresses.map((_, i) =>
      CiferClient.connectWithSigner(urls[i % urls.length]!, wallet, {
        gasPrice: GAS_PRICE,
        broadcastPollIntervalMs: 300,
        broadcastTimeoutMs: 60_000,
      }),
    ),
  );
  const client = (role: (typeof ROLES)[number]) => clients[ROLES.indexOf(role)]!;
  const txs = new Map<string, string[]>();
  const send = async (
    role: (typeof ROLES)[number],
    msg: Parameters<CiferClient["signAndBroadcast"]>[1][number],
  ) => {
    signal.throwIfAborted();
    const r: DeliverTxResponse = await client(role).signAndBroadcast(
      who[role],
      [msg],
      "auto",
      "cifer market demo",
    );
    txs.set(who[role], [...(txs.get(who[role]) ?? []), r.transactionHash]);
    if (r.code !== 0) throw new Error(`${msg.typeUrl.split(".").pop()} by ${role} failed: ${r.rawLog}`);
    return r;
  };
  const q = client("owner").query;
  try {
    // Two buyers who took no part in the task, funded by the owner.
    for (const r of ["xavier", "yvonne"] as const) await send("owner", msgSend(who.owner, who[r], "100CIF"));

    // $Data: the hashes of two trainers' local datasets; the rows stay on their machines.
    const data: bigint[] = [];
    for (const [i, role] of (["alice", "bob"] as const).entries()) {
      const part = opts.datasets.parts[i]!;
      const plain = loadEvalData({ dataset: part }).plain;
      const r = await send(
        role,
        msgMintData({
          owner: who[role],
          dataHash: Buffer.from(sha256(plain)).toString("hex"),
          schema: "csv: 64 pixel intensities 0..16, then the digit 0..9",
          sizeBytes: BigInt(plain.length),
          license: "CC-BY-4.0",
          disclosure: {
            abstract: `${part.count} handwritten digits (UCI optdigits)`,
            sampleCid: "",
            statistics: "",
          },
        }),
      );
      data.push(createdAssetId(r)!);
    }
    log(`$Data ${data.join(", ")}: the hashes of two trainers' datasets (the rows never left them)`);

    // A $Portfolio of both, 60/40, curator 10%, on P(s) = 1 CIF x s + 5 CIF.
    const pr = await send(
      "carol",
      msgCreatePortfolio({
        curator: who.carol,
        items: [
          { dataId: data[0]!, weightPpm: 600_000 },
          { dataId: data[1]!, weightPpm: 400_000 },
        ],
        curatorSharePpm: 100_000,
      }),
    );
    const portfolio = createdAssetId(pr)!;
    await send(
      "carol",
      msgListAsset({
        owner: who.carol,
        assetId: portfolio,
        curve: {
          kind: CurveKind.Linear,
          m: CIF.toString(),
          b: (5n * CIF).toString(),
          exponentNum: 0,
          exponentDen: 0,
        },
        accessBlocks: 0n,
        licence: "research and evaluation; no redistribution",
      }),
    );
    log(
      `$Portfolio ${portfolio}: $Data ${data[0]} (60%) + ${data[1]} (40%), curator 10%, price 1 CIF x sales + 5 CIF`,
    );

    const sales: MarketDemoResult["sales"] = [];
    for (const buyer of ["xavier", "yvonne"] as const) {
      const { price } = await q.market.price(portfolio);
      const r = await send(buyer, msgBuyAccess(who[buyer], portfolio, BigInt(price)));
      const bought = boughtAccess(r)!;
      sales.push({
        buyer: who[buyer],
        price: BigInt(bought.price),
        grantId: bought.grantId,
        txHash: r.transactionHash,
      });
      log(
        `${buyer} bought access to $Portfolio ${portfolio} for ${formatCif(BigInt(bought.price))} CIF (grant ${bought.grantId})`,
      );
    }
    const access = {
      buyers: await Promise.all(sales.map(async (s) => (await verifyAccess(q, portfolio, s.buyer)).granted)),
      stranger: (await verifyAccess(q, portfolio, who.owner)).granted,
    };
    log(`grants verified with one query: buyers ${access.buyers.join(", ")}; a non-buyer ${access.stranger}`);

    // $Model: the task's final model, its provenance read from the chain and checked by it.
    const tm = await taskModelOf(q, opts.taskId);
    const mr = await send(
      "owner",
      msgMintModel({
        owner: who.owner,
        modelCid: tm.modelCid,
        modelHash: tm.modelHash,
        provenance: tm.provenance,
        trainedOn: [portfolio],
      }),
    );
    const model = createdAssetId(mr)!;
    await send(
      "owner",
      msgListAsset({
        owner: who.owner,
        assetId: model,
        curve: {
          kind: CurveKind.Power,
          m: (2n * CIF).toString(),
          b: (10n * CIF).toString(),
          exponentNum: 3,
          exponentDen: 2,
        },
        accessBlocks: 0n,
        licence: "inference only",
      }),
    );
    log(
      `$Model ${model}: task ${opts.taskId}'s final model ${tm.modelCid.slice(0, 14)}..., ${tm.provenance.rounds} rounds, ${tm.provenance.contributors.length} contributors (provenance checked on chain), price 2 CIF x sales^1.5 + 10 CIF`,
    );

    // Accuracy-threshold purchases: the buyer's held-out rows, encrypted for the validators.
    const rows = opts.testRows ?? 300;
    const testSet = subset(
      opts.datasets.test,
      Array.from({ length: Math.min(rows, opts.datasets.test.count) }, (_, i) => i),
    );
    const escrowRun = async (
      buyer: "zed" | "yvonne",
      assetId: bigint,
      thresholdPpm: number,
    ): Promise<{ escrow: Escrow; settleHash: string; priceBefore: bigint; priceAfter: bigint }> => {
      const bq = client(buyer).query;
      const prepared = await prepareEvalSet({
        query: bq,
        chainId: await client(buyer).getChainId(),
        owner: who[buyer],
        data: { dataset: testSet },
      });
      await putBlob(urls[0]!, prepared.blob, { signal });
      const priceBefore = BigInt((await bq.market.price(assetId)).price);
      const r = await send(
        buyer,
        msgOpenEscrow({
          buyer: who[buyer],
          assetId,
          modelId: model,
          maxPrice: priceBefore + CIF,
          thresholdPpm,
          evalSet: prepared.evalSet,
          deadlineBlocks: BigInt((await bq.market.params()).minEscrowBlocks) * 2n,
        }),
      );
      const id = openedEscrowId(r)!;
      log(
        `${buyer} escrowed up to ${formatCif(priceBefore + CIF)} CIF for asset ${assetId} if $Model ${model} scores at least ${thresholdPpm / 10_000}% on ${testSet.count} private rows (escrow ${id})`,
      );
      let e = await bq.market.escrow(id);
      while (e.status === EscrowStatus.Committing || e.status === EscrowStatus.Revealing) {
        await sleep(500, undefined, { signal });
        e = await bq.market.escrow(id);
      }
      const accs = e.reveals.map((x) => `${(x.accuracyPpm / 10_000).toFixed(1)}%`).join(", ");
      log(
        `escrow ${id}: the committee revealed ${accs}; median ${(e.medianAccuracyPpm / 10_000).toFixed(1)}%: ${ESCROW_STATUS_NAMES[e.status]}`,
      );
      const s = await send(buyer, msgSettleEscrow(who[buyer], id));
      const settled = settledEscrow(s)!;
      e = await bq.market.escrow(id);
      const priceAfter = BigInt((await bq.market.price(assetId)).price);
      log(
        `escrow ${id} ${ESCROW_STATUS_NAMES[settled.status]}: paid ${formatCif(BigInt(e.paid || "0"))} CIF, refunded ${formatCif(BigInt(e.refunded || "0"))} CIF; the price went ${formatCif(priceBefore)} -> ${formatCif(priceAfter)} CIF`,
      );
      return { escrow: e, settleHash: s.transactionHash, priceBefore, priceAfter };
    };
    const passed = await escrowRun("zed", portfolio, opts.passThresholdPpm ?? 300_000);
    const failed = await escrowRun("yvonne", model, 990_000);

    // A review by a buyer, rated by the other.
    const rr = await send(
      "xavier",
      msgReview({ reviewer: who.xavier, assetId: portfolio, rating: 5, text: "clean, well-labelled digits" }),
    );
    const reviewId = createdReviewId(rr)!;
    await send("yvonne", msgRateReview(who.yvonne, reviewId, true));
    const helpful = (await q.market.reviews(portfolio)).reviews.find((r) => r.id === reviewId)?.helpful ?? 0;
    log(
      `xavier reviewed $Portfolio ${portfolio} (5/5, review ${reviewId}); yvonne found it helpful (${helpful} vote)`,
    );

    return {
      data,
      portfolio,
      model,
      sales,
      access,
      passed,
      failed,
      review: { id: reviewId, helpful },
      accounts: who,
      txs,
    };
  } finally {
    for (const c of clients) c.disconnect();
  }
}
