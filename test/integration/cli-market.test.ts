/**
 * `cifer market` end to end, as users run it (child processes), against one real node process
 * (TestNode, blobs enabled by default).
 *
 * mint-model --weights: the weights are uploaded to the node's blob store by a plain `PUT /blobs` (no
 * FL task), the $Model is minted by their CID and sha256, `cifer query market asset` shows them, and
 * `GET /blobs/<cid>` on the node returns the same bytes, which is what an escrow's validator committee
 * fetches. Weights of the wrong size are refused before the node is asked anything: nothing is uploaded.
 *
 * The marketplace's main flow: two data owners mint $Data from files, a curator bundles them into a
 * $Portfolio (60/40, curator share 10%) listed on a linear curve (5 CIF, then 6 CIF), two buyers buy
 * (a max price below the current price is refused by the CLI before anything is signed), access is
 * granted to buyers only, the owners' and curator's balances move by exactly the split plus the use
 * bonuses, and a buyer's review is rated helpful by the other buyer (its second review is refused).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { CiferClient } from "../../client/cifer-client.ts";
import { COMMUNITY_ALLOCATION } from "../../modules/market/params.ts";
import { assertOk, assertOneLineError, runCli } from "../helpers/cli.ts";
import { MODEL_SPEC } from "../helpers/fl.ts";
import { TestNode } from "../helpers/node-process.ts";
import { ucifBalance, ucifFee } from "../helpers/ucif.ts";

const CMD_TIMEOUT_MS = 60_000;

/**
 * The keys, recovered from the dev mnemonic by HD index: the genesis funds these five dev accounts.
 * alice mints the $Model, then is the flow's second buyer.
 */
const KEYS = [
  ["alice", 0],
  ["owner-a", 1],
  ["owner-b", 2],
  ["curator", 3],
  ["buyer", 4],
] as const;

describe("cifer market against a running node", () => {
  let node: TestNode;
  let client: CiferClient;
  let tmp: string;
  let kr: string[];
  let specFile: string;
  let weightsFile: string;
  /** MODEL_SPEC's 8 parameters (3x2 kernel, 2 biases), float32 little-endian. */
  const weights = new Uint8Array(new Float32Array([0.5, -1, 0.25, 2, -0.125, 1.5, 0.1, -0.3]).buffer);

  const run = (args: string[]) => runCli([...args, "--node", node.url], { timeoutMs: CMD_TIMEOUT_MS });
  const json = async (...args: string[]) => JSON.parse(assertOk(await run([...args, "-o", "json"])).stdout);
  /** A `cifer market` tx signed by the key `from`, which must succeed in its block. */
  const marketTx = async (from: string, ...args: string[]) => {
    const res = await json("market", ...args, "--from", from, ...kr, "--yes");
    assert.equal(res.code, 0);
    return res;
  };
  const balance = (address: string) => ucifBalance(client, address);

  /** Addresses by key name; `outsider` (dev index 5) is in no keyring and never buys. */
  let addr: Record<(typeof KEYS)[number][0] | "outsider", string>;
  const community = moduleAddress(COMMUNITY_ALLOCATION);
  const LICENCE = "research use only, no redistribution";
  let dataA: string;
  let dataB: string;
  let portfolio: string;
  /** Balances of the sellers and of the community allocation before the flow. */
  const start = new Map<string, bigint>();
  /** The fees each seller's own txs paid during the flow. */
  const feesPaid = new Map<string, bigint>();
  const payFee = async (who: string, res: { txhash: string }) =>
    feesPaid.set(who, (feesPaid.get(who) ?? 0n) + (await ucifFee(client, res.txhash)));

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-market-"));
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    specFile = join(tmp, "model.json");
    writeFileSync(specFile, MODEL_SPEC);
    weightsFile = join(tmp, "weights.bin");
    writeFileSync(weightsFile, weights);
    node = await TestNode.create({
      // Nothing here needs the FL committee's service: one fewer worker on a busy CI machine.
      config: (c) => {
        c.fl = { ...c.fl, enabled: false };
      },
    });
    await node.start();
    client = await CiferClient.connect(node.url);
    const devs = await devAccounts(6);
    addr = {
      ...(Object.fromEntries(KEYS.map(([name, index]) => [name, devs[index]!.address])) as Record<
        (typeof KEYS)[number][0],
        string
      >),
      outsider: devs[5]!.address,
    };
    // One file per key: the keyring takes them in parallel.
    await Promise.all(
      KEYS.map(async ([name, index]) =>
        assertOk(
          await runCli(["keys", "add", name, "--recover", "--index", String(index), ...kr], {
            input: DEV_MNEMONIC,
            timeoutMs: CMD_TIMEOUT_MS,
          }),
        ),
      ),
    );
  });

  after(async () => {
    client?.disconnect();
    await node?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the weights reach the node's blob store and the $Model names them", async () => {
    const cid = cidOf(weights);
    const hash = createHash("sha256").update(weights).digest("hex");
    // Not on the node before the command.
    assert.equal((await fetch(`${node.url}/blobs/${cid}`, { method: "HEAD" })).status, 404);

    const res = await json(
      "market",
      "mint-model",
      "--weights",
      weightsFile,
      "--spec",
      specFile,
      "--from",
      "alice",
      ...kr,
      "--yes",
    );
    assert.equal(res.code, 0);
    assert.equal(res.model_cid, cid);
    assert.match(res.asset_id, /^[1-9][0-9]*$/);

    const text = assertOk(await run(["query", "market", "asset", res.asset_id])).stdout;
    assert.match(text, new RegExp(`model_cid: +${cid}$`, "m"));
    assert.match(text, new RegExp(`model_hash: +${hash}$`, "m"));
    assert.match(text, new RegExp(`owner: +${(await devAccounts(1))[0]!.address}$`, "m"));
    const { asset } = await json("query", "market", "asset", res.asset_id);
    assert.equal(asset.kind, "model");
    assert.equal(asset.model.modelCid, cid);
    assert.equal(asset.model.modelHash, hash);
    assert.equal(asset.model.modelSpec, JSON.stringify(JSON.parse(MODEL_SPEC)));

    const got = await fetch(`${node.url}/blobs/${cid}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(got.status, 200);
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), weights);
  });

  test("weights of another size than the spec's: one line, exit 2, nothing uploaded", async () => {
    const short = join(tmp, "short.bin");
    writeFileSync(short, weights.subarray(0, 28));
    const r = await run([
      "market",
      "mint-model",
      "--weights",
      short,
      "--spec",
      specFile,
      "--from",
      "alice",
      ...kr,
      "--yes",
    ]);
    assertOneLineError(r, /--weights \S*short\.bin has 28 bytes, but the --spec model needs exactly 32/, {
      offline: true,
      exitCode: 2,
    });
    const head = await fetch(`${node.url}/blobs/${cidOf(weights.subarray(0, 28))}`, { method: "HEAD" });
    assert.equal(head.status, 404);
  });
  // ----- the marketplace flow: $Data, a $Portfolio, sales, access, reviews ------------------------
  // Independent commands run side by side (each process costs about a second of CPU).

  test("two owners mint $Data from files; a curator bundles them 60/40 and lists it: 5 CIF, then 6 CIF", async () => {
    for (const a of [addr["owner-a"], addr["owner-b"], addr.curator, community])
      start.set(a, await balance(a));
    const csvA = "x1,x2,label\n0.5,1.5,0\n2.25,-1,1\n";
    const csvB = "age,bp,label\n63,145,1\n37,130,0\n41,130,0\n55,120,1\n";
    const fileA = join(tmp, "a.csv");
    const fileB = join(tmp, "b.csv");
    writeFileSync(fileA, csvA);
    writeFileSync(fileB, csvB);
    const mint = (from: string, file: string) =>
      marketTx(
        from,
        "mint-data",
        "--file",
        file,
        "--schema",
        "csv: 2 features, label 0-1",
        "--license",
        "CC-BY-4.0",
      );
    const asset = (id: string) => json("query", "market", "asset", id);
    // A's $Data is minted first, so it has the lower id and is the portfolio's first item (which
    // decides who gets the use bonuses first).
    const a = await mint("owner-a", fileA);
    dataA = a.asset_id;
    const [b, qa] = await Promise.all([mint("owner-b", fileB), asset(dataA)]);
    dataB = b.asset_id;
    assert.ok(BigInt(dataA) < BigInt(dataB), `${dataA} < ${dataB}`);
    const [qb, p] = await Promise.all([
      asset(dataB),
      marketTx(
        "curator",
        "portfolio",
        "--item",
        `${dataA}:0.6`,
        "--item",
        `${dataB}:0.4`,
        "--curator-share",
        "0.1",
      ),
    ]);
    portfolio = p.asset_id;

    for (const [res, q, csv, owner] of [
      [a, qa, csvA, addr["owner-a"]],
      [b, qb, csvB, addr["owner-b"]],
    ] as const) {
      const hash = createHash("sha256").update(csv).digest("hex");
      assert.equal(res.data_hash, hash);
      assert.equal(q.asset.kind, "data");
      assert.equal(q.asset.owner, owner);
      assert.equal(q.asset.data.dataHash, hash);
      assert.equal(q.asset.data.sizeBytes, String(Buffer.byteLength(csv)));
      assert.equal(q.asset.data.license, "CC-BY-4.0");
    }
    // The files' byte lengths, counted by hand: 12 + 10 + 10 and 13 + 9 + 9 + 9 + 9.
    assert.equal(qa.asset.data.sizeBytes, "32");
    assert.equal(qb.asset.data.sizeBytes, "49");

    const l = await marketTx(
      "curator",
      "list",
      portfolio,
      "--curve",
      "linear",
      "--m",
      "1CIF",
      "--b",
      "5CIF",
      "--licence",
      LICENCE,
    );
    for (const [who, res] of [
      [addr["owner-a"], a],
      [addr["owner-b"], b],
      [addr.curator, p],
      [addr.curator, l],
    ] as const)
      await payFee(who, res);
    const pa = await client.query.market.asset(BigInt(portfolio));
    assert.equal(pa!.owner, addr.curator);
    assert.deepEqual(pa!.portfolio, {
      items: [
        { dataId: BigInt(dataA), weightPpm: 600_000 },
        { dataId: BigInt(dataB), weightPpm: 400_000 },
      ],
      curatorSharePpm: 100_000,
    });
    assert.equal(pa!.listing!.active, true);
    assert.equal(pa!.listing!.licence, LICENCE);
    // P(s) = m*s + b: P(0) = 5 CIF, P(1) = 1 CIF * 1 + 5 CIF = 6 CIF.
    assert.deepEqual(await json("query", "market", "price", portfolio), {
      price: "5000000",
      sales: "0",
      nextPrice: "6000000",
    });
  });

  test("buyers pay the curve's price; a max price below it is refused before anything is signed", async () => {
    const b1 = addr.buyer;
    const b2 = addr.alice;
    const before1 = await balance(b1);
    const r1 = await marketTx("buyer", "buy", portfolio, "--max-price", "5CIF");
    assert.equal(r1.price_paid, "5000000ucif");
    assert.match(r1.grant_id, /^[1-9][0-9]*$/);
    assert.equal(await balance(b1), before1 - 5_000_000n - (await ucifFee(client, r1.txhash)));

    // The price is now 6 CIF. `buy` asks the node for it and stops before signing: one line, exit 1,
    // no tx result on stdout, and no tx at all (the account's sequence and balance did not move).
    const before2 = await balance(b2);
    const seq2 = (await client.getSequence(b2)).sequence;
    const refused = await run([
      "market",
      "buy",
      portfolio,
      "--max-price",
      "5CIF",
      "--from",
      "alice",
      ...kr,
      "--yes",
      "-o",
      "json",
    ]);
    assertOneLineError(
      refused,
      new RegExp(
        `asset ${portfolio} costs 6000000ucif \\(6 CIF\\) now, above --max-price 5000000ucif \\(5 CIF\\)`,
      ),
      { exitCode: 1 },
    );
    assert.equal(refused.stdout, "");
    assert.equal((await client.getSequence(b2)).sequence, seq2);
    assert.equal(await balance(b2), before2);

    const r2 = await marketTx("alice", "buy", portfolio, "--max-price", "6CIF");
    assert.equal(r2.price_paid, "6000000ucif");
    assert.equal(await balance(b2), before2 - 6_000_000n - (await ucifFee(client, r2.txhash)));
    // Two sales: P(2) = 7 CIF, P(3) = 8 CIF.
    assert.deepEqual(await client.query.market.price(BigInt(portfolio)), {
      price: "7000000",
      sales: 2n,
      nextPrice: "8000000",
    });
  });

  test("the sales paid the owners and the curator to the last ucif, plus the use bonuses", async () => {
    // Sale 1 at 5 CIF = 5_000_000 ucif:
    //   protocol fee 2.5%: 5_000_000 * 25_000 / 1e6 = 125_000 (to the community pool)
    //   rest 4_875_000; curator 10%: 487_500; the owners' 4_387_500: A 60% 2_632_500, B 40% 1_755_000
    //   use bonuses from the community allocation, together at most half the fee (62_500), owners
    //   first in item order, then the curator: A min(100_000, 62_500) = 62_500, B 0, the curator 0
    // Sale 2 at 6 CIF = 6_000_000 ucif:
    //   fee 150_000; rest 5_850_000; curator 585_000; owners 5_265_000: A 3_159_000, B 2_106_000
    //   bonuses within 75_000: A 75_000, B 0, the curator 0
    // In all: A 2_632_500 + 3_159_000 + 62_500 + 75_000 = 5_929_000
    //         B 1_755_000 + 2_106_000 = 3_861_000
    //         curator 487_500 + 585_000 = 1_072_500
    //         the community allocation paid 62_500 + 75_000 = 137_500 in bonuses
    const earned: Array<[string, bigint]> = [
      [addr["owner-a"], 5_929_000n],
      [addr["owner-b"], 3_861_000n],
      [addr.curator, 1_072_500n],
    ];
    for (const [who, gain] of earned) {
      const fees = feesPaid.get(who)!;
      assert.ok(fees > 0n, `${who} paid its tx fees`);
      assert.equal(await balance(who), start.get(who)! - fees + gain, who);
    }
    assert.equal(await balance(community), start.get(community)! - 137_500n);

    // What the assets record: uses, and earned (an item's weight share of the owners' part of
    // each sale: A 2_632_500 + 3_159_000, B 1_755_000 + 2_106_000; the portfolio the curator's).
    const [pa, da, db] = await Promise.all(
      [portfolio, dataA, dataB].map((id) => client.query.market.asset(BigInt(id))),
    );
    assert.deepEqual(
      [pa, da, db].map((a) => [a!.uses, a!.earned]),
      [
        [2n, "1072500"],
        [2n, "5791500"],
        [2n, "3861000"],
      ],
    );
    assert.equal(pa!.listing!.revenue, "11000000");
  });

  test("access is granted to buyers only; a buyer reviews once, another buyer rates it helpful", async () => {
    const text = "clean labels, the 60/40 mix matched our clinic's data";
    const before = await balance(addr.buyer);
    const [b1, outsider, grants, rv] = await Promise.all([
      json("query", "market", "access", portfolio, addr.buyer),
      json("query", "market", "access", portfolio, addr.outsider),
      json("query", "market", "grants", "--asset", portfolio),
      marketTx("buyer", "review", portfolio, "--rating", "5", "--text", text),
    ]);
    assert.equal(b1.granted, true);
    assert.equal(b1.grant.holder, addr.buyer);
    assert.equal(b1.grant.assetId, portfolio);
    assert.equal(b1.grant.price, "5000000");
    assert.equal(b1.grant.licence, LICENCE);
    assert.equal(b1.grant.expires, "0"); // --access-blocks 0: forever
    assert.equal(outsider.granted, false);
    assert.equal(outsider.grant ?? undefined, undefined);
    const listed = (grants.grants as Array<{ id: string; holder: string; price: string }>)
      .sort((x, y) => Number(BigInt(x.id) - BigInt(y.id)))
      .map((g) => [g.holder, g.price]);
    assert.deepEqual(listed, [
      [addr.buyer, "5000000"],
      [addr.alice, "6000000"],
    ]);

    const reviewId: string = rv.review_id;
    assert.match(reviewId, /^[1-9][0-9]*$/);
    // review_deposit: 1 CIF, held by the module until the review matures.
    assert.equal(await balance(addr.buyer), before - 1_000_000n - (await ucifFee(client, rv.txhash)));

    // A second review by the same buyer: the node refuses it when the CLI simulates it for gas, so
    // nothing is broadcast (no tx result, the buyer's sequence and balance unchanged).
    const afterReview = await balance(addr.buyer);
    const seq = (await client.getSequence(addr.buyer)).sequence;
    const [again, rated] = await Promise.all([
      run(["market", "review", portfolio, "--rating", "1", "--from", "buyer", ...kr, "--yes", "-o", "json"]),
      marketTx("alice", "rate", reviewId, "--helpful"),
    ]);
    assert.equal(rated.code, 0);
    assertOneLineError(again, new RegExp(`already reviewed asset ${portfolio} \\(review ${reviewId}\\)`), {
      exitCode: 1,
    });
    assert.equal(again.stdout, "");
    assert.equal((await client.getSequence(addr.buyer)).sequence, seq);
    assert.equal(await balance(addr.buyer), afterReview);

    const [reviews, reviewer] = await Promise.all([
      json("query", "market", "reviews", portfolio),
      json("query", "market", "reviewer", addr.buyer),
    ]);
    assert.equal(reviews.reviews.length, 1);
    const [r] = reviews.reviews;
    assert.equal(r.id, reviewId);
    assert.equal(r.reviewer, addr.buyer);
    assert.equal(r.rating, 5);
    assert.equal(r.text, text);
    assert.equal(r.deposit, "1000000");
    assert.equal(r.helpful, 1);
    assert.equal(r.unhelpful, 0);
    assert.equal(r.settled, false);
    // The votes count in the standing when the review matures (review_lock_blocks: 100): until
    // then one review and the starting score, (0 + 1) / (0 + 0 + 2).
    assert.deepEqual(reviewer.stats, {
      reviewer: addr.buyer,
      reviews: 1,
      helpful: 0,
      unhelpful: 0,
      forfeited: 0,
      scorePpm: 500_000,
    });
  });
});
