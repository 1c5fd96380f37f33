import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { QueryClient, setupSlashingExtension, setupStakingExtension } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import {
  QuerySigningInfoRequest,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import {
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { MsgCreateValidator, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { type BlockInfo, Context, type Misbehavior } from "../../chain/app/context.ts";
import type { AbciEvent } from "../../chain/app/events.ts";
import { GasMeter } from "../../chain/app/gas.ts";
import { moduleAddress, toAddress } from "../../chain/crypto/address.ts";
import { ed25519Address, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { fromUtf8 } from "../../chain/crypto/hash.ts";
import { STATE_PREFIX } from "../../chain/state/prefixes.ts";
import { CacheStore } from "../../chain/store/cache-store.ts";
import { TOTAL_SUPPLY_UCIF } from "../../chain/wiring/genesis.ts";
import { QueryValidatorRequest, QueryValidatorResponse, Tier } from "../../modules/reputation/proto.ts";
import { exportSlashingGenesis } from "../../modules/slashing/genesis.ts";
import { SlashingStore } from "../../modules/slashing/store.ts";
import { SLASHED_TOKENS_RECIPIENT } from "../../modules/staking/slash.ts";
import { AppHarness, HARNESS_GENESIS_SECONDS } from "../helpers/app-harness.ts";
import { anyOf } from "../helpers/msgs.ts";
import { balance, supply } from "../helpers/queries.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

// x/slashing through the real app, block by block: epochs of 5 blocks, a 10-block liveness window
// (at most 5 missed), 20 s of jail; one block per second, so a time is its height. The tests run
// in order on one chain: alice's validator is bonded, jailed for downtime, unjailed, then
// double-signs. The harness checks every module's invariants (the 10^15 ucif supply among them)
// after every block.

const EPOCH = 5n;
const JAIL_SECONDS = 20n;
let h: AppHarness;
let d: StakingDriver;
let alice: TestKey;
let bob: TestKey;
let carol: TestKey;
let cosmjs: ReturnType<typeof cosmjsClient>;

/** CosmJS's query extensions over the harness, as a client would reach them over abci_query. */
function cosmjsClient() {
  const comet = {
    abciQuery: async ({ path, data }: { path: string; data: Uint8Array }) => {
      const r = await h.query(path, data);
      return { ...r, key: new Uint8Array(), height: Number(h.height), index: 0, info: "" };
    },
  } as unknown as CometClient;
  return QueryClient.withExtensions(comet, setupSlashingExtension, setupStakingExtension);
}

before(async () => {
  h = await AppHarness.create((g) => {
    const s = g.app_state as Record<string, unknown>;
    s.staking = { params: { unbonding_time: "1000s" }, epoch_blocks: EPOCH.toString() };
    s.slashing = {
      params: {
        signed_blocks_window: "10",
        min_signed_per_window: "0.5",
        downtime_jail_duration: `${JAIL_SECONDS}s`,
      },
    };
  });
  d = await StakingDriver.create(h);
  [alice, bob, carol] = d.keys as [TestKey, TestKey, TestKey];
  cosmjs = cosmjsClient();
});
after(() => h?.close());

const consOf = (k: TestKey) => ed25519Address(d.consensusKeys.get(valoperOf(k))!.pubkey);
const valcons = (k: TestKey) => toAddress(consOf(k), "cifvalcons");
/** What consensus tells the app of the previous block: alice's precommit, present or absent. */
const aliceVote = (signed: boolean, power: bigint): Partial<BlockInfo> => ({
  lastCommit: [{ validatorAddress: consOf(alice), power, signed }],
});
const blocks = async (n: number, consensus: Partial<BlockInfo> = {}) => {
  for (let i = 0; i < n; i++) await h.block([], consensus);
};
const untilEpoch = async (consensus: Partial<BlockInfo> = {}) => {
  do await h.block([], consensus);
  while (h.height % EPOCH !== 0n);
};
const signingInfo = async (k: TestKey) => (await cosmjs.slashing.signingInfo(valcons(k))).valSigningInfo!;
const delegated = async (del: TestKey, val: TestKey) =>
  BigInt((await cosmjs.staking.delegation(del.address, valoperOf(val))).delegationResponse!.balance!.amount);
const community = () => balance((p, b) => h.query(p, b), moduleAddress(SLASHED_TOKENS_RECIPIENT));
const unjail = (k: TestKey) =>
  anyOf("/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail, { validatorAddr: valoperOf(k) });
const undelegate = (del: TestKey, val: TestKey, amount: bigint) =>
  anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
    delegatorAddress: del.address,
    validatorAddress: valoperOf(val),
    amount: { denom: "ucif", amount: amount.toString() },
  });
const delegate = (del: TestKey, val: TestKey, amount: bigint) =>
  anyOf("/cosmos.staking.v1beta1.MsgDelegate", MsgDelegate, {
    delegatorAddress: del.address,
    validatorAddress: valoperOf(val),
    amount: { denom: "ucif", amount: amount.toString() },
  });
const attrs = (e: AbciEvent | undefined) =>
  Object.fromEntries((e?.attributes ?? []).filter((a) => a.key !== "mode").map((a) => [a.key, a.value]));
const eventsOf = (type: string) => h.lastEvents.filter((e) => e.type === type);
const updateOf = (k: TestKey) => {
  const pk = Buffer.from(d.consensusKeys.get(valoperOf(k))!.pubkey);
  return h.lastValidatorUpdates.find((u) => Buffer.from(u.pubKey).equals(pk));
};
/** The committed slashing state, read as the module's store reads it. */
function committed(): Context {
  const info = { chainId: "", height: h.height, timeSeconds: 0n, timeNanos: 0 };
  return new Context(info, "query", GasMeter.infinite(), new CacheStore(h.db.view(STATE_PREFIX)));
}
const missedIndexes = (k: TestKey) => new SlashingStore().missedIndexes(committed(), consOf(k));

let bondedAt = 0n;

test("a validator gets its signing info when it is bonded at the epoch; Params and SigningInfo(s) through CosmJS", async () => {
  await d.tx(alice, d.createValidatorMsg(alice, 1000n * CIF));
  await d.tx(bob, delegate(bob, alice, 100n * CIF));
  // Not bonded yet: no signing info.
  const r = await h.query(
    "/cosmos.slashing.v1beta1.Query/SigningInfo",
    QuerySigningInfoRequest.encode({ consAddress: valcons(alice) }).finish(),
  );
  assert.notEqual(r.code, 0);
  assert.match(r.log, /NotFound/);
  await untilEpoch();
  bondedAt = h.height;
  assert.equal(updateOf(alice)?.power, 1100n);
  assert.deepEqual(await signingInfo(alice), {
    address: valcons(alice),
    startHeight: bondedAt,
    indexOffset: 0n,
    jailedUntil: { seconds: 0n, nanos: 0 },
    tombstoned: false,
    missedBlocksCounter: 0n,
  });
  const { info } = await cosmjs.slashing.signingInfos();
  assert.deepEqual(
    info.map((i) => i.address),
    [valcons(alice)],
  );
  const { params } = await cosmjs.slashing.params();
  assert.equal(params!.signedBlocksWindow, 10n);
  assert.equal(fromUtf8(params!.minSignedPerWindow), (5n * 10n ** 17n).toString());
  assert.equal(params!.downtimeJailDuration!.seconds, JAIL_SECONDS);
  assert.equal(fromUtf8(params!.slashFractionDoubleSign), (5n * 10n ** 16n).toString());
  assert.equal(fromUtf8(params!.slashFractionDowntime), (10n ** 16n).toString());
});

let slashedAt = 0n;

test("downtime: 1% of the stake that signed, jailed at once, out of the set at the next epoch", async () => {
  const start = bondedAt;
  const supplyBefore = await supply((p, b) => h.query(p, b));
  const communityBefore = await community();
  // Four signed blocks (window indexes 0-3), then alice stops signing.
  await blocks(4, aliceVote(true, 1100n));
  await blocks(6, aliceVote(false, 1100n));
  // Six of ten missed, but the first window is not over until start + 10: not yet.
  assert.equal(h.height, start + 10n);
  assert.equal(eventsOf("slash").length, 0);
  assert.deepEqual(await missedIndexes(alice), [4n, 5n, 6n, 7n, 8n, 9n]);
  assert.deepEqual(attrs(eventsOf("liveness")[0]), {
    address: valcons(alice),
    missed_blocks: "6",
    height: h.height.toString(),
  });
  // The next miss (index 0 again, which was signed) makes 7 > 5, past the first window.
  await h.block([], aliceVote(false, 1100n));
  slashedAt = h.height;
  assert.equal(slashedAt, start + 11n);
  assert.deepEqual(attrs(eventsOf("slash")[0]), {
    address: valcons(alice),
    power: "1100",
    reason: "missing_signature",
    jailed: valcons(alice),
    burned_coins: (11n * CIF).toString(),
  });
  const v = await d.validator(alice);
  assert.equal(v.jailed, true);
  assert.equal(v.status, BondStatus.BOND_STATUS_BONDED, "still in the set until the epoch");
  assert.equal(v.tokens, (1089n * CIF).toString());
  assert.equal(await delegated(bob, alice), 99n * CIF, "bob's 100 CIF lose 1%");
  assert.equal(await delegated(alice, alice), 990n * CIF);
  assert.equal(await community(), communityBefore + 11n * CIF, "slashed tokens go to the community");
  assert.equal(await supply((p, b) => h.query(p, b)), supplyBefore);
  assert.equal(supplyBefore, TOTAL_SUPPLY_UCIF);
  // A clean window, jailed until the block time + 20 s.
  const info = await signingInfo(alice);
  assert.deepEqual(
    [info.indexOffset, info.missedBlocksCounter, info.jailedUntil!.seconds],
    [0n, 0n, HARNESS_GENESIS_SECONDS + slashedAt + JAIL_SECONDS],
  );
  assert.deepEqual(await missedIndexes(alice), []);
  // Jailed: its votes are not counted any more; at the epoch it leaves the set (power 0).
  await untilEpoch(aliceVote(false, 1100n));
  assert.equal(updateOf(alice)?.power, 0n);
  assert.equal((await d.validator(alice)).status, BondStatus.BOND_STATUS_UNBONDING);
  assert.deepEqual(
    [(await signingInfo(alice)).indexOffset, (await signingInfo(alice)).missedBlocksCounter],
    [0n, 0n],
  );
});

test("MsgUnjail: refused until the jail time, accepted from it, back in the set at the next epoch with a new window", async () => {
  const jailedUntil = slashedAt + JAIL_SECONDS;
  while (h.height < jailedUntil - 2n) await h.block([]);
  await d.tx(alice, unjail(alice), ["slashing", 4]); // at jailedUntil - 1
  assert.equal((await d.validator(alice)).jailed, true);
  await d.tx(alice, unjail(alice)); // at jailedUntil exactly
  assert.equal(h.height, jailedUntil);
  assert.equal((await d.validator(alice)).jailed, false);
  await d.tx(alice, unjail(alice), ["slashing", 5]); // not jailed
  await untilEpoch();
  assert.equal(updateOf(alice)?.power, 1089n);
  const info = await signingInfo(alice);
  assert.equal(info.startHeight, h.height, "AfterValidatorBonded starts a new window");
  assert.equal(info.missedBlocksCounter, 0n);
});

test("MsgUnjail's other refusals: unknown validator, self-delegation below the minimum", async () => {
  await d.tx(bob, unjail(bob), ["staking", 3]);
  // Carol requires 500 CIF of her own; going below it jails her at once (staking's rule).
  const msg = d.createValidatorMsg(carol, 500n * CIF);
  const create = MsgCreateValidator.decode(msg.value);
  await d.tx(carol, {
    typeUrl: msg.typeUrl,
    value: MsgCreateValidator.encode({ ...create, minSelfDelegation: (500n * CIF).toString() }).finish(),
  } satisfies Any);
  await d.tx(carol, undelegate(carol, carol, 1n));
  assert.equal((await d.validator(carol)).jailed, true);
  await d.tx(carol, unjail(carol), ["slashing", 7]);
  // Back above it: never bonded, so no signing info holds it; unjailed at once.
  await d.tx(carol, delegate(carol, carol, CIF));
  await d.tx(carol, unjail(carol));
  assert.equal((await d.validator(carol)).jailed, false);
});

test("double signing: 5% of the stake at the infraction, unbondings made since included; jailed for good, tombstoned", async () => {
  // Bob unbonds 5 CIF before the infraction, alice misses two blocks, signs the infraction block.
  await d.tx(bob, undelegate(bob, alice, 5n * CIF), 0, aliceVote(false, 1089n));
  await h.block([], aliceVote(false, 1089n));
  await h.block([], aliceVote(true, 1084n));
  const infraction = h.height;
  // After it, bob unbonds 10 more: that stake was there at the infraction, the slash reaches it.
  await d.tx(bob, undelegate(bob, alice, 10n * CIF), 0, aliceVote(true, 1084n));
  const bobBefore = await delegated(bob, alice);
  const tokensBefore = BigInt((await d.validator(alice)).tokens);
  const communityBefore = await community();
  const evidence: Misbehavior = {
    type: "duplicate_vote",
    validatorAddress: consOf(alice),
    validatorPower: 1084n,
    height: infraction,
    timeSeconds: HARNESS_GENESIS_SECONDS + infraction,
    totalVotingPower: 1084n,
  };
  await h.block([], { ...aliceVote(true, 1084n), misbehavior: [evidence] });
  // 5% of 1,084 CIF = 54.2 CIF: 0.5 from the later unbonding, 53.7 from the validator's tokens.
  const [slashed, jailed] = eventsOf("slash");
  assert.deepEqual(attrs(slashed), {
    address: valcons(alice),
    power: "1084",
    reason: "double_sign",
    burned_coins: "53700000",
  });
  assert.deepEqual(attrs(jailed), { jailed: valcons(alice) });
  const { unbond } = QueryUnbondingDelegationResponse.decode(
    (
      await h.query(
        "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
        QueryUnbondingDelegationRequest.encode({
          delegatorAddr: bob.address,
          validatorAddr: valoperOf(alice),
        }).finish(),
      )
    ).value,
  );
  assert.deepEqual(
    unbond!.entries.map((e) => e.balance),
    [(5n * CIF).toString(), "9500000"],
  );
  const v = await d.validator(alice);
  const tokensAfter = BigInt(v.tokens);
  assert.equal(tokensAfter, tokensBefore - 53_700_000n);
  assert.equal(v.jailed, true);
  // Every delegator loses the same fraction of its stake.
  const bobAfter = await delegated(bob, alice);
  const expected = (bobBefore * tokensAfter) / tokensBefore;
  assert.ok(bobAfter >= expected - 1n && bobAfter <= expected + 1n, `${bobBefore} -> ${bobAfter}`);
  assert.equal(await community(), communityBefore + 54_200_000n);
  assert.equal(await supply((p, b) => h.query(p, b)), TOTAL_SUPPLY_UCIF);
  const info = await signingInfo(alice);
  assert.equal(info.tombstoned, true);
  assert.equal(info.jailedUntil!.seconds, 253_402_300_799n);
  const rep = (
    await d.query("/cifer.reputation.v1.Query/Validator", QueryValidatorRequest, QueryValidatorResponse, {
      validatorAddress: valoperOf(alice),
    })
  ).validator!;
  assert.deepEqual([rep.reputation, rep.tier], [0n, Tier.Unreliable]);
  // The same evidence again changes nothing (tombstoned).
  await h.block([], { misbehavior: [evidence] });
  assert.equal(eventsOf("slash").length, 0);
  assert.equal(BigInt((await d.validator(alice)).tokens), tokensAfter);
  // Nor does signing until the epoch: a jailed validator's R stays 0.
  await h.block([], aliceVote(true, 1084n));
  const repAfter = (
    await d.query("/cifer.reputation.v1.Query/Validator", QueryValidatorRequest, QueryValidatorResponse, {
      validatorAddress: valoperOf(alice),
    })
  ).validator!;
  assert.equal(repAfter.reputation, 0n);
  assert.equal(repAfter.signedBlocks, rep.signedBlocks, "a jailed validator's signatures are not counted");
  // Out of the set at the epoch.
  await untilEpoch();
  assert.equal(updateOf(alice)?.power, 0n);
  // Unjail is refused, even long after a downtime jail would have ended.
  await blocks(Number(JAIL_SECONDS) + 5);
  await d.tx(alice, unjail(alice), ["slashing", 4]);
});

test("evidence about an unknown key is ignored", async () => {
  const tokens = (await d.validator(alice)).tokens;
  await h.block([], {
    misbehavior: [
      {
        type: "duplicate_vote",
        validatorAddress: ed25519Address(generateEd25519().pubkey),
        validatorPower: 10n,
        height: h.height,
        timeSeconds: HARNESS_GENESIS_SECONDS + h.height,
        totalVotingPower: 10n,
      },
    ],
  });
  assert.equal(eventsOf("slash").length, 0);
  assert.equal((await d.validator(alice)).tokens, tokens);
});

test("SigningInfos pages by key; the state exports in the SDK's genesis shape and imports back", async () => {
  await untilEpoch(); // alice and carol have signing infos
  const page = async (key: Uint8Array) =>
    QuerySigningInfosResponse.decode(
      (
        await h.query(
          "/cosmos.slashing.v1beta1.Query/SigningInfos",
          QuerySigningInfosRequest.encode({
            pagination: { key, offset: 0n, limit: 1n, countTotal: false, reverse: false },
          }).finish(),
        )
      ).value,
    );
  const first = await page(new Uint8Array());
  assert.equal(first.info.length, 1);
  const second = await page(first.pagination!.nextKey);
  assert.equal(second.info.length, 1);
  assert.equal(second.pagination!.nextKey.length, 0);
  assert.deepEqual(
    [first.info[0]!.address, second.info[0]!.address].sort(),
    [valcons(alice), valcons(carol)].sort(),
  );

  const exported = await exportSlashingGenesis(committed(), new SlashingStore());
  const aliceInfo = (exported.signing_infos as { address: string }[]).find(
    (i) => i.address === valcons(alice),
  );
  assert.deepEqual(aliceInfo, {
    address: valcons(alice),
    validator_signing_info: {
      address: valcons(alice),
      start_height: (await signingInfo(alice)).startHeight.toString(),
      index_offset: "5",
      jailed_until: "9999-12-31T23:59:59Z",
      tombstoned: true,
      missed_blocks_counter: "2",
    },
  });
  assert.deepEqual(
    (exported.missed_blocks as { address: string }[]).find((m) => m.address === valcons(alice)),
    {
      address: valcons(alice),
      missed_blocks: [
        { index: "0", missed: true },
        { index: "1", missed: true },
      ],
    },
  );
  // A new chain from that genesis holds the same signing infos and bits.
  const h2 = await AppHarness.create((g) => {
    (g.app_state as Record<string, unknown>).slashing = exported;
  });
  try {
    const info = { chainId: "", height: 0n, timeSeconds: 0n, timeNanos: 0 };
    const ctx = new Context(info, "query", GasMeter.infinite(), new CacheStore(h2.db.view(STATE_PREFIX)));
    assert.deepEqual(await exportSlashingGenesis(ctx, new SlashingStore()), exported);
  } finally {
    await h2.close();
  }
});
