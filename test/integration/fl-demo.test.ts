/**
 * Issue #5's acceptance run, through the demo scenario `pnpm testnet` runs (testnet/fl-demo.ts): a
 * 4-validator network of processes, 4 trainers on the digits dataset, each through a different
 * validator's RPC and blob API, the fourth sending sign-flipped updates scaled x10, 3 rounds with
 * `median`. The validators' aggregator services are the committees; the test only watches.
 *
 * Checked: every round paid with more than 2/3 of its committee in agreement (the report that
 * completes the agreement finalizes the stage, so a fourth report usually comes too late to count)
 * and no report naming another aggregate; its global model CID on chain; held-out accuracy
 * over a floor; every ucif of the pool accounted for, per round from the chain's records against
 * the payout formula computed here by hand, and per account from balances and the fees of every tx.
 *
 * The accuracy floor, 60%: the genesis weights score about 10% (chance on 10 classes). The same
 * split, model and training without any chain (bench:fl-quality's code path: 4 trainers, 2 epochs a
 * round, wasm backend, split seeds 7, 1 and 2) reached 87.2%, 90.5% and 83.8% after 3 rounds of
 * median with the fourth trainer flipping signs (89.4%, 90.8%, 87.2% with it honest), and 10.3%,
 * 8.4% and 9.5% with plain FedAvg under the same attack: the x10 flipped step outweighs the three
 * honest ones. So 60% cannot be met by a run in which the attacker's update got through, and leaves
 * room for training on another machine or backend (round 1 alone ranged 52-76%).
 *
 * Then issue #7's acceptance run on the same network and its finished task, through the client
 * (testnet/market-demo.ts, which `pnpm testnet` runs too): two trainers' datasets minted as $Data, a
 * $Portfolio of them bought twice on a linear curve (5 then 6 CIF) with grants verified by one
 * query, the task's model minted as a $Model with its provenance, an accuracy-threshold purchase of
 * the portfolio that the validators' committee passes (paid 7 CIF, the curve moves) and one of the
 * model that fails (refunded), a review and its rating; every payment checked to the last ucif
 * from the balances and the fees of every tx.
 *
 * Then issue #8's browser acceptance on the same network: the explorer (/explorer on a validator's
 * RPC port) in headless Chromium shows blocks advancing live, a tx found by hash, the validator table
 * with the tiers the chain reports, the task's charts and the market's price curves; a screenshot of
 * each page is saved under test-results/explorer/.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StargateClient } from "@cosmjs/stargate";
import { devAccounts } from "../../chain/wiring/genesis.ts";
import { type FlDemoResult, runFlDemo } from "../../testnet/fl-demo.ts";
import { demoAccounts, type MarketDemoResult, runMarketDemo } from "../../testnet/market-demo.ts";
import { formatCif } from "../../client/amounts.ts";
import { CiferClient } from "../../client/cifer-client.ts";
import { DirectSecp256k1HdWallet, type EncodeObject } from "@cosmjs/proto-signing";
import { makeCosmoshubPath } from "@cosmjs/stargate";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { msgMintModel, msgSettleEscrow } from "../../client/market/msgs.ts";
import { taskModelOf } from "../../client/market/provenance.ts";
import { MarketCode } from "../../modules/market/errors.ts";
import { EscrowStatus } from "../../modules/market/proto.ts";
import { RoundStatus, StageStatus, TaskStatus } from "../../modules/fl/proto.ts";
import { Tier } from "../../modules/reputation/proto.ts";
import { browserMissing, ExplorerBrowser } from "../helpers/explorer-browser.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import { ucifBalance, ucifFee } from "../helpers/ucif.ts";

const ROUNDS = 3;
const POOL = 30_000_001n; // not a multiple of the rounds: the last round takes the rounding
const ACCURACY_FLOOR = 0.6;
const COMMITTEE_FEE_PPM = 100_000n; // fl's default param

describe("FL acceptance: 4 validators, 4 trainers (one sign-flips x10), 3 rounds of median on digits", () => {
  let net: TestNetwork;
  let reader: StargateClient;
  let demo: FlDemoResult;
  const demoLog: string[] = [];
  const before_ = new Map<string, bigint>();
  const balance = (a: string) => ucifBalance(reader, a);
  const feeOf = (hash: string) => ucifFee(reader, hash);

  before(async () => {
    net = await TestNetwork.create(4, 250, {
      editGenesis: (g) => {
        const fl = (g.app_state as Record<string, { params: Record<string, string> }>).fl!;
        // A short dispute window keeps the test short (nobody disputes here).
        fl.params.dispute_blocks = "4";
      },
    });
    await net.start();
    reader = await StargateClient.connect(net.nodes[3]!.url);
    for (const a of await devAccounts()) before_.set(a.address, await balance(a.address));
    demo = await runFlDemo({
      rpcUrls: net.nodes.map((n) => n.url),
      trainers: 4,
      rule: "median",
      split: "iid",
      attack: "sign-flip",
      rounds: ROUNDS,
      roundBlocks: 30n,
      pool: POOL,
      epochs: 2,
      timeoutMs: 240_000,
      log: (line) => demoLog.push(line),
    });
  });

  after(async () => {
    reader?.disconnect();
    await net?.destroy();
  });

  test("every round is paid, its committee agreed, its global model is on chain", () => {
    assert.equal(demo.task.status, TaskStatus.Finished);
    assert.equal(demo.rounds.length, ROUNDS);
    for (const r of demo.rounds) {
      assert.equal(r.record.status, RoundStatus.Paid, `round ${r.round}`);
      assert.equal(r.stages.length, 1, "one subgroup, no root stage");
      const stage = r.stages[0]!;
      assert.equal(stage.status, StageStatus.Final);
      assert.equal(stage.committee.length, 4);
      assert.ok(3 * stage.agreed.length > 2 * stage.committee.length, `round ${r.round}: > 2/3 agreed`);
      // Every report that arrived names the same aggregate.
      for (const rep of stage.reports) assert.equal(rep.hash, stage.aggregateHash);
      assert.match(r.globalCid, /^bafkrei[a-z2-7]{52}$/);
      assert.equal(r.record.aggregateCid, stage.aggregateCid);
      assert.equal(r.record.updateCount, 4);
      // median selects nobody out: all four updates (the attacker's too) count for rewards.
      assert.deepEqual(stage.excluded, []);
    }
    assert.equal(demo.task.globalModelCid, demo.rounds[ROUNDS - 1]!.globalCid);
  });

  test(`the global model learns despite the attacker: held-out accuracy over ${ACCURACY_FLOOR * 100}%`, (t) => {
    for (const line of demoLog) t.diagnostic(line);
    assert.ok(demo.initialAccuracy < 0.3, `genesis weights at ${demo.initialAccuracy}`);
    const final = demo.rounds[ROUNDS - 1]!.accuracy;
    assert.ok(
      final >= ACCURACY_FLOOR,
      `final accuracy ${final} (per round: ${demo.rounds.map((r) => r.accuracy)})`,
    );
  });

  test("rewards and escrow add up to the last ucif", async () => {
    const task = demo.task;
    assert.equal(BigInt(task.escrow), 0n);
    assert.equal(BigInt(task.paid) + BigInt(task.refunded), POOL);

    const base = POOL / BigInt(ROUNDS);
    let paid = 0n;
    const perTrainer = new Map<string, bigint>();
    for (const r of demo.rounds) {
      const budget = r.round === ROUNDS ? POOL - base * BigInt(ROUNDS - 1) : base;
      assert.equal(BigInt(r.record.budget), budget);
      const stage = r.stages[0]!;
      const fee = (budget * COMMITTEE_FEE_PPM) / 1_000_000n;
      const perMember = fee / BigInt(stage.agreed.length);
      assert.equal(BigInt(r.record.paidCommittee), perMember * BigInt(stage.agreed.length));
      const forTrainers = budget - fee;
      const samples = demo.trainers.reduce((s, t) => s + BigInt(t.samples), 0n);
      assert.equal(BigInt(stage.acceptedSamples), samples);
      let trainersPaid = 0n;
      for (const t of demo.trainers) {
        const expected = (forTrainers * BigInt(t.samples)) / samples;
        const got = t.outcomes.find((x) => x.round === r.round)?.reward;
        assert.equal(got, expected, `round ${r.round}, ${t.address}`);
        trainersPaid += expected;
        perTrainer.set(t.address, (perTrainer.get(t.address) ?? 0n) + expected);
      }
      assert.equal(BigInt(r.record.paidTrainers), trainersPaid);
      paid += trainersPaid + perMember * BigInt(stage.agreed.length);
    }
    assert.equal(BigInt(task.paid), paid);

    // Balances: the owner paid the pool and its create fee and got the refund back; each trainer
    // gained its rewards less the fees of its txs.
    const ownerNow = await balance(demo.owner);
    assert.equal(
      ownerNow,
      before_.get(demo.owner)! - POOL - (await feeOf(demo.createTxHash)) + BigInt(task.refunded),
    );
    for (const t of demo.trainers) {
      let fees = 0n;
      for (const h of t.txHashes) fees += await feeOf(h);
      assert.equal(t.txHashes.length, 1 + ROUNDS, "one join and one update per round");
      assert.equal(await balance(t.address), before_.get(t.address)! + perTrainer.get(t.address)! - fees);
    }
  });

  // ---- the marketplace (issue #7) -------------------------------------------------------------

  let market: MarketDemoResult;
  const marketBefore = new Map<string, bigint>();
  const fees = async (address: string) => {
    let sum = 0n;
    for (const h of market.txs.get(address) ?? []) sum += await feeOf(h);
    return sum;
  };

  test("marketplace: $Data, a $Portfolio, sales, a $Model from the task, escrows, reviews", async (t) => {
    const marketLog: string[] = [];
    for (const a of Object.values(await demoAccounts())) marketBefore.set(a, await balance(a));
    market = await runMarketDemo({
      rpcUrls: net.nodes.map((n) => n.url),
      taskId: demo.taskId,
      datasets: demo.datasets,
      timeoutMs: 240_000,
      log: (line) => marketLog.push(line),
    });
    for (const line of marketLog) t.diagnostic(line);
  });

  test("marketplace: the second sale costs more, grants verify, the model's provenance is the task's", async () => {
    const r = market;
    assert.deepEqual(
      r.sales.map((s) => s.price),
      [5_000_000n, 6_000_000n],
      "P(s) = 1 CIF x s + 5 CIF for s = 0, 1",
    );
    assert.deepEqual(r.access, { buyers: [true, true], stranger: false });
    const c = await CiferClient.connect(net.nodes[0]!.url);
    try {
      const minted = await c.query.market.modelOfTask(demo.taskId);
      assert.equal(minted?.id, r.model);
      const prov = minted!.model!.provenance!;
      assert.equal(prov.rounds, ROUNDS);
      assert.deepEqual(
        prov.globalModelHashes,
        demo.rounds.map((x) => x.record.aggregateHash),
      );
      assert.deepEqual(prov.contributors, demo.trainers.map((x) => x.address).sort());
      assert.equal(minted!.model!.modelCid, demo.task.globalModelCid);
    } finally {
      c.disconnect();
    }
  });

  test("marketplace: the escrow the committee passes pays 7 CIF and moves the curve; the failing one refunds", () => {
    const { passed, failed } = market;
    assert.equal(passed.escrow.status, EscrowStatus.Released);
    assert.equal(passed.escrow.committee.length, 3);
    assert.ok(3 * passed.escrow.reveals.length > 2 * passed.escrow.committee.length);
    assert.ok(passed.escrow.medianAccuracyPpm >= 300_000, `median ${passed.escrow.medianAccuracyPpm}`);
    assert.deepEqual([passed.priceBefore, passed.priceAfter], [7_000_000n, 8_000_000n]);
    assert.equal(passed.escrow.paid, "7000000");
    assert.equal(passed.escrow.refunded, "1000000", "the max price was the price + 1 CIF");
    assert.equal(failed.escrow.status, EscrowStatus.Refunded);
    assert.ok(failed.escrow.medianAccuracyPpm < 990_000);
    assert.equal(failed.escrow.paid, "0");
    assert.equal(BigInt(failed.escrow.refunded), failed.priceBefore + 1_000_000n);
    assert.equal(failed.priceAfter, failed.priceBefore, "a refund does not move the curve");
    assert.equal(market.review.helpful, 1);
  });

  test("marketplace: every payment adds up to the last ucif", async () => {
    const a = market.accounts;
    const delta = async (who: string) => (await balance(who)) - marketBefore.get(who)! + (await fees(who));
    // Three sales of the portfolio at 5, 6, 7 CIF: fee 2.5% (125000, 150000, 175000) to the community
    // pool; the curator 10% of the rest (487500, 585000, 682500); the owners 60/40 of what is left
    // (4387500 -> 2632500 + 1755000; 5265000 -> 3159000 + 2106000; 6142500 -> 3685500 + 2457000).
    // Use bonuses from the community allocation, together at most half each sale's fee (62500,
    // 75000, 87500), owners first: alice's 0.1 CIF bonus takes all of it each time; bob and carol
    // get none.
    assert.equal(await delta(a.alice), 2_632_500n + 3_159_000n + 3_685_500n + 62_500n + 75_000n + 87_500n);
    assert.equal(await delta(a.bob), 1_755_000n + 2_106_000n + 2_457_000n);
    assert.equal(await delta(a.carol), 487_500n + 585_000n + 682_500n);
    // The buyers: 100 CIF from the owner; xavier paid 5 CIF and a 1 CIF review deposit (held until
    // the review matures, 100 blocks later, then returned: it was rated helpful); yvonne 6 CIF, and got her whole failed escrow back; zed 7 CIF.
    const held = await CiferClient.connect(net.nodes[0]!.url).then(async (c) => {
      const r = (await c.query.market.reviews(market.portfolio)).reviews[0]!;
      c.disconnect();
      return r.settled ? 0n : BigInt(r.deposit);
    });
    assert.equal(await delta(a.xavier), 100_000_000n - 5_000_000n - held);
    assert.equal(await delta(a.yvonne), 100_000_000n - 6_000_000n);
    assert.equal(await delta(a.zed), -7_000_000n);
    assert.equal(await delta(a.owner), -200_000_000n);
  });

  test("marketplace: false provenance, a second model of the task and a second settlement are refused, nothing moves", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
      prefix: "cif",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(4)],
    });
    const [owner, zed] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const c = await CiferClient.connectWithSigner(net.nodes[1]!.url, wallet, {
      broadcastPollIntervalMs: 300,
      broadcastTimeoutMs: 60_000,
    });
    try {
      const fee = { amount: [{ denom: "ucif", amount: "5000" }], gas: "1000000" };
      const tm = await taskModelOf(c.query, demo.taskId);
      const assets = async () => (await c.query.market.assets()).assets.length;
      const count = await assets();
      const refused = async (signer: string, msg: EncodeObject, code: MarketCode, log: RegExp) => {
        const before = await balance(signer);
        const r = await c.signAndBroadcast(signer, [msg], fee);
        assert.equal(r.code, code, r.rawLog);
        assert.match(r.rawLog ?? "", log);
        assert.equal(await balance(signer), before - 5000n, "only the fee is spent");
      };
      const swapped = { ...tm.provenance, globalModelHashes: [...tm.provenance.globalModelHashes].reverse() };
      const mint = (provenance: typeof tm.provenance) =>
        msgMintModel({ owner, modelCid: tm.modelCid, modelHash: tm.modelHash, provenance });
      await refused(owner, mint(swapped), MarketCode.InvalidProvenance, /global model hashes does not match/);
      const fewer = { ...tm.provenance, contributors: tm.provenance.contributors.slice(1) };
      await refused(owner, mint(fewer), MarketCode.InvalidProvenance, /contributors does not match/);
      await refused(owner, mint(tm.provenance), MarketCode.AlreadyMinted, /the model of task/);
      assert.equal(await assets(), count, "no asset was minted");
      const released = market.passed.escrow.id;
      await refused(zed, msgSettleEscrow(zed, released), MarketCode.AlreadySettled, /already released/);
      assert.equal((await c.query.market.escrow(released)).status, EscrowStatus.Released);
    } finally {
      c.disconnect();
    }
  });

  test("explorer in headless Chromium: live blocks, a tx by hash, validators with tiers, the task's charts, price curves", async (t) => {
    const missing = browserMissing();
    if (missing) {
      // CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
      if (process.env.CI) assert.fail(missing);
      t.skip(missing);
      return;
    }
    const node = net.nodes[1]!;
    const c = await CiferClient.connect(node.url);
    const b = await ExplorerBrowser.open(node.url);
    try {
      // Blocks advance on the open page, through the websocket (no reload).
      await b.goto("");
      const first = Number(await b.text("#latest-height"));
      const top = await b.waitForTopBlockAbove(first + 1);
      assert.ok(top >= first + 2, `blocks advanced from ${first} to ${top}`);
      assert.ok((await b.page.$$("table.txs tbody tr[data-tx]")).length > 0, "the latest txs are listed");
      t.diagnostic(`home: ${await b.screenshot("home")}`);

      // A tx found by hash from the search box: the first portfolio sale.
      const sale = market.sales[0]!;
      await b.page.fill("#search input", sale.txHash.toLowerCase());
      await b.page.press("#search input", "Enter");
      await b.waitForRoute(`tx/${sale.txHash}`);
      assert.equal(await b.text("#tx-hash"), sale.txHash);
      assert.equal(await b.text("#tx-result"), "success");
      assert.deepEqual(await b.page.$$eval(".msg-type", (els) => els.map((e) => e.textContent)), [
        "/cifer.market.v1.MsgBuyAccess",
      ]);
      const indexed = await c.getTx(sale.txHash);
      t.diagnostic(`tx: ${await b.screenshot("tx")}`);

      // Its block, through the link on the tx page.
      await b.page.click(`dl.fields a[href="#/block/${indexed!.height}"]`);
      await b.waitForRoute(`block/${indexed!.height}`);
      assert.equal(Number(await b.text("#block-height")), indexed!.height);
      const shown = await b.page.$$eval("table.txs a.mono", (els) => els.map((e) => e.getAttribute("href")));
      assert.ok(shown.includes(`#/tx/${sale.txHash}`), `block ${indexed!.height} lists the sale`);
      t.diagnostic(`block: ${await b.screenshot("block")}`);

      // The validator table: every validator, with the tier the chain reports for it.
      await b.goto("validators");
      const reps = (await c.query.reputation.validators()).validators;
      const rows = await b.page.$$eval("table.validators tbody tr", (trs) =>
        trs.map((tr) => ({
          operator: tr.getAttribute("data-operator"),
          tier: tr.querySelector(".tier-cell")?.textContent?.trim(),
        })),
      );
      assert.equal(rows.length, 4);
      const tierName: Record<number, string> = {
        [Tier.New]: "New",
        [Tier.Initial]: "Initial",
        [Tier.Trusted]: "Trusted",
        [Tier.Normal]: "Normal",
        [Tier.Unreliable]: "Unreliable",
      };
      for (const r of reps) {
        const row = rows.find((x) => x.operator === r.validatorAddress);
        assert.equal(row?.tier, tierName[r.tier], `tier of ${r.validatorAddress}`);
      }
      t.diagnostic(`validators: ${await b.screenshot("validators")}`);
      // One validator's reputation history: one chart point per recorded sample.
      const v = reps[0]!.validatorAddress;
      const samples = (await c.query.reputation.history(v)).samples.length;
      await b.goto(`validator/${v}`);
      const points = (await b.page.$$("#reputation-chart circle.point")).length;
      assert.ok(samples > 0 && points >= samples, `${points} points for ${samples} samples`);
      t.diagnostic(`validator: ${await b.screenshot("validator")}`);

      // The task: its rounds and the rewards chart, one bar per trainer.
      await b.goto("fl");
      assert.ok(await b.page.$(`table.tasks tr[data-task="${demo.taskId}"]`), "the task is listed");
      await b.goto(`fl/${demo.taskId}`);
      assert.equal((await b.page.$$("table.rounds tbody tr")).length, ROUNDS);
      assert.equal((await b.page.$$("#earned-chart svg rect.bar")).length, demo.trainers.length);
      t.diagnostic(`fl task: ${await b.screenshot("fl-task")}`);

      // The market: the portfolio's price now is the chain's, its curve drawn with the sales so far.
      await b.goto("market");
      const price = await c.query.market.price(market.portfolio);
      const row = `table.assets tr[data-asset="${market.portfolio}"]`;
      assert.equal(await b.text(`${row} td:nth-child(5)`), `${formatCif(price.price)} CIF`);
      assert.ok(
        await b.page.$(`figure.curve[data-asset="${market.portfolio}"] svg path.line`),
        "its curve is drawn",
      );
      t.diagnostic(`market: ${await b.screenshot("market")}`);
      assert.deepEqual(b.errors, [], "no script error on any page");
    } finally {
      await b.close();
      c.disconnect();
    }
  });
});
