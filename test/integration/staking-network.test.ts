import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { loadEd25519KeyFile } from "../../chain/consensus/priv-validator.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { homePaths } from "../../chain/node/home.ts";
import { Dec } from "../../chain/types/dec.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { LOCAL_STAKING, VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { QueryValidatorRequest, QueryValidatorResponse, Tier } from "../../modules/reputation/proto.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// Validator-set changes through real processes: a full node's operator creates a validator with
// an ordinary CosmJS transaction; at the next epoch staking hands it to consensus (two heights
// later it signs commits), reputation puts it on probation (Initial), and every node agrees.

const EPOCH = Number(LOCAL_STAKING.epochBlocks);

async function rpcValidators(node: TestNode, height?: number) {
  const r = await node.rpc<{ validators: { address: string; voting_power: string }[] }>(
    "validators",
    height === undefined ? {} : { height: String(height) },
  );
  return r.validators;
}

async function abciQuery(node: TestNode, path: string, data: Uint8Array) {
  const r = await node.rpc<{ response: { code: number; value: string; log: string } }>("abci_query", {
    path,
    data: Buffer.from(data).toString("hex"),
  });
  assert.equal(r.response.code, 0, r.response.log);
  return new Uint8Array(Buffer.from(r.response.value, "base64"));
}

describe("a validator joins a running 4-validator network", () => {
  let net: TestNetwork;
  before(async () => {
    net = await TestNetwork.create(4, 300, { fullNodes: 1 });
    await net.start();
  });
  after(() => net?.destroy());

  test("MsgCreateValidator -> bonded at the epoch -> in the consensus set two heights later, signing", async () => {
    const [n0, , , n3, joiner] = net.nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    assert.equal((await rpcValidators(n0)).length, 4);
    const key = loadEd25519KeyFile(homePaths(joiner.home).privValidatorKey);
    const consAddr = toHexUpper(ed25519Address(key.pubkey));
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
      prefix: "cif",
      hdPaths: [makeCosmoshubPath(VALIDATOR_OPERATOR_HD_BASE + 4)],
    });
    const operator = (await wallet.getAccounts())[0]!.address;
    const { toAddress, parseAddress } = await import("../../chain/crypto/address.ts");
    const valoper = toAddress(parseAddress(operator), "cifvaloper");
    const client = await SigningStargateClient.connectWithSigner(joiner.url, wallet, {
      gasPrice: GasPrice.fromString("0.0025ucif"),
      broadcastPollIntervalMs: 200,
    });
    let height: number;
    try {
      const res = await client.signAndBroadcast(
        operator,
        [
          {
            typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
            value: MsgCreateValidator.fromPartial({
              description: { moniker: "joiner" },
              commission: {
                rate: Dec.parse("0.05").toProto(),
                maxRate: Dec.parse("0.2").toProto(),
                maxChangeRate: Dec.parse("0.01").toProto(),
              },
              minSelfDelegation: "1",
              validatorAddress: valoper,
              pubkey: {
                typeUrl: "/cosmos.crypto.ed25519.PubKey",
                value: PubKey.encode({ key: key.pubkey }).finish(),
              },
              value: { denom: "ucif", amount: "5000000000" },
            }),
          },
        ],
        "auto",
      );
      assertIsDeliverTxSuccess(res);
      height = res.height;
    } finally {
      client.disconnect();
    }
    const epoch = Math.ceil((height + 1) / EPOCH) * EPOCH;
    const effective = epoch + 2;
    await n0.waitForHeight(effective + 2, 60_000);
    // The set of each height: 4 validators until the change takes effect, 5 from then on.
    assert.equal((await rpcValidators(n0, effective - 1)).length, 4);
    const after = await rpcValidators(n3, effective);
    assert.equal(after.length, 5);
    assert.equal(after.find((v) => v.address === consAddr)?.voting_power, "5000");
    // The joiner's precommits are in the commits of its first heights in the set (a late one may
    // miss a commit that 2/3 made without it, so look at a few).
    await joiner.waitForHeight(effective + 6, 60_000);
    let signed = 0;
    for (let h = effective; h <= effective + 5; h++) {
      const commit = await n0.rpc<{
        signed_header: { commit: { signatures: { validator_address: string }[] } };
      }>("commit", { height: String(h) });
      if (commit.signed_header.commit.signatures.some((s) => s.validator_address === consAddr)) signed++;
    }
    assert.ok(signed > 0, `the new validator signed none of heights ${effective}..${effective + 5}`);
    // Reputation saw it enter on probation, as an event of the epoch block and through its query.
    const results = await n0.rpc<{
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[];
    }>("block_results", { height: String(epoch) });
    const change = results.finalize_block_events.find((e) => e.type === "reputation_tier_change");
    assert.ok(change, "tier change event at the epoch");
    assert.deepEqual(
      Object.fromEntries(change.attributes.filter((a) => a.key !== "mode").map((a) => [a.key, a.value])),
      { validator: valoper, from: "new", to: "initial", reputation: "500000" },
    );
    const rep = QueryValidatorResponse.decode(
      await abciQuery(
        n3,
        "/cifer.reputation.v1.Query/Validator",
        QueryValidatorRequest.encode({ validatorAddress: valoper }).finish(),
      ),
    ).validator!;
    assert.equal(rep.tier, Tier.Initial);
    // On probation it votes but never proposes: not one block of its first epoch in the set is its.
    const probationEnd = epoch + EPOCH + 1;
    await n0.waitForHeight(probationEnd, 60_000);
    for (let h = effective; h <= probationEnd; h++) {
      const b = await n0.rpc<{ block: { header: { proposer_address: string } } }>("block", {
        height: String(h),
      });
      assert.notEqual(b.block.header.proposer_address, consAddr, `the Initial validator proposed block ${h}`);
    }
    // Every node, the joiner included, has the same chain.
    const top = await n0.height();
    for (let h = 1; h <= top; h++) {
      const hashes = await Promise.all(
        net.nodes.map(
          async (n) =>
            (await n.rpc<{ block_id: { hash: string } }>("block", { height: String(h) })).block_id.hash,
        ),
      );
      assert.equal(new Set(hashes).size, 1, `nodes disagree at height ${h}`);
    }
  });
});
