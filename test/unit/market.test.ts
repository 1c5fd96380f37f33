import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TxResult } from "../../chain/app/app.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { escrowCommitment } from "../../modules/market/escrow-commit.ts";
import { MarketCode } from "../../modules/market/errors.ts";
import { DEFAULT_MARKET_PARAMS, validateMarketParams } from "../../modules/market/params.ts";
import {
  type Asset,
  CurveKind,
  type Escrow,
  EscrowStatus,
  MsgBuyAccess,
  MsgCommitEscrowScore,
  MsgCreatePortfolio,
  MsgListAsset,
  MsgMintData,
  MsgMintModel,
  MsgOpenEscrow,
  MsgRateReview,
  MsgRevealEscrowScore,
  MsgReview,
  MsgSettleEscrow,
  MsgTransferAsset,
  QueryAccessRequest,
  QueryAccessResponse,
  QueryAssetRequest,
  QueryAssetResponse,
  QueryEscrowRequest,
  QueryEscrowResponse,
  QueryPriceRequest,
  QueryPriceResponse,
  QueryReviewerRequest,
  QueryReviewerResponse,
  QueryReviewsRequest,
  QueryReviewsResponse,
} from "../../modules/market/proto.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { accountOfValoper, anyOf, attr, blob, eventsOf, FlDriver, MODEL_SPEC } from "../helpers/fl.ts";
import { dataHash, fakeEvalSet, marketCode, marketQuery, salt } from "../helpers/market.ts";
import { msgMultiSend } from "../helpers/msgs.ts";
import { randomKey, type TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver } from "../helpers/staking.ts";

// Issue #7 on chain, through the real app (AppHarness checks every module's invariants after every
// block, the market account's escrows + deposits among them): $Data, a $Portfolio, sales on a
// bonding curve with the split to the last ucif, grants and their expiry, a stand-alone $Model,
// accuracy-threshold escrows that pass and fail, reviews and ratings, base rewards; and every bad
// input of the acceptance list refused with its code and no state change. Expected amounts are
// computed here by hand from the rules' text.

const EPOCH = 5n;
const COMMIT = 4n;
const REVEAL = 4n;
const LOCK = 6n;
const REWARD_EPOCH = 50n;
const DATA_BONUS = 100n;
const CURATOR_BONUS = 50n;
const BASE_REWARD = 100n;
const MIN_REVENUE = 10_000n;

let h: AppHarness;
let d: FlDriver;
let validators: TestKey[];
let alice: TestKey; // data owner
let bob: TestKey; // data owner
let carol: TestKey; // curator
let xavier: TestKey; // buyer
let yvonne: TestKey; // buyer
let zed: TestKey; // never buys
const COMMUNITY = moduleAddress("community");
const MARKET = moduleAddress("market");

const tx = (
  k: TestKey,
  c: Parameters<typeof anyOf>[0],
  m: Record<string, unknown>,
  expect: 0 | [string, number] = 0,
) => d.tx(k, anyOf(c as never, m as never), expect);
const asset = async (id: bigint): Promise<Asset> =>
  (await marketQuery(h, "Asset", QueryAssetRequest, QueryAssetResponse, { assetId: id })).asset!;
const escrow = async (id: bigint): Promise<Escrow> =>
  (await marketQuery(h, "Escrow", QueryEscrowRequest, QueryEscrowResponse, { escrowId: id })).escrow!;
const access = (id: bigint, address: string) =>
  marketQuery(h, "Access", QueryAccessRequest, QueryAccessResponse, { assetId: id, address });
const idOf = (r: TxResult, type: string, key: string) => BigInt(attr(eventsOf(r.events, type)[0]!, key)!);
const ucif = (n: bigint) => ({ denom: "ucif", amount: n.toString() });
/** Balances net of the fees the driver paid for each account. */
const net = async (k: TestKey) => (await d.balance(k.address)) + d.fee(k.address);

async function mintData(k: TestKey, label: string): Promise<bigint> {
  const r = await tx(k, MsgMintData, {
    owner: k.address,
    dataHash: dataHash(label),
    schema: "csv: 64 pixels, label",
    sizeBytes: 1000n,
    license: "CC-BY-4.0",
  });
  return idOf(r, "market_asset_minted", "asset_id");
}

const linear = (m: bigint, b: bigint) => ({ kind: CurveKind.Linear, m: m.toString(), b: b.toString() });

before(async () => {
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, Record<string, unknown>>;
    appState.staking = {
      params: { unbonding_time: "1000s", bond_denom: "ucif" },
      epoch_blocks: EPOCH.toString(),
    };
    const p = appState.market!.params as Record<string, string>;
    p.escrow_commit_blocks = COMMIT.toString();
    p.escrow_reveal_blocks = REVEAL.toString();
    p.min_escrow_blocks = (COMMIT + REVEAL).toString();
    p.review_lock_blocks = LOCK.toString();
    p.reward_epoch_blocks = REWARD_EPOCH.toString();
    p.data_base_reward = BASE_REWARD.toString();
    p.data_use_bonus = DATA_BONUS.toString();
    p.curator_use_bonus = CURATOR_BONUS.toString();
    p.reward_min_revenue = MIN_REVENUE.toString();
    p.review_deposit = "5000";
  });
  d = new FlDriver(h);
  const sd = await StakingDriver.create(h, 5);
  validators = sd.keys.slice(0, 4);
  const funder = sd.keys[4]!;
  [alice, bob, carol, xavier, yvonne, zed] = [
    randomKey(),
    randomKey(),
    randomKey(),
    randomKey(),
    randomKey(),
    randomKey(),
  ];
  await d.block(validators.map((k, i) => [k, sd.createValidatorMsg(k, BigInt(i + 1) * 100n * CIF)]));
  await d.tx(
    funder,
    msgMultiSend(
      funder.address,
      [alice, bob, carol, xavier, yvonne, zed].map((k) => k.address),
      100n * CIF,
    ),
  );
  while (h.height % EPOCH !== 0n) await h.block([]);
});
after(() => h?.close());

let d1: bigint;
let d2: bigint;
let portfolio: bigint;

test("$Data and a $Portfolio: minted with their checks, bad weights and unknown items refused", async () => {
  d1 = await mintData(alice, "digits-a");
  d2 = await mintData(bob, "digits-b");
  assert.equal((await asset(d1)).data!.dataHash, dataHash("digits-a"));
  await tx(
    alice,
    MsgMintData,
    { owner: alice.address, dataHash: "ABC", schema: "s", license: "l" },
    marketCode(MarketCode.InvalidHash),
  );
  await tx(
    alice,
    MsgMintData,
    { owner: alice.address, dataHash: dataHash("x"), schema: "", license: "l" },
    marketCode(MarketCode.InvalidText),
  );
  const items = (a: number, b: number) => [
    { dataId: d1, weightPpm: a },
    { dataId: d2, weightPpm: b },
  ];
  // Weights that do not sum to 1: refused, and no asset id is taken.
  await tx(
    carol,
    MsgCreatePortfolio,
    { curator: carol.address, items: items(600_000, 300_000), curatorSharePpm: 100_000 },
    marketCode(MarketCode.InvalidPortfolio),
  );
  await tx(
    carol,
    MsgCreatePortfolio,
    { curator: carol.address, items: [{ dataId: 999n, weightPpm: 1_000_000 }], curatorSharePpm: 0 },
    marketCode(MarketCode.AssetNotFound),
  );
  const r = await tx(carol, MsgCreatePortfolio, {
    curator: carol.address,
    items: items(600_000, 400_000),
    curatorSharePpm: 100_000,
  });
  portfolio = idOf(r, "market_asset_minted", "asset_id");
  assert.equal(portfolio, d2 + 1n, "the refused portfolios took no id");
  assert.deepEqual(
    (await asset(portfolio)).portfolio!.items.map((i) => i.weightPpm),
    [600_000, 400_000],
  );
});

test("buying access twice on a linear curve: the second sale costs more, every ucif accounted for", async () => {
  await tx(carol, MsgListAsset, {
    owner: carol.address,
    assetId: portfolio,
    curve: linear(1000n, 10_000n),
    licence: "research only",
  });
  const before = new Map(
    await Promise.all([alice, bob, carol, xavier].map(async (k) => [k.address, await net(k)] as const)),
  );
  const community = await d.balance(COMMUNITY);
  // P(0) = 1000 * 0 + 10000 = 10000. Fee 2.5% = 250; rest 9750; curator 10% = 975; owners 8775:
  // alice 60% = 5265, bob 40% = 3510 (no dust). Bonuses (together at most half the fee, 125, owners
  // first): alice 100, bob the 25 left, carol nothing.
  const r = await tx(xavier, MsgBuyAccess, {
    buyer: xavier.address,
    assetId: portfolio,
    maxPrice: ucif(10_000n),
  });
  assert.equal(attr(eventsOf(r.events, "market_access_bought")[0]!, "price"), "10000");
  assert.equal((await net(xavier)) - before.get(xavier.address)!, -10_000n);
  assert.equal((await net(alice)) - before.get(alice.address)!, 5265n + DATA_BONUS);
  assert.equal((await net(bob)) - before.get(bob.address)!, 3510n + 25n);
  assert.equal((await net(carol)) - before.get(carol.address)!, 975n);
  assert.equal(community - (await d.balance(COMMUNITY)), DATA_BONUS + 25n);
  // P(1) = 11000: a maximum of 10999 is refused, nothing moves, the curve stays.
  const y0 = await net(yvonne);
  await tx(
    yvonne,
    MsgBuyAccess,
    { buyer: yvonne.address, assetId: portfolio, maxPrice: ucif(10_999n) },
    marketCode(MarketCode.PriceAboveMax),
  );
  assert.equal(await net(yvonne), y0);
  const price = await marketQuery(h, "Price", QueryPriceRequest, QueryPriceResponse, { assetId: portfolio });
  assert.deepEqual([price.price, price.sales, price.nextPrice], ["11000", 1n, "12000"]);
  await tx(yvonne, MsgBuyAccess, { buyer: yvonne.address, assetId: portfolio, maxPrice: ucif(11_000n) });
  assert.equal((await net(yvonne)) - y0, -11_000n);
  assert.equal((await asset(portfolio)).listing!.revenue, "21000");
  assert.equal((await asset(d1)).uses, 2n, "a portfolio's sale is a use of its data");
  // Unknown asset, own asset, unlisted asset.
  await tx(
    xavier,
    MsgBuyAccess,
    { buyer: xavier.address, assetId: 999n, maxPrice: ucif(1n) },
    marketCode(MarketCode.AssetNotFound),
  );
  await tx(
    carol,
    MsgBuyAccess,
    { buyer: carol.address, assetId: portfolio, maxPrice: ucif(CIF) },
    marketCode(MarketCode.OwnAsset),
  );
  await tx(
    xavier,
    MsgBuyAccess,
    { buyer: xavier.address, assetId: d2, maxPrice: ucif(CIF) },
    marketCode(MarketCode.NotListed),
  );
});

test("a grant is verifiable with one query, and expires with its listing's access_blocks", async () => {
  const x = await access(portfolio, xavier.address);
  assert.equal(x.granted, true);
  assert.equal(x.grant!.holder, xavier.address);
  assert.equal(x.grant!.licence, "research only");
  assert.equal((await access(portfolio, zed.address)).granted, false);
  // d2 sold with access for 3 blocks: valid at the sale's height and the two after it.
  await tx(bob, MsgListAsset, { owner: bob.address, assetId: d2, curve: linear(0n, 500n), accessBlocks: 3n });
  const r = await tx(xavier, MsgBuyAccess, { buyer: xavier.address, assetId: d2, maxPrice: ucif(500n) });
  const sold = h.height;
  assert.equal(attr(eventsOf(r.events, "market_access_bought")[0]!, "expires"), (sold + 2n).toString());
  while (h.height < sold + 2n) await h.block([]);
  assert.equal((await access(d2, xavier.address)).granted, true);
  await h.block([]);
  const expired = await access(d2, xavier.address);
  assert.equal(expired.granted, false);
  assert.equal(expired.grant!.expires, sold + 2n, "the expired grant is still shown");
});

test("transfers move ownership, and the new owner is paid", async () => {
  await tx(
    zed,
    MsgTransferAsset,
    { owner: zed.address, assetId: d2, recipient: zed.address },
    marketCode(MarketCode.NotOwner),
  );
  await tx(bob, MsgTransferAsset, { owner: bob.address, assetId: d2, recipient: zed.address });
  assert.equal((await asset(d2)).owner, zed.address);
  const z0 = await net(zed);
  await tx(yvonne, MsgBuyAccess, { buyer: yvonne.address, assetId: d2, maxPrice: ucif(500n) });
  // 500: fee 12 (floor of 12.5), zed 488, and the data bonus (at most half the fee: 6).
  assert.equal((await net(zed)) - z0, 488n + 6n);
});

let model: bigint;

test("a stand-alone $Model; false provenance refused", async () => {
  const b = blob("model-weights");
  await tx(
    alice,
    MsgMintModel,
    { owner: alice.address, modelCid: b.cid, modelHash: blob("other").hash, modelSpec: MODEL_SPEC },
    marketCode(MarketCode.InvalidHash),
  );
  await tx(
    alice,
    MsgMintModel,
    { owner: alice.address, modelCid: b.cid, modelHash: b.hash, modelSpec: "{}" },
    marketCode(MarketCode.InvalidModelSpec),
  );
  // A task that does not exist, and a "provenance" without a task.
  await tx(
    alice,
    MsgMintModel,
    {
      owner: alice.address,
      modelCid: b.cid,
      modelHash: b.hash,
      provenance: { taskId: 42n, rounds: 1, globalModelHashes: [b.hash] },
    },
    marketCode(MarketCode.InvalidProvenance),
  );
  await tx(
    alice,
    MsgMintModel,
    {
      owner: alice.address,
      modelCid: b.cid,
      modelHash: b.hash,
      modelSpec: MODEL_SPEC,
      provenance: { taskId: 0n, rounds: 3 },
    },
    marketCode(MarketCode.InvalidProvenance),
  );
  const r = await tx(alice, MsgMintModel, {
    owner: alice.address,
    modelCid: b.cid,
    modelHash: b.hash,
    modelSpec: MODEL_SPEC,
    trainedOn: [d1],
  });
  model = idOf(r, "market_asset_minted", "asset_id");
  assert.deepEqual((await asset(model)).model!.trainedOn, [d1]);
  await tx(alice, MsgListAsset, {
    owner: alice.address,
    assetId: d1,
    curve: { kind: CurveKind.Power, m: "100", b: "20000", exponentNum: 3, exponentDen: 2 },
  });
});

/** Opens an escrow on d1 evaluated on `model`; the committee commits and reveals `accuracies`. */
async function escrowRun(thresholdPpm: number, maxPrice: bigint, accuracies: number[]): Promise<bigint> {
  const r = await tx(xavier, MsgOpenEscrow, {
    buyer: xavier.address,
    assetId: d1,
    modelId: model,
    maxPrice: ucif(maxPrice),
    thresholdPpm,
    evalSet: fakeEvalSet(validators),
    deadlineBlocks: 20n,
  });
  const id = idOf(r, "market_escrow_opened", "escrow_id");
  const e = await escrow(id);
  assert.equal(e.committee.length, 3, "escrow_committee_size members among the 4 wrap holders");
  const members = e.committee.map((v) => validators.find((k) => k.address === accountOfValoper(v))!);
  const salts = members.map(() => salt());
  await d.block(
    members.map((k, i) => [
      k,
      anyOf(MsgCommitEscrowScore, {
        validator: k.address,
        escrowId: id,
        commitment: escrowCommitment({
          escrowId: id,
          validator: e.committee[i]!,
          accuracyPpm: accuracies[i]!,
          salt: salts[i]!,
        }),
      }),
    ]),
  );
  assert.equal(
    (await escrow(id)).status,
    EscrowStatus.Revealing,
    "every member committed: the reveal opens at once",
  );
  // A reveal that does not match its commitment is refused.
  await tx(
    members[0]!,
    MsgRevealEscrowScore,
    { validator: members[0]!.address, escrowId: id, accuracyPpm: accuracies[0]! + 1, salt: salts[0] },
    marketCode(MarketCode.CommitmentMismatch),
  );
  await d.block(
    members.map((k, i) => [
      k,
      anyOf(MsgRevealEscrowScore, {
        validator: k.address,
        escrowId: id,
        accuracyPpm: accuracies[i]!,
        salt: salts[i]!,
      }),
    ]),
  );
  return id;
}

test("an accuracy-threshold purchase that passes: paid at the current price, the curve moves, released once", async () => {
  // Power curve P(s) = 20000 + floor(100 * s^(3/2)): s = 0 -> 20000.
  const before = await asset(d1);
  assert.equal(before.listing!.sales, 0n);
  const x0 = await net(xavier);
  const id = await escrowRun(800_000, 30_000n, [900_000, 850_000, 700_000]);
  const passed = await escrow(id);
  assert.equal(passed.status, EscrowStatus.Passed);
  assert.equal(passed.medianAccuracyPpm, 850_000);
  assert.equal((await net(xavier)) - x0, -30_000n, "the maximum is escrowed");
  const a0 = await net(alice);
  await tx(zed, MsgSettleEscrow, { sender: zed.address, escrowId: id });
  const released = await escrow(id);
  assert.deepEqual(
    [released.status, released.paid, released.refunded],
    [EscrowStatus.Released, "20000", "10000"],
  );
  assert.equal((await net(xavier)) - x0, -20_000n);
  // 20000: fee 500, alice 19500 + the data bonus 100.
  assert.equal((await net(alice)) - a0, 19_500n + DATA_BONUS);
  assert.equal((await access(d1, xavier.address)).grant!.escrowId, id);
  const moved = await marketQuery(h, "Price", QueryPriceRequest, QueryPriceResponse, { assetId: d1 });
  // s = 1 -> 20000 + 100 = 20100; s = 2 -> 20000 + floor(100 * 2.828...) = 20282.
  assert.deepEqual([moved.price, moved.nextPrice], ["20100", "20282"]);
  // Released twice: refused, nothing moves.
  await tx(
    zed,
    MsgSettleEscrow,
    { sender: zed.address, escrowId: id },
    marketCode(MarketCode.AlreadySettled),
  );
  assert.equal(await d.balance(MARKET), 0n);
});

test("an accuracy-threshold purchase that fails: refunded in full, the curve stays", async () => {
  const x0 = await net(xavier);
  const id = await escrowRun(950_000, 25_000n, [900_000, 940_000, 960_000]);
  const failed = await escrow(id);
  assert.equal(failed.status, EscrowStatus.Failed);
  assert.match(failed.reason, /median accuracy 940000 ppm is below the threshold of 950000/);
  await tx(xavier, MsgSettleEscrow, { sender: xavier.address, escrowId: id });
  assert.deepEqual(
    [(await escrow(id)).status, (await escrow(id)).refunded],
    [EscrowStatus.Refunded, "25000"],
  );
  assert.equal(await net(xavier), x0);
  assert.equal((await asset(d1)).listing!.sales, 1n);
  // Bad escrows: a model not trained on the asset, a threshold above 1, a member committing twice.
  const bad = {
    buyer: xavier.address,
    assetId: portfolio,
    modelId: model,
    maxPrice: ucif(CIF),
    thresholdPpm: 500_000,
    evalSet: fakeEvalSet(validators),
    deadlineBlocks: 20n,
  };
  await tx(xavier, MsgOpenEscrow, bad, marketCode(MarketCode.InvalidEscrow));
  await tx(
    xavier,
    MsgOpenEscrow,
    { ...bad, assetId: d1, thresholdPpm: 1_000_001 },
    marketCode(MarketCode.InvalidEscrow),
  );
  await tx(
    xavier,
    MsgOpenEscrow,
    { ...bad, assetId: d1, maxPrice: ucif(100n) },
    marketCode(MarketCode.PriceAboveMax),
  );
});

test("an escrow nobody evaluates is refunded at its deadline", async () => {
  const x0 = await net(xavier);
  const r = await tx(xavier, MsgOpenEscrow, {
    buyer: xavier.address,
    assetId: d1,
    modelId: model,
    maxPrice: ucif(CIF),
    thresholdPpm: 1,
    evalSet: fakeEvalSet(validators),
    deadlineBlocks: 12n,
  });
  const id = idOf(r, "market_escrow_opened", "escrow_id");
  await tx(
    xavier,
    MsgSettleEscrow,
    { sender: xavier.address, escrowId: id },
    marketCode(MarketCode.WrongEscrowStatus),
  );
  const e = await escrow(id);
  while (h.height < e.phaseEnd) await h.block([]);
  assert.equal((await escrow(id)).status, EscrowStatus.Failed, "no commitment by the phase's end");
  while (h.height < e.deadline) await h.block([]);
  const done = await escrow(id);
  assert.deepEqual([done.status, done.refunded], [EscrowStatus.Refunded, CIF.toString()]);
  assert.equal(await net(xavier), x0);
});

test("reviews: users only, once each, rated by other users; the deposit returns or is forfeited", async () => {
  await tx(
    zed,
    MsgReview,
    { reviewer: zed.address, assetId: portfolio, rating: 5 },
    marketCode(MarketCode.NoAccess),
  );
  await tx(
    xavier,
    MsgReview,
    { reviewer: xavier.address, assetId: portfolio, rating: 6 },
    marketCode(MarketCode.InvalidRating),
  );
  const x0 = await net(xavier);
  const r = await tx(xavier, MsgReview, {
    reviewer: xavier.address,
    assetId: portfolio,
    rating: 4,
    examplesCid: blob("examples").cid,
    text: "clean labels",
  });
  const review = idOf(r, "market_review_posted", "review_id");
  assert.equal((await net(xavier)) - x0, -5000n, "the deposit is held");
  await tx(
    xavier,
    MsgReview,
    { reviewer: xavier.address, assetId: portfolio, rating: 3 },
    marketCode(MarketCode.DuplicateReview),
  );
  await tx(
    xavier,
    MsgRateReview,
    { rater: xavier.address, reviewId: review, helpful: true },
    marketCode(MarketCode.DuplicateVote),
  );
  await tx(
    zed,
    MsgRateReview,
    { rater: zed.address, reviewId: review, helpful: false },
    marketCode(MarketCode.NoAccess),
  );
  await tx(yvonne, MsgRateReview, { rater: yvonne.address, reviewId: review, helpful: true });
  await tx(
    yvonne,
    MsgRateReview,
    { rater: yvonne.address, reviewId: review, helpful: true },
    marketCode(MarketCode.DuplicateVote),
  );
  // yvonne's review, rated unhelpful by xavier: forfeited at maturity.
  const r2 = await tx(yvonne, MsgReview, {
    reviewer: yvonne.address,
    assetId: portfolio,
    rating: 1,
    text: "spam",
  });
  const spam = idOf(r2, "market_review_posted", "review_id");
  await tx(xavier, MsgRateReview, { rater: xavier.address, reviewId: spam, helpful: false });
  const reviews = await marketQuery(h, "Reviews", QueryReviewsRequest, QueryReviewsResponse, {
    assetId: portfolio,
  });
  assert.deepEqual(
    reviews.reviews.map((x) => [x.rating, x.helpful, x.unhelpful]),
    [
      [4, 1, 0],
      [1, 0, 1],
    ],
  );
  const matures = reviews.reviews[1]!.matures;
  while (h.height < matures) await h.block([]);
  const after = await marketQuery(h, "Reviews", QueryReviewsRequest, QueryReviewsResponse, {
    assetId: portfolio,
  });
  assert.deepEqual(
    after.reviews.map((x) => [x.settled, x.forfeited]),
    [
      [true, false],
      [true, true],
    ],
  );
  assert.equal((await net(xavier)) - x0, 0n, "xavier's deposit came back");
  const xs = (
    await marketQuery(h, "Reviewer", QueryReviewerRequest, QueryReviewerResponse, {
      reviewer: xavier.address,
    })
  ).stats!;
  const ys = (
    await marketQuery(h, "Reviewer", QueryReviewerRequest, QueryReviewerResponse, {
      reviewer: yvonne.address,
    })
  ).stats!;
  // (helpful + 1) / (helpful + unhelpful + 2): 2/3 and 1/3.
  assert.deepEqual([xs.reviews, xs.helpful, xs.scorePpm], [1, 1, 666_666]);
  assert.deepEqual([ys.forfeited, ys.unhelpful, ys.scorePpm], [1, 1, 333_333]);
  await tx(
    yvonne,
    MsgRateReview,
    { rater: yvonne.address, reviewId: 999n, helpful: true },
    marketCode(MarketCode.ReviewNotFound),
  );
});

test("base rewards: each $Data that earned its owners the minimum in an epoch earns from the community allocation", async () => {
  // Lifetime earnings: d1 from the portfolio's two sales (60% of 8775 and of 9653: 5265 + 5791) and
  // its escrow sale (19500); d2 (40%: 3510 + 3861, and two direct sales of 500 paying 488 each).
  assert.deepEqual(
    [(await asset(d1)).earned, (await asset(d2)).earned, (await asset(portfolio)).earned],
    ["30556", "8347", (975 + 1072).toString()],
  );
  // A fresh epoch: only what is earned in it counts for its reward.
  const start = (h.height / REWARD_EPOCH + 1n) * REWARD_EPOCH;
  while (h.height < start) await h.block([]);
  // In this epoch: d1 sells at P(1) = 20100 (alice earns 20100 - 502 = 19598 >= 10000), d2 at 500
  // (zed earns 488 < 10000).
  const [r1, r2] = await d.block([
    [yvonne, anyOf(MsgBuyAccess, { buyer: yvonne.address, assetId: d1, maxPrice: ucif(20_100n) })],
    [xavier, anyOf(MsgBuyAccess, { buyer: xavier.address, assetId: d2, maxPrice: ucif(500n) })],
  ]);
  assert.deepEqual([r1!.code, r2!.code], [0, 0], `${r1!.log} ${r2!.log}`);
  while (h.height < start + REWARD_EPOCH - 1n) await h.block([]);
  const a0 = await net(alice);
  const z0 = await net(zed);
  await h.block([]);
  const paid = eventsOf(h.lastEvents, "market_data_reward");
  assert.deepEqual(
    paid.map((e) => [attr(e, "asset_id"), attr(e, "amount")]),
    [[d1.toString(), BASE_REWARD.toString()]],
  );
  assert.equal((await net(alice)) - a0, BASE_REWARD);
  assert.equal(await net(zed), z0);
  // The next epoch nobody sold anything: nobody is paid.
  while (h.height < start + 2n * REWARD_EPOCH) await h.block([]);
  assert.deepEqual(eventsOf(h.lastEvents, "market_data_reward"), []);
});

test("params: a base reward that wash trading could buy is refused", () => {
  const base = { ...DEFAULT_MARKET_PARAMS };
  // Half the fee of 100 CIF of sales (2.5%) is 1.25 CIF: a base reward of 1.25 CIF is the most allowed.
  assert.doesNotThrow(() => validateMarketParams({ ...base, dataBaseReward: 1_250_000n }));
  assert.throws(() => validateMarketParams({ ...base, dataBaseReward: 1_250_001n }), /wash trading pays/);
  assert.throws(() => validateMarketParams({ ...base, protocolFeePpm: 0 }), /wash trading pays/);
});
