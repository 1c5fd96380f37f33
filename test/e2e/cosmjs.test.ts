import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath } from "@cosmjs/amino";
import {
  accountFromAny,
  assertIsDeliverTxSuccess,
  GasPrice,
  QueryClient,
  setupAuthExtension,
  setupBankExtension,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { QueryAccountsRequest, QueryAccountsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import { TestNode } from "../helpers/node-process.ts";
import { randomKey } from "../helpers/signer.ts";

// End to end through the unmodified CosmJS 0.39 clients: the same suite against one node process,
// and against a 4-validator network of processes where every tx goes to node 0 and every read to
// node 3 (which waits until it has the tx's block: it may be a block behind node 0).

const TOTAL_SUPPLY = 1_000_000_000_000_000n;

interface Target {
  /** The node txs are broadcast to, and the one every read goes to. */
  writeUrl: string;
  readUrl: string;
  /** Resolves once the read node has committed `height` (bounded wait). */
  readerAt(height: number): Promise<void>;
  destroy(): Promise<void>;
}

const targets: Array<[string, () => Promise<Target>]> = [
  [
    "a running node",
    async () => {
      const node = await TestNode.create({ blockIntervalMs: 200 });
      await node.start();
      return {
        writeUrl: node.url,
        readUrl: node.url,
        readerAt: (h) => node.waitForHeight(h),
        destroy: () => node.destroy(),
      };
    },
  ],
  [
    "a 4-validator network (broadcast to node 0, read from node 3)",
    async () => {
      const net = await TestNetwork.create(4, 200);
      await net.start();
      const reader = net.nodes[3]!;
      return {
        writeUrl: net.nodes[0]!.url,
        readUrl: reader.url,
        readerAt: (h) => reader.waitForHeight(h, 30_000),
        destroy: () => net.destroy(),
      };
    },
  ],
];

for (const [name, start] of targets)
  describe(`unmodified CosmJS against ${name}`, () => {
    let target: Target;
    let client: SigningStargateClient;
    let reader: StargateClient;
    let alice: string;
    let bob: string;

    before(async () => {
      target = await start();
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
        prefix: "cif",
        hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
      });
      [alice, bob] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
      client = await SigningStargateClient.connectWithSigner(target.writeUrl, wallet, {
        gasPrice: GasPrice.fromString("0.0025ucif"),
        broadcastPollIntervalMs: 200,
        broadcastTimeoutMs: 30_000,
      });
      reader = await StargateClient.connect(target.readUrl);
    });

    after(async () => {
      client?.disconnect();
      reader?.disconnect();
      await target?.destroy();
    });

    test("chain id, advancing height, unknown and known accounts, balances", async () => {
      assert.equal(await reader.getChainId(), "cifer-local-1");
      const h1 = await reader.getHeight();
      await target.readerAt(h1 + 2);
      assert.ok((await reader.getHeight()) > h1);
      assert.equal(await reader.getAccount(randomKey().address), null);
      const acc = await reader.getAccount(alice);
      assert.ok(acc && acc.address === alice && acc.sequence === 0);
      assert.deepEqual(await reader.getBalance(alice, "ucif"), { denom: "ucif", amount: "1000000000000" });
      assert.deepEqual(await reader.getAllBalances(bob), [{ denom: "ucif", amount: "1000000000000" }]);
    });

    let sentHash = "";
    let sentHeight = 0;

    test("sendTokens with an explicit fee moves exactly the amount and the fee", async () => {
      const a0 = BigInt((await reader.getBalance(alice, "ucif")).amount);
      const b0 = BigInt((await reader.getBalance(bob, "ucif")).amount);
      const res = await client.sendTokens(
        alice,
        bob,
        [{ denom: "ucif", amount: "1234567" }],
        { amount: [{ denom: "ucif", amount: "5000" }], gas: "200000" },
        "e2e explicit fee",
      );
      assertIsDeliverTxSuccess(res);
      sentHash = res.transactionHash;
      sentHeight = res.height;
      await target.readerAt(res.height);
      assert.equal(BigInt((await reader.getBalance(alice, "ucif")).amount), a0 - 1_234_567n - 5000n);
      assert.equal(BigInt((await reader.getBalance(bob, "ucif")).amount), b0 + 1_234_567n);
    });

    test('signAndBroadcast with an "auto" fee (simulate) succeeds and charges gas * price', async () => {
      const a0 = BigInt((await reader.getBalance(alice, "ucif")).amount);
      const msg = {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "ucif", amount: "1000" }] },
      };
      const gas = await client.simulate(alice, [msg], "");
      assert.ok(gas > 20_000, `simulated gas ${gas}`);
      const res = await client.signAndBroadcast(alice, [msg], "auto");
      assertIsDeliverTxSuccess(res);
      await target.readerAt(res.height);
      assert.ok(res.gasUsed <= res.gasWanted, `used ${res.gasUsed} wanted ${res.gasWanted}`);
      const fee = a0 - 1000n - BigInt((await reader.getBalance(alice, "ucif")).amount);
      assert.equal(fee, (res.gasWanted * 25n + 9999n) / 10000n, "fee = ceil(gas wanted * 0.0025)");
    });

    test("getTx and searchTx by sender and by height find the committed tx", async () => {
      const tx = await reader.getTx(sentHash);
      assert.ok(tx);
      assert.equal(tx.hash, sentHash);
      assert.equal(tx.height, sentHeight);
      assert.equal(tx.code, 0);
      const bySender = await reader.searchTx([{ key: "message.sender", value: alice }]);
      assert.ok(bySender.length >= 2, `found ${bySender.length}`);
      assert.ok(bySender.some((t) => t.hash === sentHash));
      const byHeight = await reader.searchTx(`tx.height=${sentHeight}`);
      assert.ok(byHeight.some((t) => t.hash === sentHash));
      assert.ok(byHeight.every((t) => t.height === sentHeight));
      const byRecipient = await reader.searchTx([{ key: "transfer.recipient", value: bob }]);
      assert.ok(byRecipient.some((t) => t.hash === sentHash));
      assert.equal(await reader.getTx("00".repeat(32)), null);
    });

    test("supply is conserved to the last ucif: total supply equals the sum of every account's balance", async () => {
      const comet = await Comet38Client.connect(target.readUrl);
      try {
        const q = QueryClient.withExtensions(comet, setupBankExtension, setupAuthExtension);
        // Every account address (module accounts, dev accounts, fee collector).
        const res = await q.queryAbci(
          "/cosmos.auth.v1beta1.Query/Accounts",
          QueryAccountsRequest.encode({
            pagination: {
              key: new Uint8Array(),
              offset: 0n,
              limit: 1000n,
              countTotal: false,
              reverse: false,
            },
          }).finish(),
        );
        const { accounts } = QueryAccountsResponse.decode(res.value);
        assert.ok(accounts.length >= 15, `${accounts.length} accounts`);
        // CosmJS's own account parser: base, module and vesting accounts (founders, advisors).
        const addresses = accounts.map((any) => accountFromAny(any).address);
        // The supply and every balance read from the state of one height (fees and rewards move
        // between accounts every block; the node answers the latest height only): read them all at
        // once and take a snapshot whose answers name one height.
        for (let attempt = 1; ; attempt++) {
          const [supply, ...balances] = await Promise.all([
            q.queryAbci(
              "/cosmos.bank.v1beta1.Query/TotalSupply",
              QueryTotalSupplyRequest.encode({}).finish(),
            ),
            ...addresses.map((address) =>
              q.queryAbci(
                "/cosmos.bank.v1beta1.Query/Balance",
                QueryBalanceRequest.encode({ address, denom: "ucif" }).finish(),
              ),
            ),
          ]);
          if (balances.some((b) => b.height !== supply!.height)) {
            assert.ok(attempt < 20, "no snapshot of one height in 20 attempts");
            continue;
          }
          assert.deepEqual(QueryTotalSupplyResponse.decode(supply!.value).supply, [
            { denom: "ucif", amount: TOTAL_SUPPLY.toString() },
          ]);
          let sum = 0n;
          for (const b of balances) sum += BigInt(QueryBalanceResponse.decode(b.value).balance!.amount);
          assert.equal(sum, TOTAL_SUPPLY, `at height ${supply!.height}`);
          break;
        }
      } finally {
        comet.disconnect();
      }
    });
  });
