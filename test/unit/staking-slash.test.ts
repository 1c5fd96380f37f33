import assert from "node:assert/strict";
import { test } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { Context } from "../../chain/app/context.ts";
import { GasMeter } from "../../chain/app/gas.ts";
import { ed25519Address, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { CacheStore } from "../../chain/store/cache-store.ts";
import { Dec } from "../../chain/types/dec.ts";
import { StakingKeeper } from "../../modules/staking/keeper.ts";
import { slash } from "../../modules/staking/slash.ts";
import { accountOf, valoperOf } from "../../modules/staking/store.ts";

// staking's Slash against an in-memory store: what distribution's BeforeValidatorSlashed hook is
// told, and what the slash reports as burned, when unbondings made since absorb part of it.

const CIF = 1_000_000n;
const empty = { get: async () => undefined, iterate: async function* () {} };

async function setup() {
  const moved: bigint[] = [];
  const k = new StakingKeeper({
    balance: async () => 0n,
    delegateCoins: async () => {},
    undelegateCoins: async () => {},
    sendBetweenModules: async (_ctx, _from, _to, coins) => {
      moved.push(coins[0]!.amount);
    },
  });
  const ctx = new Context(
    { chainId: "t", height: 10n, timeSeconds: 1_000n, timeNanos: 0 },
    "deliver",
    GasMeter.infinite(),
    new CacheStore(empty),
  );
  const key = generateEd25519().pubkey;
  const val = new Uint8Array(20).fill(1);
  const v: Validator = {
    operatorAddress: valoperOf(val),
    consensusPubkey: { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: PubKey.encode({ key }).finish() },
    jailed: false,
    status: BondStatus.BOND_STATUS_BONDED,
    tokens: (1000n * CIF).toString(),
    delegatorShares: Dec.fromInt(1000n * CIF).toProto(),
    description: { moniker: "v", identity: "", website: "", securityContact: "", details: "" },
    unbondingHeight: 0n,
    unbondingTime: { seconds: 0n, nanos: 0 },
    commission: {
      commissionRates: { rate: "0", maxRate: "0", maxChangeRate: "0" },
      updateTime: { seconds: 0n, nanos: 0 },
    },
    minSelfDelegation: "1",
    unbondingOnHoldRefCount: 0n,
    unbondingIds: [],
  };
  await k.store.setValidator(ctx, v);
  // 100 CIF unbonding since height 9, still maturing.
  k.store.setUnbonding(ctx, {
    delegatorAddress: accountOf(new Uint8Array(20).fill(2)),
    validatorAddress: v.operatorAddress,
    entries: [
      {
        creationHeight: 9n,
        completionTime: { seconds: 5_000n, nanos: 0 },
        initialBalance: (100n * CIF).toString(),
        balance: (100n * CIF).toString(),
        unbondingId: 0n,
        unbondingOnHoldRefCount: 0n,
      },
    ],
  });
  const fractions: Dec[] = [];
  k.hooks.add({ beforeValidatorSlashed: async (_ctx, _val, f) => void fractions.push(f) });
  return { k, ctx, cons: ed25519Address(key), val, fractions, moved };
}

test("the hook learns the effective fraction of the tokens taken; the slash reports those tokens", async () => {
  const { k, ctx, cons, val, fractions, moved } = await setup();
  // 10% of 1,000 CIF = 100 CIF: 10 from the unbonding, 90 from the validator's 1,000.
  const burned = await slash(ctx, k, cons, 8n, 1000n, Dec.parse("0.1"));
  assert.equal(burned, 90n * CIF);
  assert.deepEqual(
    fractions.map((f) => f.toString()),
    ["0.090000000000000000"],
  );
  assert.deepEqual(moved, [10n * CIF, 90n * CIF]);
  assert.equal((await k.store.validator(ctx, val))!.tokens, (910n * CIF).toString());
});

test("nothing taken from the validator: no hook, nothing burned", async () => {
  const { k, ctx, cons, fractions } = await setup();
  assert.equal(await slash(ctx, k, cons, 10n, 0n, Dec.parse("0.1")), 0n);
  assert.deepEqual(fractions, []);
});
