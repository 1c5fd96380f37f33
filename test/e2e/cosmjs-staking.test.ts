import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  coin,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  StargateClient,
  setupDistributionExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { TestNode } from "../helpers/node-process.ts";

// Staking through the unmodified CosmJS 0.39 clients against a real node whose validator was
// created by its gentx: delegate, read the delegation and the staked balance, undelegate, and get
// the tokens back once the (shortened) unbonding period is over; rewards accrue every block and
// withdrawRewards pays them, as does the operator's commission withdrawal.

const UNBONDING_SECONDS = 4;
let node: TestNode;
let client: SigningStargateClient;
let reader: StargateClient;
let comet: Comet38Client;
let alice: string;
let valoper: string;

before(async () => {
  node = await TestNode.create({
    blockIntervalMs: 200,
    genesis: (g) => {
      const staking = g.app_state!.staking as { params: Record<string, unknown> };
      staking.params.unbonding_time = `${UNBONDING_SECONDS}s`;
    },
  });
  await node.start();
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: [makeCosmoshubPath(0)],
  });
  [alice] = (await wallet.getAccounts()).map((a) => a.address) as [string];
  client = await SigningStargateClient.connectWithSigner(node.url, wallet, {
    gasPrice: GasPrice.fromString("0.0025ucif"),
    broadcastPollIntervalMs: 200,
    broadcastTimeoutMs: 30_000,
  });
  reader = await StargateClient.connect(node.url);
  comet = await Comet38Client.connect(node.url);
  const q = QueryClient.withExtensions(comet, setupStakingExtension);
  const { validators } = await q.staking.validators("BOND_STATUS_BONDED");
  assert.equal(validators.length, 1);
  valoper = validators[0]!.operatorAddress;
  assert.match(valoper, /^cifvaloper1/);
});

after(async () => {
  client?.disconnect();
  reader?.disconnect();
  comet?.disconnect();
  await node?.destroy();
});

test("delegateTokens, getDelegation and getBalanceStaked", async () => {
  assert.equal(await reader.getDelegation(alice, valoper), null);
  const res = await client.delegateTokens(alice, valoper, coin(5_000_000, "ucif"), "auto");
  assertIsDeliverTxSuccess(res);
  assert.deepEqual(await reader.getDelegation(alice, valoper), coin(5_000_000, "ucif"));
  assert.deepEqual(await reader.getBalanceStaked(alice), coin(5_000_000, "ucif"));
  const q = QueryClient.withExtensions(comet, setupStakingExtension);
  const { pool } = await q.staking.pool();
  // The validator's own 10,000 CIF from its gentx plus alice's 5.
  assert.equal(pool.bondedTokens, (10_005_000_000).toString());
});

test("undelegateTokens: the tokens come back after the unbonding period", async () => {
  const res = await client.undelegateTokens(alice, valoper, coin(2_000_000, "ucif"), "auto");
  assertIsDeliverTxSuccess(res);
  const afterTx = BigInt((await reader.getBalance(alice, "ucif")).amount);
  assert.deepEqual(await reader.getDelegation(alice, valoper), coin(3_000_000, "ucif"));
  const q = QueryClient.withExtensions(comet, setupStakingExtension);
  const ubd = await q.staking.unbondingDelegation(alice, valoper);
  assert.equal(ubd.unbond?.entries.length, 1);
  assert.equal(ubd.unbond?.entries[0]?.balance, "2000000");
  // Bounded wait: the entry matures UNBONDING_SECONDS of block time after the tx.
  const deadline = Date.now() + 30_000;
  let balance = afterTx;
  while (balance === afterTx && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    balance = BigInt((await reader.getBalance(alice, "ucif")).amount);
  }
  assert.equal(balance, afterTx + 2_000_000n);
  await assert.rejects(q.staking.unbondingDelegation(alice, valoper), /not found/);
});

/** The whole ucif of a withdrawal, from its withdraw_rewards or withdraw_commission event. */
function paidIn(
  events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
  type: string,
) {
  const e = events.find((x) => x.type === type);
  assert.ok(e, `a ${type} event`);
  const amount = e.attributes.find((a) => a.key === "amount")!.value;
  assert.match(amount, /^\d+ucif$/);
  return BigInt(amount.replace("ucif", ""));
}

test("withdrawRewards: the delegation's rewards accrue every block and are paid to it", async () => {
  const q = QueryClient.withExtensions(comet, setupDistributionExtension);
  // Rewards are DecCoins: 18-decimal fixed point, carried as integer strings on the wire.
  const pending = async () =>
    BigInt((await q.distribution.delegationRewards(alice, valoper)).rewards[0]?.amount ?? "0");
  const first = await pending();
  const deadline = Date.now() + 15_000;
  while ((await pending()) <= first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const accrued = await pending();
  assert.ok(accrued > first, "rewards grow block by block");
  const total = await q.distribution.delegationTotalRewards(alice);
  assert.equal(total.rewards.length, 1);
  assert.equal(total.rewards[0]!.validatorAddress, valoper);

  const before = BigInt((await reader.getBalance(alice, "ucif")).amount);
  const fee = { amount: [coin(5000, "ucif")], gas: "400000" };
  const res = await client.withdrawRewards(alice, valoper, fee);
  assertIsDeliverTxSuccess(res);
  const paid = paidIn(res.events, "withdraw_rewards");
  // At least what was pending earlier (whole ucif), since rewards only grow while delegated.
  assert.ok(paid >= accrued / 10n ** 18n && paid > 0n, `paid ${paid}`);
  assert.equal(BigInt((await reader.getBalance(alice, "ucif")).amount), before - 5000n + paid);
  // Just withdrawn: the delegation starts again from nothing at this height.
  assert.ok((await pending()) < accrued);
});

test("the operator withdraws its validator's commission", async () => {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: [makeCosmoshubPath(100)], // the operator of the node's gentx
  });
  const [operator] = (await wallet.getAccounts()).map((a) => a.address) as [string];
  const signer = await SigningStargateClient.connectWithSigner(node.url, wallet, {
    gasPrice: GasPrice.fromString("0.0025ucif"),
    broadcastPollIntervalMs: 200,
    broadcastTimeoutMs: 30_000,
  });
  try {
    const q = QueryClient.withExtensions(comet, setupDistributionExtension);
    const { commission } = await q.distribution.validatorCommission(valoper);
    assert.ok(BigInt(commission!.commission[0]?.amount ?? "0") > 0n, "commission accrued");
    const before = BigInt((await reader.getBalance(operator, "ucif")).amount);
    const res = await signer.signAndBroadcast(
      operator,
      [
        {
          typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
          value: { validatorAddress: valoper },
        },
      ],
      { amount: [coin(5000, "ucif")], gas: "400000" },
    );
    assertIsDeliverTxSuccess(res);
    const paid = paidIn(res.events, "withdraw_commission");
    assert.ok(paid > 0n);
    assert.equal(BigInt((await reader.getBalance(operator, "ucif")).amount), before - 5000n + paid);
  } finally {
    signer.disconnect();
  }
});
