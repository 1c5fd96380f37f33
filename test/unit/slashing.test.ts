import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { QueryDelegationRequest, QueryDelegationResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import {
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { Misbehavior } from "../../chain/app/context.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { Dec } from "../../chain/types/dec.ts";
import { QueryValidatorRequest, QueryValidatorResponse, Tier } from "../../modules/reputation/proto.ts";
import { DEFAULT_SLASHING_PARAMS, maxMissedBlocks, minSignedBlocks } from "../../modules/slashing/params.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { anyOf } from "../helpers/msgs.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

test("the liveness window: how many blocks must be signed and how many may be missed", () => {
  assert.equal(minSignedBlocks(DEFAULT_SLASHING_PARAMS), 50n);
  assert.equal(maxMissedBlocks(DEFAULT_SLASHING_PARAMS), 50n);
  const p = { ...DEFAULT_SLASHING_PARAMS, signedBlocksWindow: 7n, minSignedPerWindow: Dec.parse("0.5") };
  // 3.5 rounds (banker's) to 4: 4 must be signed, 3 may be missed.
  assert.equal(minSignedBlocks(p), 4n);
  assert.equal(maxMissedBlocks(p), 3n);
});

// Through the real app: epochs of 5 blocks, a 10-block window, 20 s of jail (1 s per block here).
let h: AppHarness;
let d: StakingDriver;
let alice: TestKey;
let bob: TestKey;

before(async () => {
  h = await AppHarness.create((g) => {
    const s = g.app_state as Record<string, unknown>;
    s.staking = { params: { unbonding_time: "1000s" }, epoch_blocks: "5" };
    s.slashing = {
      params: { signed_blocks_window: "10", min_signed_per_window: "0.5", downtime_jail_duration: "20s" },
    };
  });
  d = await StakingDriver.create(h);
  [alice, bob] = d.keys as [TestKey, TestKey];
});
after(() => h?.close());

const cons = () => ed25519Address(d.consensusKeys.get(valoperOf(alice))!.pubkey);
const vote = (signed: boolean, power = 1100n) => ({
  lastCommit: [{ validatorAddress: cons(), power, signed }],
});
async function signingInfo() {
  return (
    await d.query(
      "/cosmos.slashing.v1beta1.Query/SigningInfo",
      QuerySigningInfoRequest,
      QuerySigningInfoResponse,
      {
        consAddress: toAddress(cons(), "cifvalcons"),
      },
    )
  ).valSigningInfo!;
}
async function bobDelegation(): Promise<bigint> {
  const r = await d.query(
    "/cosmos.staking.v1beta1.Query/Delegation",
    QueryDelegationRequest,
    QueryDelegationResponse,
    {
      delegatorAddr: bob.address,
      validatorAddr: valoperOf(alice),
    },
  );
  return BigInt(r.delegationResponse!.balance!.amount);
}
const unjail = () =>
  anyOf("/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail, { validatorAddr: valoperOf(alice) });

test("downtime: slashed 1%, jailed, out of the set at the next epoch, unjail only after the jail time", async () => {
  await d.tx(alice, d.createValidatorMsg(alice, 1000n * CIF));
  await d.tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgDelegate", MsgDelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoperOf(alice),
      amount: { denom: "ucif", amount: (100n * CIF).toString() },
    }),
  );
  while (h.height % 5n !== 0n) await h.block([]);
  const start = (await signingInfo()).startHeight;
  assert.equal(start, h.height);
  // Signing keeps it clean; then it stops: more than 5 of 10 missed once past the first window.
  for (let i = 0; i < 4; i++) await h.block([], vote(true));
  let slashedAt = 0n;
  for (let i = 0; i < 20 && slashedAt === 0n; i++) {
    await h.block([], vote(false));
    if (h.lastEvents.some((e) => e.type === "slash")) slashedAt = h.height;
  }
  assert.ok(slashedAt > start + 10n, `slashed at ${slashedAt}`);
  const ev = h.lastEvents.find((e) => e.type === "slash")!;
  assert.equal(ev.attributes.find((a) => a.key === "reason")?.value, "missing_signature");
  const v = await d.validator(alice);
  assert.equal(v.jailed, true);
  assert.equal(v.tokens, (1100n * CIF - 11n * CIF).toString()); // 1% of the 1,100 CIF that signed
  assert.equal(await bobDelegation(), 99n * CIF); // delegators' stake shrinks with it
  const info = await signingInfo();
  assert.equal(info.missedBlocksCounter, 0n);
  assert.equal(info.jailedUntil!.seconds, 1_767_225_600n + slashedAt + 20n);
  // Jailed: skipped by liveness, out of consensus at the next epoch.
  while (h.height % 5n !== 0n) await h.block([], vote(false));
  assert.deepEqual(
    h.lastValidatorUpdates.map((u) => u.power),
    [0n],
  );
  await d.tx(alice, unjail(), ["slashing", 4]);
  while (h.height < slashedAt + 20n) await h.block([]);
  await d.tx(alice, unjail());
  assert.equal((await d.validator(alice)).jailed, false);
  // Back in the set at the next epoch, on probation again.
  while (h.height % 5n !== 0n) await h.block([]);
  assert.deepEqual(
    h.lastValidatorUpdates.map((u) => [u.power, u.proposerWeight]),
    [[1089n, 0n]],
  );
});

test("double signing: 5% slashed (unbondings made since included), tombstoned, R = 0, never unjailed", async () => {
  const infraction = h.height;
  await h.block([], vote(true, 1089n));
  // Bob starts unbonding 10 CIF after the infraction: the slash reaches it.
  await d.tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoperOf(alice),
      amount: { denom: "ucif", amount: (10n * CIF).toString() },
    }),
  );
  const tokensBefore = BigInt((await d.validator(alice)).tokens);
  const evidence: Misbehavior = {
    type: "duplicate_vote",
    validatorAddress: cons(),
    validatorPower: 1089n,
    height: infraction,
    timeSeconds: 1_767_225_600n + infraction,
    totalVotingPower: 1089n,
  };
  await h.block([], { misbehavior: [evidence] });
  const ev = h.lastEvents.find((e) => e.type === "slash");
  assert.equal(ev?.attributes.find((a) => a.key === "reason")?.value, "double_sign");
  // 5% of the 1,089 CIF at the infraction: 54.45 CIF, 0.5 of it from bob's unbonding (5% of 10).
  const ubd = await d.query(
    "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
    QueryUnbondingDelegationRequest,
    QueryUnbondingDelegationResponse,
    { delegatorAddr: bob.address, validatorAddr: valoperOf(alice) },
  );
  assert.equal(ubd.unbond!.entries[0]!.balance, 9_500_000n.toString());
  const v = await d.validator(alice);
  assert.equal(BigInt(v.tokens), tokensBefore - (54_450_000n - 500_000n));
  assert.equal(v.jailed, true);
  const info = await signingInfo();
  assert.equal(info.tombstoned, true);
  const rep = (
    await d.query("/cifer.reputation.v1.Query/Validator", QueryValidatorRequest, QueryValidatorResponse, {
      validatorAddress: valoperOf(alice),
    })
  ).validator!;
  assert.equal(rep.reputation, 0n);
  assert.equal(rep.tier, Tier.Unreliable);
  // The same evidence again does nothing (tombstoned); unjail is refused for good.
  await h.block([], { misbehavior: [evidence] });
  assert.equal(BigInt((await d.validator(alice)).tokens), BigInt(v.tokens));
  await d.tx(alice, unjail(), ["slashing", 4]);
});
