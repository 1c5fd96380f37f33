import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  QueryCommunityPoolRequest,
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import {
  MsgFundCommunityPool,
  MsgSetWithdrawAddress,
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { DecCoin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import type { BlockInfo, LastCommitVote } from "../../chain/app/context.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { anyOf } from "../helpers/msgs.ts";
import { balance } from "../helpers/queries.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

// F1 reward distribution through the real app, checked to the last 10^-18 ucif against a model
// written here from the F1 paper's arithmetic (18-decimal fixed point, as the SDK's LegacyDec):
// emission and fees allocated by power after the community tax, commission, reward-per-token
// periods, a 5% double-sign slash in the middle, withdrawals of rewards and of commission.

const S = 10n ** 18n;
const FEE = 2000n;
const EMISSION = 1_000_000n;
const TAX = 2n * 10n ** 16n; // 0.02
/** Alice's commission rate: every digit matters to its rounding. */
const ALICE_RATE = "0.123456789012345678";
const mulTrunc = (a: bigint, b: bigint) => (a * b) / S;
const mulRound = (a: bigint, b: bigint) => chopRound(a * b);
/** x / S with banker's rounding (LegacyDec's chopPrecisionAndRound). */
function chopRound(x: bigint): bigint {
  const q = x / S;
  const r = x % S;
  if (2n * r < S) return q;
  if (2n * r > S) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

interface DelegationModel {
  shares: bigint; // atomics
  stake: bigint; // atomics
  startCum: bigint; // reward per token at the start, atomics
  accrued: bigint; // rewards of periods closed by slashes, atomics
  startHeight: bigint;
}

/** One validator as F1 sees it: tokens, shares, the current period and the cumulative ratio. */
class ValidatorModel {
  commission = 0n;
  outstanding = 0n;
  current = 0n;
  cum = 0n;
  shares = 0n;
  tokens = 0n;
  readonly dels = new Map<string, DelegationModel>();

  constructor(
    private readonly pool: { amount: bigint },
    /** Commission rate, atomics. */
    private readonly rate: bigint,
  ) {}

  allocate(reward: bigint): void {
    const c = mulRound(reward, this.rate);
    this.commission += c;
    this.current += reward - c;
    this.outstanding += reward;
  }

  endPeriod(): void {
    this.cum += this.current / this.tokens;
    this.current = 0n;
  }

  private stakeOf(shares: bigint): bigint {
    return (shares * this.tokens * S) / this.shares;
  }

  /** What a delegation has earned up to the last ended period, with the SDK's stake check. */
  earned(d: DelegationModel, cum = this.cum): bigint {
    let stake = d.stake;
    // Staking's TokensFromShares (rounded): the stake walked through slashes may exceed it by
    // rounding, up to 3 x 10^-18, and is then capped to it.
    const current = chopRound((d.shares * this.tokens * S * S) / this.shares);
    if (stake > current && stake <= current + 3n) stake = current;
    return d.accrued + ((cum - d.startCum) * stake) / S;
  }

  pending(name: string): bigint {
    const d = this.dels.get(name)!;
    return this.earned(d, this.cum + this.current / this.tokens);
  }

  delegate(name: string, amount: bigint, height: bigint): bigint {
    let paid = 0n;
    const existing = this.dels.get(name);
    if (existing) paid = this.withdraw(name, height, false);
    else if (this.tokens > 0n) this.endPeriod();
    const issued = this.shares === 0n ? amount * S : (this.shares * amount) / this.tokens;
    this.tokens += amount;
    this.shares += issued;
    const shares = (existing?.shares ?? 0n) + issued;
    this.dels.set(name, {
      shares,
      stake: this.stakeOf(shares),
      startCum: this.cum,
      accrued: 0n,
      startHeight: height,
    });
    return paid;
  }

  /** Pays whole ucif; the change goes to the community pool; the delegation starts afresh. */
  withdraw(name: string, height: bigint, restart = true): bigint {
    this.endPeriod();
    const d = this.dels.get(name)!;
    const r = d.startHeight === height ? 0n : this.earned(d);
    this.outstanding -= r;
    this.pool.amount += r % S;
    if (restart)
      this.dels.set(name, {
        ...d,
        stake: this.stakeOf(d.shares),
        startCum: this.cum,
        accrued: 0n,
        startHeight: height,
      });
    return r / S;
  }

  withdrawCommission(): bigint {
    const coins = this.commission / S;
    this.commission -= coins * S;
    this.outstanding -= coins * S;
    return coins;
  }

  /** A slash of `taken` tokens: the period ends, every stake shrinks by the effective fraction. */
  slash(taken: bigint): void {
    const fraction = (taken * S + this.tokens - 1n) / this.tokens; // rounded up, as staking reports it
    this.endPeriod();
    for (const d of this.dels.values()) {
      d.accrued += ((this.cum - d.startCum) * d.stake) / S;
      d.startCum = this.cum;
      d.stake = mulTrunc(d.stake, S - fraction);
    }
    this.tokens -= taken;
  }
}

let h: AppHarness;
let d: StakingDriver;
let alice: TestKey;
let bob: TestKey;
let carol: TestKey;
const pool = { amount: 0n };
let A: ValidatorModel;
let C: ValidatorModel;
let votes: LastCommitVote[] = [];
/** Fees paid in the last block: distribution allocates them in the next one. */
let lastFees = 0n;

/** The BeginBlock allocation of the model, for the block about to run. */
function allocate(): void {
  const collected = (lastFees + (votes.length > 0 ? EMISSION : 0n)) * S;
  if (h.height + 1n <= 1n || collected === 0n) return;
  if (votes.length === 0) {
    pool.amount += collected;
    return;
  }
  const total = votes.reduce((s, v) => s + v.power, 0n);
  const forValidators = mulTrunc(collected, S - TAX);
  let remaining = collected;
  for (const [i, v] of votes.entries()) {
    const reward = mulTrunc(forValidators, (v.power * S) / total);
    (i === 0 ? A : C).allocate(reward);
    remaining -= reward;
  }
  pool.amount += remaining;
}

async function block(consensus: Partial<BlockInfo> = {}): Promise<void> {
  allocate();
  await h.block([], { lastCommit: votes, ...consensus });
  lastFees = 0n;
}

async function tx(k: TestKey, msg: ReturnType<typeof anyOf>, consensus: Partial<BlockInfo> = {}) {
  allocate();
  const r = await d.tx(k, msg, 0, { lastCommit: votes, ...consensus });
  lastFees = FEE;
  return r;
}

const atomics = (coins: DecCoin[], denom = "ucif") =>
  BigInt(coins.find((c) => c.denom === denom)?.amount ?? "0");

async function q<Req, Res>(
  method: string,
  req: { encode(m: Req): { finish(): Uint8Array } },
  res: { decode(b: Uint8Array): Res },
  m: Req,
): Promise<Res> {
  return d.query(`/cosmos.distribution.v1beta1.Query/${method}`, req, res, m);
}

const pendingOf = async (k: TestKey, val: TestKey) =>
  atomics(
    (
      await q("DelegationRewards", QueryDelegationRewardsRequest, QueryDelegationRewardsResponse, {
        delegatorAddress: k.address,
        validatorAddress: valoperOf(val),
      })
    ).rewards,
  );

const withdrawMsg = (k: TestKey, val: TestKey) =>
  anyOf("/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", MsgWithdrawDelegatorReward, {
    delegatorAddress: k.address,
    validatorAddress: valoperOf(val),
  });

const bal = (address: string) => balance((p, b) => h.query(p, b), address);

before(async () => {
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, Record<string, unknown>>;
    appState.staking = { params: { unbonding_time: "10s", bond_denom: "ucif" }, epoch_blocks: "5" };
    appState.distribution!.emission = {
      source: "staking_rewards",
      initial_per_block: EMISSION.toString(),
      decay_rate: "0",
      decay_period_blocks: "1000000",
    };
  });
  d = await StakingDriver.create(h);
  [alice, bob, carol] = d.keys as [TestKey, TestKey, TestKey];
  A = new ValidatorModel(pool, 123_456_789_012_345_678n);
  C = new ValidatorModel(pool, 10n ** 17n);
});
after(() => h?.close());

test("rewards, commission and the community pool match the F1 arithmetic to the last 10^-18 ucif", async () => {
  // Two validators with uneven stakes, bonded at the epoch; then both decide every block.
  await tx(alice, d.createValidatorMsg(alice, 100_000_003n, undefined, ALICE_RATE));
  A.delegate("alice", 100_000_003n, h.height);
  await tx(carol, d.createValidatorMsg(carol, 200n * CIF + 7n));
  C.delegate("carol", 200n * CIF + 7n, h.height);
  while (h.height % 5n !== 0n) await block();
  const consOf = (k: TestKey) => ed25519Address(d.consensusKeys.get(valoperOf(k))!.pubkey);
  votes = [
    { validatorAddress: consOf(alice), power: 100n, signed: true },
    { validatorAddress: consOf(carol), power: 203n, signed: true },
  ];
  for (let i = 0; i < 3; i++) await block();

  // Bob delegates an odd amount to alice's validator: the period ends, his stake starts.
  await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgDelegate", MsgDelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoperOf(alice),
      amount: { denom: "ucif", amount: "50123457" },
    }),
  );
  A.delegate("bob", 50_123_457n, h.height);
  for (let i = 0; i < 4; i++) await block();

  // What the queries say a withdrawal would pay, to the last decimal.
  assert.equal(await pendingOf(bob, alice), A.pending("bob"));
  assert.equal(await pendingOf(alice, alice), A.pending("alice"));
  const total = await q(
    "DelegationTotalRewards",
    QueryDelegationTotalRewardsRequest,
    QueryDelegationTotalRewardsResponse,
    { delegatorAddress: carol.address },
  );
  assert.equal(atomics(total.total), C.pending("carol"));
  assert.ok(A.pending("bob") > 0n);

  // Bob withdraws: whole ucif to him, the change to the community pool.
  let before = await bal(bob.address);
  await tx(bob, withdrawMsg(bob, alice));
  let paid = A.withdraw("bob", h.height);
  assert.equal(await bal(bob.address), before - FEE + paid);
  assert.ok(paid > 0n);

  // Alice withdraws her commission (the change stays for later) and her own rewards.
  before = await bal(alice.address);
  await tx(
    alice,
    anyOf("/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission", MsgWithdrawValidatorCommission, {
      validatorAddress: valoperOf(alice),
    }),
  );
  const commission = A.withdrawCommission();
  assert.equal(await bal(alice.address), before - FEE + commission);
  const left = await q(
    "ValidatorCommission",
    QueryValidatorCommissionRequest,
    QueryValidatorCommissionResponse,
    { validatorAddress: valoperOf(alice) },
  );
  assert.equal(atomics(left.commission!.commission), A.commission);
  assert.ok(A.commission < S, "only the change of a ucif is left");

  // Double signing: 5% of the power at the infraction leaves alice's validator in BeginBlock,
  // after this block's allocation; the stakes of alice and bob shrink by the effective fraction.
  await block({
    misbehavior: [
      {
        type: "duplicate_vote",
        validatorAddress: consOf(alice),
        validatorPower: 150n,
        height: h.height,
        timeSeconds: 0n,
        totalVotingPower: 303n,
      },
    ],
  });
  A.slash(7_500_000n);
  for (let i = 0; i < 3; i++) await block();

  assert.equal(await pendingOf(bob, alice), A.pending("bob"));
  before = await bal(bob.address);
  await tx(bob, withdrawMsg(bob, alice));
  paid = A.withdraw("bob", h.height);
  assert.equal(await bal(bob.address), before - FEE + paid);

  // Rewards are paid to a withdraw address once one is set.
  const other = d.keys[2]!;
  await tx(
    alice,
    anyOf("/cosmos.distribution.v1beta1.MsgSetWithdrawAddress", MsgSetWithdrawAddress, {
      delegatorAddress: alice.address,
      withdrawAddress: other.address,
    }),
  );
  const otherBefore = await bal(other.address);
  await tx(alice, withdrawMsg(alice, alice));
  assert.equal(await bal(other.address), otherBefore + A.withdraw("alice", h.height));

  // Everything outstanding and the community pool agree with the model.
  const outstanding = await q(
    "ValidatorOutstandingRewards",
    QueryValidatorOutstandingRewardsRequest,
    QueryValidatorOutstandingRewardsResponse,
    { validatorAddress: valoperOf(alice) },
  );
  assert.equal(atomics(outstanding.rewards!.rewards), A.outstanding);
  const communityPool = await q("CommunityPool", QueryCommunityPoolRequest, QueryCommunityPoolResponse, {});
  assert.equal(atomics(communityPool.pool), pool.amount);

  // Funding the community pool moves whole coins into it.
  await tx(
    bob,
    anyOf("/cosmos.distribution.v1beta1.MsgFundCommunityPool", MsgFundCommunityPool, {
      depositor: bob.address,
      amount: [{ denom: "ucif", amount: "12345" }],
    }),
  );
  pool.amount += 12_345n * S;
  const after = await q("CommunityPool", QueryCommunityPoolRequest, QueryCommunityPoolResponse, {});
  assert.equal(atomics(after.pool), pool.amount);
  // The allocation never minted: the staking-rewards account paid exactly one emission per block.
  assert.ok((await bal(moduleAddress("staking_rewards"))) < 150_000_000n * CIF);
});
