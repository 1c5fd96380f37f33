import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { LastCommitVote } from "../../chain/app/context.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import {
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  Tier,
} from "../../modules/reputation/proto.ts";
import {
  DEFAULT_REPUTATION_PARAMS as P,
  ema,
  proposerWeight,
  R_INITIAL,
  tierAtEpoch,
  tierOf,
} from "../../modules/reputation/score.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

test("the EMA moves R toward 1 or 0 by alpha of the distance, never out of [0, 1]", () => {
  assert.equal(ema(500_000n, true, 10_000n), 505_000n);
  assert.equal(ema(500_000n, false, 10_000n), 495_000n);
  assert.equal(ema(1_000_000n, true, 10_000n), 1_000_000n);
  assert.equal(ema(0n, false, 10_000n), 0n);
  assert.equal(ema(99n, false, 10_000n), 99n); // truncated toward the old value
  assert.equal(ema(500_000n, true, 1_000_000n), 1_000_000n);
  assert.throws(() => ema(1_000_001n, true, 1n));
  // From R0, 51 missed blocks at 1% take a validator below 0.3; 50 do not.
  let r = R_INITIAL;
  for (let i = 0; i < 50; i++) r = ema(r, false, P.signAlpha);
  assert.equal(tierOf(r), Tier.Normal);
  assert.equal(tierOf(ema(r, false, P.signAlpha)), Tier.Unreliable);
});

test("every tier transition at an epoch boundary, and each tier's proposer weight", () => {
  assert.equal(tierOf(800_000n), Tier.Trusted);
  assert.equal(tierOf(799_999n), Tier.Normal);
  assert.equal(tierOf(300_000n), Tier.Normal);
  assert.equal(tierOf(299_999n), Tier.Unreliable);
  // New stays New until bonded; Initial keeps probation until its height, then follows R.
  assert.equal(tierAtEpoch(Tier.New, 900_000n, 100n, 0n), Tier.New);
  assert.equal(tierAtEpoch(Tier.Initial, 900_000n, 99n, 100n), Tier.Initial);
  assert.equal(tierAtEpoch(Tier.Initial, 900_000n, 100n, 100n), Tier.Trusted);
  assert.equal(tierAtEpoch(Tier.Initial, 500_000n, 100n, 100n), Tier.Normal);
  assert.equal(tierAtEpoch(Tier.Initial, 100_000n, 100n, 100n), Tier.Unreliable);
  assert.equal(tierAtEpoch(Tier.Normal, 850_000n, 200n, 0n), Tier.Trusted);
  assert.equal(tierAtEpoch(Tier.Trusted, 700_000n, 200n, 0n), Tier.Normal);
  assert.equal(tierAtEpoch(Tier.Normal, 200_000n, 200n, 0n), Tier.Unreliable);
  assert.equal(tierAtEpoch(Tier.Unreliable, 400_000n, 200n, 0n), Tier.Normal);
  assert.equal(proposerWeight(Tier.Initial, 1000n, P), 0n);
  assert.equal(proposerWeight(Tier.New, 1000n, P), 0n);
  assert.equal(proposerWeight(Tier.Normal, 1000n, P), 1000n);
  assert.equal(proposerWeight(Tier.Trusted, 1000n, P), 1500n);
});

// Through the real app: epochs of 5 blocks, a fast sign alpha so a few missed blocks matter.
let h: AppHarness;
let d: StakingDriver;
let alice: TestKey;
let bob: TestKey;

before(async () => {
  h = await AppHarness.create((g) => {
    const s = g.app_state as Record<string, unknown>;
    s.staking = { params: { unbonding_time: "100s" }, epoch_blocks: "5" };
    s.reputation = { params: { sign_alpha: "100000" } };
  });
  d = await StakingDriver.create(h);
  [alice, bob] = d.keys as [TestKey, TestKey];
});
after(() => h?.close());

async function reputation(k: TestKey) {
  return (
    await d.query("/cifer.reputation.v1.Query/Validator", QueryValidatorRequest, QueryValidatorResponse, {
      validatorAddress: valoperOf(k),
    })
  ).validator!;
}

const consAddr = (k: TestKey) => ed25519Address(d.consensusKeys.get(valoperOf(k))!.pubkey);
const tierEvents = (events: { type: string; attributes: { key: string; value: string }[] }[]) =>
  events
    .filter((e) => e.type === "reputation_tier_change")
    .map((e) =>
      Object.fromEntries(e.attributes.filter((a) => a.key !== "mode").map((a) => [a.key, a.value])),
    );

test("a new validator: New, Initial on probation (weight 0), Normal after an epoch, Unreliable and jailed when it stops signing", async () => {
  await d.tx(alice, d.createValidatorMsg(alice, 1000n * CIF));
  await d.tx(bob, d.createValidatorMsg(bob, 1000n * CIF));
  assert.equal((await reputation(alice)).tier, Tier.New);
  const events: ReturnType<typeof tierEvents> = [];
  const untilEpoch = async (votes: () => LastCommitVote[]) => {
    do {
      await h.block([], { lastCommit: votes() });
      events.push(...tierEvents(h.lastEvents));
    } while (h.height % 5n !== 0n);
  };
  const bothSign = () =>
    [alice, bob].map((k) => ({ validatorAddress: consAddr(k), power: 1000n, signed: true }));
  await untilEpoch(() => []);
  // Bonded at the epoch: Initial, handed to consensus with proposer weight 0.
  const a = await reputation(alice);
  assert.equal(a.tier, Tier.Initial);
  assert.equal(a.reputation, R_INITIAL);
  assert.equal(a.probationUntil, h.height + 5n);
  assert.deepEqual(
    h.lastValidatorUpdates.map((u) => [u.power, u.proposerWeight]),
    [
      [1000n, 0n],
      [1000n, 0n],
    ],
  );
  assert.deepEqual(events.splice(0), [
    { validator: valoperOf(alice), from: "new", to: "initial", reputation: "500000" },
    { validator: valoperOf(bob), from: "new", to: "initial", reputation: "500000" },
  ]);
  // One epoch of probation, both signing: Normal, proposing by power.
  await untilEpoch(bothSign);
  assert.equal((await reputation(alice)).tier, Tier.Normal);
  assert.deepEqual(
    h.lastValidatorUpdates.map((u) => u.proposerWeight),
    [1000n, 1000n],
  );
  assert.ok((await reputation(alice)).reputation > R_INITIAL);
  // Alice keeps signing and proposing and becomes Trusted; bob stops signing: Unreliable, jailed.
  const aliceOnly = () => [
    { validatorAddress: consAddr(alice), power: 1000n, signed: true },
    { validatorAddress: consAddr(bob), power: 1000n, signed: false },
  ];
  for (let i = 0; i < 3; i++) await untilEpoch(aliceOnly);
  assert.equal((await reputation(alice)).tier, Tier.Trusted);
  const b = await reputation(bob);
  assert.equal(b.tier, Tier.Unreliable);
  assert.ok(b.missedBlocks >= 10n);
  assert.equal((await d.validator(bob)).jailed, true);
  const bobKey = toHexUpper(d.consensusKeys.get(valoperOf(bob))!.pubkey);
  const aliceKey = toHexUpper(d.consensusKeys.get(valoperOf(alice))!.pubkey);
  assert.ok(events.some((e) => e.validator === valoperOf(bob) && e.to === "unreliable"));
  assert.ok(events.some((e) => e.validator === valoperOf(alice) && e.to === "trusted"));
  // The epoch that jailed bob took it out of the set (power 0) and gave alice the Trusted weight.
  const all = await d.query(
    "/cifer.reputation.v1.Query/Validators",
    QueryValidatorsRequest,
    QueryValidatorsResponse,
    {
      tier: Tier.Trusted,
      pagination: undefined,
    },
  );
  assert.deepEqual(
    all.validators.map((v) => v.validatorAddress),
    [valoperOf(alice)],
  );
  assert.equal((await d.validator(bob)).status, BondStatus.BOND_STATUS_UNBONDING);
  assert.ok(bobKey !== aliceKey);
});
