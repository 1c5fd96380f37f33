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
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { TestNode } from "../helpers/node-process.ts";

// Staking through the unmodified CosmJS 0.39 clients against a real node whose validator was
// created by its gentx: delegate, read the delegation and the staked balance, undelegate, and get
// the tokens back once the (shortened) unbonding period is over.

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
