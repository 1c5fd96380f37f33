import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  createProtobufRpcClient,
  QueryClient,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { QueryClientImpl as AuthQuery } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { QueryClientImpl as BankQuery } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { ContinuousVestingAccount } from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import { DEV_MNEMONIC, LOCAL_VESTING } from "../../chain/wiring/genesis.ts";
import { TestNode } from "../helpers/node-process.ts";

// The founders' vesting account of a node's dev genesis, through unmodified CosmJS: StargateClient
// reads it like any account, getBalance shows everything it holds, the bank's spendable queries
// (cosmjs-types' generated client) what has vested, and only vested coins can be sent.

const CIF = 1_000_000n;
const FEE = { amount: [{ denom: "ucif", amount: "5000" }], gas: "200000" };

describe("a founders' ContinuousVestingAccount through unmodified CosmJS", () => {
  let node: TestNode;
  let reader: StargateClient;
  let comet: Comet38Client;
  let bank: BankQuery;
  let auth: AuthQuery;
  let client: SigningStargateClient;
  let founders: string;
  let bob: string;

  before(async () => {
    node = await TestNode.create({ blockIntervalMs: 200 });
    await node.start();
    const hdIndex = LOCAL_VESTING.find((v) => v.allocation === "founders")!.hdIndex;
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
      prefix: "cif",
      hdPaths: [makeCosmoshubPath(hdIndex), makeCosmoshubPath(1)],
    });
    [founders, bob] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    client = await SigningStargateClient.connectWithSigner(node.url, wallet, {
      broadcastPollIntervalMs: 200,
      broadcastTimeoutMs: 30_000,
    });
    reader = await StargateClient.connect(node.url);
    comet = await Comet38Client.connect(node.url);
    const rpc = createProtobufRpcClient(new QueryClient(comet));
    bank = new BankQuery(rpc);
    auth = new AuthQuery(rpc);
  });

  after(async () => {
    client?.disconnect();
    reader?.disconnect();
    comet?.disconnect();
    await node?.destroy();
  });

  const spendable = async () =>
    BigInt((await bank.SpendableBalanceByDenom({ address: founders, denom: "ucif" })).balance!.amount);
  const balanceOf = async (address: string) => BigInt((await reader.getBalance(address, "ucif")).amount);

  test("getAccount reads it (account number 1, sequence 0); the Any is a ContinuousVestingAccount", async () => {
    const acc = await reader.getAccount(founders);
    assert.ok(acc);
    assert.equal(acc.address, founders);
    assert.equal(acc.accountNumber, 1n);
    assert.equal(acc.sequence, 0);
    const any = (await auth.Account({ address: founders })).account!;
    assert.equal(any.typeUrl, "/cosmos.vesting.v1beta1.ContinuousVestingAccount");
    const cva = ContinuousVestingAccount.decode(any.value);
    assert.deepEqual(cva.baseVestingAccount!.originalVesting, [
      { denom: "ucif", amount: (300_000_000n * CIF).toString() },
    ]);
    assert.ok(cva.baseVestingAccount!.endTime > cva.startTime);
  });

  test("getBalance is the whole allocation; spendable is the vested part, growing with block time", async () => {
    assert.equal(await balanceOf(founders), 300_000_000n * CIF);
    const s0 = await spendable();
    assert.ok(s0 > 0n && s0 < 300_000_000n * CIF, `spendable ${s0}`);
    const { balances } = await bank.SpendableBalances({ address: founders });
    assert.equal(balances.length, 1);
    assert.equal(balances[0]!.denom, "ucif");
    assert.ok(BigInt(balances[0]!.amount) >= s0);
    // Vesting counts whole seconds of block time: wait for a block two seconds later.
    const t0 = Date.parse((await reader.getBlock()).header.time);
    await node.waitFor(
      async () => Date.parse((await reader.getBlock()).header.time) >= t0 + 2000,
      30_000,
      "a block two seconds later",
    );
    assert.ok((await spendable()) > s0, "more has vested");
    // A dev account is not vesting: all of it is spendable.
    assert.equal(
      BigInt((await bank.SpendableBalanceByDenom({ address: bob, denom: "ucif" })).balance!.amount),
      await balanceOf(bob),
    );
  });

  test("sending vested coins works; sending or paying fees from locked coins fails with code 5", async () => {
    const b0 = await balanceOf(bob);
    const ok = await client.sendTokens(founders, bob, [{ denom: "ucif", amount: CIF.toString() }], FEE);
    assertIsDeliverTxSuccess(ok);
    assert.equal(await balanceOf(bob), b0 + CIF);

    // The fee is paid from vested coins, then the message fails: locked coins cannot be sent.
    const locked = await client.sendTokens(
      founders,
      bob,
      [{ denom: "ucif", amount: (1_000_000n * CIF).toString() }],
      FEE,
    );
    assert.equal(locked.code, 5);
    assert.match(locked.rawLog ?? "", /spendable balance \d+ucif is smaller than 1000000000000ucif/);
    const acc = await reader.getAccount(founders);
    assert.equal(acc?.sequence, 2, "both txs used a sequence");

    // A fee larger than the vested coins is refused at CheckTx: nothing is charged.
    const before = await balanceOf(founders);
    await assert.rejects(
      client.sendTokens(founders, bob, [{ denom: "ucif", amount: "1" }], {
        amount: [{ denom: "ucif", amount: (1_000_000n * CIF).toString() }],
        gas: "200000",
      }),
      /code 5.*spendable balance \d+ucif is smaller than 1000000000000ucif/s,
    );
    assert.equal(await balanceOf(founders), before);
    assert.equal((await reader.getAccount(founders))?.sequence, 2);
  });
});
