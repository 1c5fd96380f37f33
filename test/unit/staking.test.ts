import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryPoolRequest,
  QueryPoolResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  MsgBeginRedelegate,
  MsgDelegate,
  MsgEditValidator,
  MsgUndelegate,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { Dec } from "../../chain/types/dec.ts";
import { AppHarness } from "../helpers/app-harness.ts";
import { anyOf } from "../helpers/msgs.ts";
import { balance, supply } from "../helpers/queries.ts";
import type { TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

// x/staking through the real app: messages, queries, epochs, unbonding and the pool invariants.

let h: AppHarness;
let d: StakingDriver;
let keys: TestKey[];
const valoper = valoperOf;
const tx = (k: TestKey, msg: Any, expect: 0 | [string, number] = 0) => d.tx(k, msg, expect);
const q = <Req, Res>(
  path: string,
  req: { encode(m: Req): { finish(): Uint8Array } },
  res: { decode(b: Uint8Array): Res },
  m: Req,
) => d.query(`/cosmos.staking.v1beta1.Query/${path}`, req, res, m);
const validator = (k: TestKey) => d.validator(k);
const createValidatorMsg = (k: TestKey, selfDelegation: bigint) => d.createValidatorMsg(k, selfDelegation);

/** Pools hold exactly the stake: bonded = bonded validators' tokens, not bonded = the rest plus unbondings. */
async function checkPools(): Promise<void> {
  const { validators } = await q("Validators", QueryValidatorsRequest, QueryValidatorsResponse, {
    status: "",
    pagination: undefined,
  });
  let bonded = 0n;
  let notBonded = 0n;
  for (const v of validators) {
    if (v.status === BondStatus.BOND_STATUS_BONDED) bonded += BigInt(v.tokens);
    else notBonded += BigInt(v.tokens);
  }
  for (const k of keys)
    for (const v of validators) {
      const r = await h.query(
        "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
        QueryUnbondingDelegationRequest.encode({
          delegatorAddr: k.address,
          validatorAddr: v.operatorAddress,
        }).finish(),
      );
      if (r.code === 0)
        for (const e of QueryUnbondingDelegationResponse.decode(r.value).unbond!.entries)
          notBonded += BigInt(e.balance);
    }
  const { pool } = await q("Pool", QueryPoolRequest, QueryPoolResponse, {});
  assert.equal(BigInt(pool!.bondedTokens), bonded, "bonded pool");
  assert.equal(BigInt(pool!.notBondedTokens), notBonded, "not-bonded pool");
  assert.equal(await supply((p, d) => h.query(p, d)), 1_000_000_000n * CIF, "supply");
}

before(async () => {
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, unknown>;
    appState.staking = { params: { unbonding_time: "10s", bond_denom: "ucif" }, epoch_blocks: "5" };
  });
  d = await StakingDriver.create(h);
  keys = d.keys;
});
after(() => h?.close());

test("a created validator is unbonded until the next epoch, then bonded and handed to consensus", async () => {
  const [alice] = keys as [TestKey];
  const r = await tx(alice, createValidatorMsg(alice, 1000n * CIF));
  assert.ok(r.events.some((e) => e.type === "create_validator"));
  let v = await validator(alice);
  assert.equal(v.status, BondStatus.BOND_STATUS_UNBONDED);
  assert.equal(v.tokens, (1000n * CIF).toString());
  assert.equal(Dec.fromProto(v.delegatorShares).toString(), "1000000000.000000000000000000");
  await checkPools();
  while (h.height % 5n !== 4n) await h.block([]);
  assert.equal(h.lastValidatorUpdates.length, 0);
  await h.block([]); // the epoch boundary
  const updates = [...h.lastValidatorUpdates];
  assert.equal(updates.length, 1);
  assert.equal(updates[0]!.power, 1000n);
  assert.equal(toHexUpper(updates[0]!.pubKey), toHexUpper(PubKey.decode(v.consensusPubkey!.value).key));
  v = await validator(alice);
  assert.equal(v.status, BondStatus.BOND_STATUS_BONDED);
  await checkPools();
  // The same key again is refused, as is a second validator for the same operator.
  await tx(alice, createValidatorMsg(alice, 1n * CIF), ["staking", 4]);
});

test("delegate, undelegate with an unbonding period, redelegate, and their refusals", async () => {
  const [alice, bob, carol] = keys as [TestKey, TestKey, TestKey];
  const before = await balance((p, d) => h.query(p, d), bob.address);
  await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgDelegate", MsgDelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoper(alice),
      amount: { denom: "ucif", amount: (500n * CIF).toString() },
    }),
  );
  const del = await q("Delegation", QueryDelegationRequest, QueryDelegationResponse, {
    delegatorAddr: bob.address,
    validatorAddr: valoper(alice),
  });
  assert.equal(del.delegationResponse!.balance!.amount, (500n * CIF).toString());
  assert.equal(await balance((p, d) => h.query(p, d), bob.address), before - 500n * CIF - 2000n);
  await checkPools();

  // Undelegate 200: the tokens wait 10 s (10 blocks here) in the not-bonded pool.
  const undel = await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoper(alice),
      amount: { denom: "ucif", amount: (200n * CIF).toString() },
    }),
  );
  assert.ok(undel.events.some((e) => e.type === "unbond"));
  const afterUndelegate = await balance((p, d) => h.query(p, d), bob.address);
  await checkPools();
  // More than the delegation is refused.
  await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
      delegatorAddress: bob.address,
      validatorAddress: valoper(alice),
      amount: { denom: "ucif", amount: (301n * CIF).toString() },
    }),
    ["sdk", 18],
  );
  for (let i = 0; i < 8; i++) await h.block([]);
  assert.equal(await balance((p, d) => h.query(p, d), bob.address), afterUndelegate - 2000n);
  for (let i = 0; i < 3; i++) await h.block([]);
  assert.equal(await balance((p, d) => h.query(p, d), bob.address), afterUndelegate - 2000n + 200n * CIF);
  await checkPools();

  // Redelegation to carol's validator; a redelegation out of it before maturity is transitive.
  await tx(carol, createValidatorMsg(carol, 100n * CIF));
  await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgBeginRedelegate", MsgBeginRedelegate, {
      delegatorAddress: bob.address,
      validatorSrcAddress: valoper(alice),
      validatorDstAddress: valoper(carol),
      amount: { denom: "ucif", amount: (100n * CIF).toString() },
    }),
  );
  await checkPools();
  await tx(
    bob,
    anyOf("/cosmos.staking.v1beta1.MsgBeginRedelegate", MsgBeginRedelegate, {
      delegatorAddress: bob.address,
      validatorSrcAddress: valoper(carol),
      validatorDstAddress: valoper(alice),
      amount: { denom: "ucif", amount: (50n * CIF).toString() },
    }),
    ["staking", 32],
  );
  assert.equal(BigInt((await validator(carol)).tokens), 200n * CIF);
  assert.equal(BigInt((await validator(alice)).tokens), 1200n * CIF);
  // Past the next epoch carol's validator is bonded too and both are in the consensus set.
  while (h.height % 5n !== 0n) await h.block([]);
  assert.equal((await validator(carol)).status, BondStatus.BOND_STATUS_BONDED);
  await checkPools();
});

test("commission changes are bounded by the max change rate and happen at most daily", async () => {
  const [alice] = keys as [TestKey];
  const edit = (rate: string) =>
    anyOf("/cosmos.staking.v1beta1.MsgEditValidator", MsgEditValidator, {
      description: {
        moniker: "[do-not-modify]",
        identity: "[do-not-modify]",
        website: "https://example.org",
        securityContact: "[do-not-modify]",
        details: "[do-not-modify]",
      },
      validatorAddress: valoper(alice),
      commissionRate: Dec.parse(rate).toProto(),
      minSelfDelegation: "",
    });
  // Within 24 h of creation (block time advances 1 s per block here).
  await tx(alice, edit("0.105"), ["staking", 12]);
  const v = await validator(alice);
  assert.equal(v.description!.moniker, "val-0");
  assert.equal(Dec.fromProto(v.commission!.commissionRates!.rate).toString(), "0.100000000000000000");
});
