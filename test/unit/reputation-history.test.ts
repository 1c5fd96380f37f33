/**
 * The reputation history through the real app: a sample of every record every history_interval
 * blocks, with the values the Validator query gave at that height, a ring of history_length per
 * validator in the store, the History query's paging and refusals, the params' validation, and the
 * history dropped with its record.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { LastCommitVote } from "../../chain/app/context.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { concatBytes, utf8 } from "../../chain/crypto/hash.ts";
import { STATE_PREFIX } from "../../chain/state/prefixes.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { createApp } from "../../chain/wiring/app.ts";
import {
  type PageRequestMsg,
  QueryHistoryRequest,
  QueryHistoryResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  type ReputationSample,
  Tier,
} from "../../modules/reputation/proto.ts";
import { DEFAULT_REPUTATION_PARAMS, validateReputationParams } from "../../modules/reputation/score.ts";
import { valBytes } from "../../modules/staking/store.ts";
import { exampleGenesis } from "../../testnet/example-genesis.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { anyOf } from "../helpers/msgs.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

const INTERVAL = 3n;
const LENGTH = 4n;
const EPOCH = 5n;

let h: AppHarness;
let d: StakingDriver;
let alice: TestKey;
let bob: TestKey;
let carol: TestKey;

before(async () => {
  h = await AppHarness.create((g) => {
    const s = g.app_state as Record<string, unknown>;
    s.staking = { params: { unbonding_time: "100s" }, epoch_blocks: EPOCH.toString() };
    s.reputation = {
      params: {
        sign_alpha: "100000",
        history_interval: INTERVAL.toString(),
        history_length: LENGTH.toString(),
      },
    };
  });
  d = await StakingDriver.create(h);
  [alice, bob, carol] = d.keys as [TestKey, TestKey, TestKey];
});
after(() => h?.close());

const page = (p: Partial<PageRequestMsg> = {}): PageRequestMsg => ({
  key: new Uint8Array(),
  offset: 0n,
  limit: 0n,
  countTotal: false,
  reverse: false,
  ...p,
});

async function history(valoper: string, pagination?: PageRequestMsg) {
  return d.query("/cifer.reputation.v1.Query/History", QueryHistoryRequest, QueryHistoryResponse, {
    validatorAddress: valoper,
    pagination,
  });
}

async function records() {
  return (
    await d.query("/cifer.reputation.v1.Query/Validators", QueryValidatorsRequest, QueryValidatorsResponse, {
      tier: Tier.Unspecified,
      pagination: page({ limit: 1000n }),
    })
  ).validators;
}

/** What the Validator query said at each committed height, by operator address. */
const seen = new Map<string, Map<bigint, { reputation: bigint; tier: Tier }>>();
/** Every sample the History query ever returned, by operator address (to show the values did move). */
const everySample = new Map<string, ReputationSample[]>();

/** The heights a validator must have samples of now: multiples of INTERVAL it had a record at, the last LENGTH. */
function expectedHeights(valoper: string): bigint[] {
  const heights = [...seen.get(valoper)!.keys()]
    .filter((x) => x >= 1n && x < h.height && x % INTERVAL === 0n)
    .sort((a, b) => (a < b ? -1 : 1));
  return heights.slice(-Number(LENGTH));
}

/** After each block: remember the records, and check each history against what was seen. */
async function observeAndCheck(): Promise<void> {
  for (const r of await records()) {
    if (!seen.has(r.validatorAddress)) seen.set(r.validatorAddress, new Map());
    seen.get(r.validatorAddress)!.set(h.height, { reputation: r.reputation, tier: r.tier });
  }
  for (const [valoper, byHeight] of seen) {
    const { samples } = await history(valoper, page({ limit: 1000n }));
    everySample.set(valoper, [...(everySample.get(valoper) ?? []), ...samples]);
    assert.deepEqual(
      samples.map((s) => s.height),
      expectedHeights(valoper),
      `${valoper} at height ${h.height}`,
    );
    for (const s of samples)
      assert.deepEqual(
        { reputation: s.reputation, tier: s.tier },
        byHeight.get(s.height),
        `${valoper}'s sample of ${s.height}`,
      );
  }
}

const consAddr = (k: TestKey) => ed25519Address(d.consensusKeys.get(valoperOf(k))!.pubkey);
/** Alice signs two blocks of three, so her R keeps moving. */
const aliceVotes = (height: bigint): LastCommitVote[] => [
  { validatorAddress: consAddr(alice), power: 1000n, signed: height % 3n !== 0n },
];

/** Keys under the reputation store's history prefix (of one validator, or all), counted in the committed db. */
async function storedSampleKeys(val?: Uint8Array): Promise<number> {
  const base = concatBytes(
    utf8("reputation/h/"),
    val ? concatBytes(Uint8Array.of(val.length), val) : new Uint8Array(),
  );
  let n = 0;
  for await (const _ of iteratePrefix(h.db.view(STATE_PREFIX), base)) n++;
  return n;
}

test("a sample every history_interval blocks, equal to the Validator query at that height, a ring of history_length", async () => {
  await observeAndCheck(); // genesis: the harness's static validator has no record
  assert.equal(seen.size, 0);
  await d.tx(alice, d.createValidatorMsg(alice, 1000n * CIF));
  await observeAndCheck();
  await d.tx(carol, d.createValidatorMsg(carol, 500n * CIF));
  await observeAndCheck();
  while (h.height < 40n) {
    await h.block([], { lastCommit: h.height >= EPOCH ? aliceVotes(h.height + 1n) : [] });
    await observeAndCheck();
  }
  const a = valoperOf(alice);
  const mine = (await history(a)).samples;
  assert.deepEqual(
    mine.map((s) => s.height),
    [30n, 33n, 36n, 39n],
  );
  // The history did follow a moving record: several values of R and the tiers New, Initial, Normal.
  const aliceSamples = everySample.get(a)!;
  assert.ok(new Set(aliceSamples.map((s) => s.reputation)).size > 3);
  for (const t of [Tier.New, Tier.Initial, Tier.Normal])
    assert.ok(
      aliceSamples.some((s) => s.tier === t),
      `a sample of tier ${t}`,
    );
  // In the store: exactly LENGTH sample keys per validator with a record, the older ones deleted.
  assert.deepEqual([...seen.keys()].sort(), [a, valoperOf(carol)].sort());
  for (const valoper of seen.keys()) assert.equal(await storedSampleKeys(valBytes(valoper)), Number(LENGTH));
  assert.equal(await storedSampleKeys(), 2 * Number(LENGTH));
});

test("the History query: paging by height, reverse, totals, and its refusals", async () => {
  const a = valoperOf(alice);
  const first = await history(a, page({ limit: 3n }));
  assert.deepEqual(
    first.samples.map((s) => s.height),
    [30n, 33n, 36n],
  );
  // The next key is the next sample's height, 8 bytes big-endian.
  assert.deepEqual([...first.pagination.nextKey], [0, 0, 0, 0, 0, 0, 0, 39]);
  const rest = await history(a, page({ key: first.pagination.nextKey }));
  assert.deepEqual(
    rest.samples.map((s) => s.height),
    [39n],
  );
  assert.equal(rest.pagination.nextKey.length, 0);
  const newest = await history(a, page({ limit: 2n, reverse: true, countTotal: true }));
  assert.deepEqual(
    newest.samples.map((s) => s.height),
    [39n, 36n],
  );
  assert.equal(newest.pagination.total, LENGTH);
  const skipped = await history(a, page({ offset: 3n }));
  assert.deepEqual(
    skipped.samples.map((s) => s.height),
    [39n],
  );

  const refused = async (validatorAddress: string, pagination?: PageRequestMsg) =>
    h.query(
      "/cifer.reputation.v1.Query/History",
      QueryHistoryRequest.encode({ validatorAddress, pagination }).finish(),
    );
  for (const [bad, why] of [
    ["", /InvalidArgument desc = empty validator address/],
    [alice.address, /InvalidArgument desc = invalid validator address/],
    ["cifvaloper1xyz", /InvalidArgument desc = invalid validator address/],
  ] as const) {
    const r = await refused(bad);
    assert.notEqual(r.code, 0, bad);
    assert.match(r.log, why, bad);
  }
  // bob operates no validator (yet): NotFound.
  const unknown = await refused(valoperOf(bob));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.log, /NotFound desc = no reputation for validator cifvaloper1/);
  const both = await refused(a, page({ key: Uint8Array.of(1), offset: 1n }));
  assert.match(both.log, /InvalidArgument desc = either offset or key/);
});

test("a validator's history goes with its record", async () => {
  // Bob is created right after an epoch and keeps his record (tier New) until he undelegates
  // everything before the next one: his validator, unbonded with no shares, is removed at once.
  while (h.height % EPOCH !== 0n) await h.block([]);
  const b = valoperOf(bob);
  await d.tx(bob, d.createValidatorMsg(bob, 10n * CIF));
  while ((await history(b)).samples.length === 0) await h.block([]);
  assert.ok(h.height % EPOCH !== 0n, "bob has a sample before any epoch bonds him");
  assert.equal(await storedSampleKeys(valBytes(b)), 1);
  await d.tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
      delegatorAddress: bob.address,
      validatorAddress: b,
      amount: { denom: "ucif", amount: (10n * CIF).toString() },
    }),
  );
  assert.equal(
    (await records()).some((r) => r.validatorAddress === b),
    false,
  );
  assert.equal(await storedSampleKeys(valBytes(b)), 0);
  const r = await h.query(
    "/cifer.reputation.v1.Query/History",
    QueryHistoryRequest.encode({ validatorAddress: b, pagination: undefined }).finish(),
  );
  assert.match(r.log, /NotFound/);
  // The others' rings are untouched (the harness also checked the history invariants every block).
  assert.equal(await storedSampleKeys(valBytes(valoperOf(alice))), Number(LENGTH));
});

test("history params: defaults, genesis validation, the Params query and export", async () => {
  assert.equal(DEFAULT_REPUTATION_PARAMS.historyInterval, 10n);
  assert.equal(DEFAULT_REPUTATION_PARAMS.historyLength, 100n);
  const p = (over: object) => ({ ...DEFAULT_REPUTATION_PARAMS, ...over });
  assert.throws(
    () => validateReputationParams(p({ historyInterval: 0n })),
    /history_interval must be at least 1/,
  );
  assert.throws(
    () => validateReputationParams(p({ historyLength: 0n })),
    /history_length must be within \[1, 1000\]/,
  );
  assert.throws(() => validateReputationParams(p({ historyLength: 1001n })), /history_length/);
  validateReputationParams(p({ historyInterval: 1n, historyLength: 1000n }));

  const good = (await exampleGenesis()) as { app_state: Record<string, unknown> };
  const app = createApp({
    chainId: "cifer-local-1",
    committed: { get: async () => undefined, async *iterate() {} },
    minGasPrices: () => [],
  });
  const withParams = (params: Record<string, unknown>) => ({ ...good.app_state, reputation: { params } });
  for (const [params, why] of [
    [
      { history_interval: "0" },
      /app_state\.reputation: reputation\.params: history_interval must be at least 1/,
    ],
    [{ history_length: "0" }, /history_length must be within/],
    [{ history_length: "1001" }, /history_length must be within/],
    [{ history_interval: "-1" }, /reputation\.params\.history_interval/],
    [{ history_length: "ten" }, /reputation\.params\.history_length/],
  ] as const)
    assert.throws(() => app.validateGenesis(withParams(params)), why, JSON.stringify(params));
  app.validateGenesis(withParams({ history_interval: "1", history_length: "1000" }));

  const q = await d.query("/cifer.reputation.v1.Query/Params", QueryParamsRequest, QueryParamsResponse, {});
  assert.equal(q.params.historyInterval, INTERVAL);
  assert.equal(q.params.historyLength, LENGTH);
  // Export (of a state without staking validators: staking exports no bonded state yet) carries them.
  const fresh = await AppHarness.create((g) => {
    (g.app_state as Record<string, unknown>).reputation = {
      params: { history_interval: "7", history_length: "9" },
    };
  });
  try {
    const exported = (await fresh.app.exportGenesis({
      chainId: "cifer-test-1",
      height: 0n,
      timeSeconds: 0n,
      timeNanos: 0,
      lastBlockHash: new Uint8Array(),
    })) as { reputation: { params: Record<string, string> } };
    assert.equal(exported.reputation.params.history_interval, "7");
    assert.equal(exported.reputation.params.history_length, "9");
    app.validateGenesis({ ...good.app_state, reputation: exported.reputation });
  } finally {
    await fresh.close();
  }
});
