import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QuerySpendableBalanceByDenomRequest,
  QuerySpendableBalanceByDenomResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { Any } from "cosmjs-types/google/protobuf/any";
import { SdkCode } from "../../chain/app/errors.ts";
import { allocationAmount } from "../../chain/wiring/genesis.ts";
import { parseAuthGenesis } from "../../modules/auth/genesis.ts";
import { type Account, decodeAccount } from "../../modules/auth/keeper.ts";
import { lockedCoins } from "../../modules/auth/vesting.ts";
import { AppHarness, CHAIN_ID, HARNESS_GENESIS_SECONDS } from "../helpers/app-harness.ts";
import { anyOf, msgMultiSend, msgSend } from "../helpers/msgs.ts";
import { balance } from "../helpers/queries.ts";
import { devKey, signTx, type TestKey } from "../helpers/signer.ts";
import { CIF, StakingDriver, valoperOf } from "../helpers/staking.ts";

// Vesting accounts on the real app: the genesis founders (dev mnemonic index 10, account number 1,
// 300M CIF vesting over 4 years from genesis: about 2.38 CIF a second) and advisors (index 11,
// account 6), and a DelayedVestingAccount written into genesis. The harness adds one second a block.

const FOUNDERS_NUMBER = 1n;
const ADVISORS_NUMBER = 6n;
const DELAYED_LOCKED = 600_000n * CIF;

let h: AppHarness;
let founders: TestKey;
let bob: TestKey;
let carol: TestKey;
const q = (p: string, d: Uint8Array) => h.query(p, d);
const now = () => HARNESS_GENESIS_SECONDS + h.height;

async function accountOf(address: string): Promise<{ any: Any; acc: Account }> {
  const r = await q("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  assert.equal(r.code, 0, r.log);
  const any = QueryAccountResponse.decode(r.value).account!;
  // The stored form of an account is its Any: decode it as the keeper does.
  return { any, acc: decodeAccount(Any.encode(any).finish()) };
}

async function spendable(address: string): Promise<bigint> {
  const r = await q(
    "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom",
    QuerySpendableBalanceByDenomRequest.encode({ address, denom: "ucif" }).finish(),
  );
  assert.equal(r.code, 0, r.log);
  return BigInt(QuerySpendableBalanceByDenomResponse.decode(r.value).balance!.amount);
}

async function spendableList(address: string) {
  const r = await q(
    "/cosmos.bank.v1beta1.Query/SpendableBalances",
    QuerySpendableBalancesRequest.encode({ address }).finish(),
  );
  assert.equal(r.code, 0, r.log);
  return QuerySpendableBalancesResponse.decode(r.value).balances;
}

/** What the vesting math says is spendable now, from the account as the chain returns it. */
async function expectedSpendable(address: string): Promise<bigint> {
  const { acc } = await accountOf(address);
  const locked = lockedCoins(acc.vesting!, now()).find((c) => c.denom === "ucif")?.amount ?? 0n;
  return (await balance(q, address)) - locked;
}

async function signed(k: TestKey, accountNumber: bigint, msgs: Any[], fee = 5000n): Promise<Uint8Array> {
  return signTx(k, {
    msgs,
    chainId: CHAIN_ID,
    accountNumber,
    sequence: (await accountOf(k.address)).acc.base.sequence,
    fee: { amount: [{ denom: "ucif", amount: fee.toString() }], gasLimit: 400_000n },
  });
}

/** One tx in its own block. */
async function deliver(k: TestKey, accountNumber: bigint, msgs: Any[], fee = 5000n) {
  const [r] = await h.block([await signed(k, accountNumber, msgs, fee)]);
  return r!;
}

before(async () => {
  const delayedHolder = await devKey(3);
  h = await AppHarness.create((g) => {
    const appState = g.app_state as Record<string, Record<string, unknown>>;
    // No epoch boundary in these tests: validators stay unbonded, so the state can be exported.
    appState.staking = { params: { unbonding_time: "10s", bond_denom: "ucif" }, epoch_blocks: "1000" };
    // Dev account 3 (1M CIF) becomes a DelayedVestingAccount with 600k CIF locked until 2036.
    const accounts = appState.auth!.accounts as Record<string, unknown>[];
    const i = accounts.findIndex((a) => a.address === delayedHolder.address);
    const { "@type": _, ...base } = accounts[i]!;
    accounts[i] = {
      "@type": "/cosmos.vesting.v1beta1.DelayedVestingAccount",
      base_vesting_account: {
        base_account: base,
        original_vesting: [{ denom: "ucif", amount: DELAYED_LOCKED.toString() }],
        delegated_free: [],
        delegated_vesting: [],
        end_time: "2082758400",
      },
    };
  });
  founders = await devKey(10);
  bob = await devKey(1);
  carol = await devKey(3);
});
after(() => h?.close());

describe("genesis vesting accounts", () => {
  test("founders and advisors are ContinuousVestingAccounts of 30% and 5%, vesting from genesis", async () => {
    const f = await accountOf(founders.address);
    assert.equal(f.any.typeUrl, "/cosmos.vesting.v1beta1.ContinuousVestingAccount");
    assert.equal(f.acc.base.accountNumber, FOUNDERS_NUMBER);
    assert.deepEqual(f.acc.vesting!.originalVesting, [{ denom: "ucif", amount: 300_000_000n * CIF }]);
    assert.deepEqual(f.acc.vesting!.schedule, { kind: "continuous", startTime: HARNESS_GENESIS_SECONDS });
    assert.equal(f.acc.vesting!.endTime, 1_893_456_000n, "2030-01-01: four years");
    const a = await accountOf((await devKey(11)).address);
    assert.equal(a.acc.base.accountNumber, ADVISORS_NUMBER);
    assert.deepEqual(a.acc.vesting!.originalVesting, [
      { denom: "ucif", amount: allocationAmount("advisors") },
    ]);
    assert.equal(a.acc.vesting!.endTime, 1_830_297_600n, "2028-01-01: two years");
    assert.equal(await balance(q, founders.address), 300_000_000n * CIF);
  });

  test("at genesis time nothing has vested: the balance is there, nothing is spendable", async () => {
    assert.equal(h.height, 0n);
    assert.equal(await spendable(founders.address), 0n);
    assert.deepEqual(await spendableList(founders.address), [{ denom: "ucif", amount: "0" }]);
    assert.deepEqual(await spendableList(bob.address), [
      { denom: "ucif", amount: (await balance(q, bob.address)).toString() },
    ]);
    assert.equal(await spendable(carol.address), 1_000_000n * CIF - DELAYED_LOCKED);
  });
});

describe("sends and fees only spend unlocked coins", () => {
  test("MsgSend of more than the vested coins fails with the SDK's insufficient funds; within them it works", async () => {
    const b0 = await balance(q, bob.address);
    const r = await deliver(founders, FOUNDERS_NUMBER, [msgSend(founders.address, bob.address, 10n * CIF)]);
    assert.equal(r.codespace, "sdk");
    assert.equal(r.code, SdkCode.InsufficientFunds);
    // One second in, 2376607ucif have vested (the SDK's LegacyDec scaling); the fee took 5000 of them.
    assert.match(r.log, /: spendable balance 2371607ucif is smaller than 10000000ucif: insufficient funds$/);
    assert.equal(await balance(q, founders.address), 300_000_000n * CIF - 5000n, "only the fee was paid");
    const ok = await deliver(founders, FOUNDERS_NUMBER, [msgSend(founders.address, bob.address, CIF)]);
    assert.equal(ok.code, 0, ok.log);
    assert.equal(await balance(q, bob.address), b0 + CIF);
    assert.equal(await spendable(founders.address), await expectedSpendable(founders.address));
  });

  test("MsgMultiSend from locked coins fails the same way", async () => {
    const r = await deliver(founders, FOUNDERS_NUMBER, [
      msgMultiSend(founders.address, [bob.address, carol.address], 100n * CIF),
    ]);
    assert.equal(r.code, SdkCode.InsufficientFunds);
    assert.match(r.log, /spendable balance \d+ucif is smaller than 200000000ucif/);
  });

  test("a fee from locked coins is refused by CheckTx and DeliverTx and charges nothing; from vested coins it is paid", async () => {
    const before = await balance(q, founders.address);
    const seq = (await accountOf(founders.address)).acc.base.sequence;
    const tx = await signed(
      founders,
      FOUNDERS_NUMBER,
      [msgSend(founders.address, bob.address, 1n)],
      100n * CIF,
    );
    const check = await h.app.checkTx(tx);
    assert.equal(check.code, SdkCode.InsufficientFunds);
    assert.match(check.log, /spendable balance \d+ucif is smaller than 100000000ucif/);
    const [r] = await h.block([tx]);
    assert.equal(r!.code, SdkCode.InsufficientFunds);
    assert.equal(await balance(q, founders.address), before);
    const { acc } = await accountOf(founders.address);
    assert.equal(acc.base.sequence, seq, "the sequence did not move");
    const ok = await deliver(founders, FOUNDERS_NUMBER, [msgSend(founders.address, bob.address, 1n)], CIF);
    assert.equal(ok.code, 0, ok.log);
    assert.equal(await balance(q, founders.address), before - CIF - 1n);
  });

  test("a DelayedVestingAccount from genesis spends its unlocked part only", async () => {
    const r = await deliver(carol, 13n, [msgSend(carol.address, bob.address, 500_000n * CIF)]);
    assert.equal(r.code, SdkCode.InsufficientFunds);
    assert.match(r.log, /spendable balance 399999995000ucif is smaller than 500000000000ucif/);
    const ok = await deliver(carol, 13n, [msgSend(carol.address, bob.address, 300_000n * CIF)]);
    assert.equal(ok.code, 0, ok.log);
    assert.equal(await spendable(carol.address), 100_000n * CIF - 10_000n);
  });

  test("exported genesis carries the vesting account (key, sequence, schedule) in the SDK's shape", async () => {
    const exported = (await h.app.exportGenesis({
      chainId: CHAIN_ID,
      height: h.height,
      timeSeconds: now(),
      timeNanos: 0,
    })) as { auth: { accounts: Record<string, unknown>[] } };
    const { acc } = await accountOf(founders.address);
    const j = parseAuthGenesis(exported.auth).accounts.find((a) => a.base.address === founders.address);
    assert.deepEqual(j, acc);
    assert.ok(acc.base.pubKey && acc.base.sequence > 0n);
    const raw = exported.auth.accounts.find(
      (a) => a["@type"] === "/cosmos.vesting.v1beta1.ContinuousVestingAccount",
    );
    assert.deepEqual(Object.keys(raw!).sort(), ["@type", "base_vesting_account", "start_time"]);
  });
});

describe("delegating vesting coins (bank delegateCoins / undelegateCoins)", () => {
  test("locked coins can be delegated and come back locked; the account tracks delegated vesting", async () => {
    const d = await StakingDriver.create(h, 1);
    const alice = d.keys[0]!;
    await d.tx(alice, d.createValidatorMsg(alice, 100n * CIF));
    const delegate = (amount: { denom: string; amount: string }) =>
      anyOf("/cosmos.staking.v1beta1.MsgDelegate", MsgDelegate, {
        delegatorAddress: founders.address,
        validatorAddress: valoperOf(alice),
        amount,
      });
    const tooMuch = await deliver(founders, FOUNDERS_NUMBER, [
      delegate({ denom: "ucif", amount: (400_000_000n * CIF).toString() }),
    ]);
    assert.equal(tooMuch.code, SdkCode.InsufficientFunds);
    assert.match(tooMuch.log, /failed to delegate; \d+ucif is smaller than 400000000000000ucif/);
    const amount = { denom: "ucif", amount: (1000n * CIF).toString() };
    const b0 = await balance(q, founders.address);
    const del = await deliver(founders, FOUNDERS_NUMBER, [delegate(amount)]);
    assert.equal(del.code, 0, del.log);
    let { acc } = await accountOf(founders.address);
    assert.deepEqual(acc.vesting!.delegatedVesting, [{ denom: "ucif", amount: 1000n * CIF }]);
    assert.deepEqual(acc.vesting!.delegatedFree, []);
    assert.equal(await balance(q, founders.address), b0 - 1000n * CIF - 5000n);
    const s = await spendable(founders.address);
    assert.equal(s, await expectedSpendable(founders.address));
    assert.ok(s < 100n * CIF, `delegated locked coins did not become spendable (${s})`);

    const undel = await deliver(founders, FOUNDERS_NUMBER, [
      anyOf("/cosmos.staking.v1beta1.MsgUndelegate", MsgUndelegate, {
        delegatorAddress: founders.address,
        validatorAddress: valoperOf(alice),
        amount,
      }),
    ]);
    assert.equal(undel.code, 0, undel.log);
    for (let i = 0; i < 11; i++) await h.block([]);
    ({ acc } = await accountOf(founders.address));
    assert.deepEqual(acc.vesting!.delegatedVesting, [], "the unbonded coins are vesting again");
    assert.equal(await balance(q, founders.address), b0 - 10_000n);
    assert.equal(await spendable(founders.address), await expectedSpendable(founders.address));
  });
});
