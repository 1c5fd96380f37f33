import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  coin,
  GasPrice,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import {
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import {
  QueryValidatorRequest as StakingValidatorRequest,
  QueryValidatorResponse as StakingValidatorResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { loadEd25519KeyFile } from "../../chain/consensus/priv-validator.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { homePaths } from "../../chain/node/home.ts";
import type { JsonObject } from "../../chain/types/json.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { QueryValidatorRequest, QueryValidatorResponse, Tier } from "../../modules/reputation/proto.ts";
import { createCiferRegistry } from "../../client/registry.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// Slashing on a network of real processes (4 validators, epochs of 10 blocks, a 10-block liveness
// window): a validator that stops signing is jailed and leaves the set at the next epoch while the
// others keep committing, and unjail brings it back on probation; a validator whose key signs from
// two machines at once double-signs and is slashed 5%, tombstoned, R = 0, its delegators with it.

const JAIL_SECONDS = 6;

async function abciQuery(node: TestNode, path: string, data: Uint8Array): Promise<Uint8Array> {
  const r = await node.rpc<{ response: { code: number; value: string; log: string } }>("abci_query", {
    path,
    data: Buffer.from(data).toString("hex"),
  });
  assert.equal(r.response.code, 0, r.response.log);
  return new Uint8Array(Buffer.from(r.response.value, "base64"));
}

const consOf = (node: TestNode) =>
  ed25519Address(loadEd25519KeyFile(homePaths(node.home).privValidatorKey).pubkey);
const setOf = async (node: TestNode, height?: number) =>
  (
    await node.rpc<{ validators: { address: string }[] }>(
      "validators",
      height ? { height: String(height) } : {},
    )
  ).validators.map((v) => v.address);

async function operatorClient(node: TestNode, hdIndex: number) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: [makeCosmoshubPath(hdIndex)],
  });
  const address = (await wallet.getAccounts())[0]!.address;
  const client = await SigningStargateClient.connectWithSigner(node.url, wallet, {
    gasPrice: GasPrice.fromString("0.0025ucif"),
    broadcastPollIntervalMs: 200,
    registry: createCiferRegistry(),
  });
  return { client, address, valoper: toAddress(parseAddress(address), "cifvaloper") };
}

async function signingInfo(node: TestNode, cons: Uint8Array) {
  return QuerySigningInfoResponse.decode(
    await abciQuery(
      node,
      "/cosmos.slashing.v1beta1.Query/SigningInfo",
      QuerySigningInfoRequest.encode({ consAddress: toAddress(cons, "cifvalcons") }).finish(),
    ),
  ).valSigningInfo!;
}

async function validatorTokens(node: TestNode, valoper: string): Promise<bigint> {
  const r = StakingValidatorResponse.decode(
    await abciQuery(
      node,
      "/cosmos.staking.v1beta1.Query/Validator",
      StakingValidatorRequest.encode({ validatorAddr: valoper }).finish(),
    ),
  );
  return BigInt(r.validator!.tokens);
}

async function reputation(node: TestNode, valoper: string) {
  return QueryValidatorResponse.decode(
    await abciQuery(
      node,
      "/cifer.reputation.v1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddress: valoper }).finish(),
    ),
  ).validator!;
}

type AbciEventJson = { type: string; attributes: { key: string; value: string }[] };
const attr = (e: AbciEventJson, key: string) => e.attributes.find((a) => a.key === key)?.value;

/** The first block event of a type from height `from` on (bounded by the node's height). */
async function findEvent(node: TestNode, from: number, type: string): Promise<AbciEventJson> {
  const top = await node.height();
  for (let h = from; h <= top; h++) {
    const r = await node.rpc<{ finalize_block_events: AbciEventJson[] }>("block_results", {
      height: String(h),
    });
    const e = (r.finalize_block_events ?? []).find((x) => x.type === type);
    if (e) return e;
  }
  throw new Error(`no ${type} event in heights ${from}..${top}`);
}

/** A 4-validator network with a short liveness window, plus one more home that is not started. */
function slashingNetwork(): { get(): TestNetwork } {
  let net: TestNetwork;
  before(async () => {
    net = await TestNetwork.create(4, 300, {
      fullNodes: 1,
      editGenesis: (g) => {
        const s = (g.app_state as Record<string, JsonObject>).slashing ?? {};
        (g.app_state as Record<string, JsonObject>).slashing = {
          ...s,
          params: {
            signed_blocks_window: "10",
            min_signed_per_window: "0.5",
            downtime_jail_duration: `${JAIL_SECONDS}s`,
          },
        };
      },
    });
    await Promise.all(net.nodes.slice(0, 4).map((n) => n.start()));
  });
  after(() => net?.destroy());
  return { get: () => net };
}

/** Polls (bounded) until cond holds. */
async function until(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

describe("downtime on a 4-validator network", () => {
  const network = slashingNetwork();

  test("a validator that stops signing is jailed, leaves the set at the next epoch, and comes back through unjail", async () => {
    const [n0, , , n3] = network.get().nodes as [TestNode, TestNode, TestNode, TestNode];
    const cons3 = toHexUpper(consOf(n3));
    await n0.waitForHeight(3);
    await n3.kill();
    // Jailed once past the first window with more than 5 of 10 missed; out at the next epoch.
    await until("node3 left the validator set", 90_000, async () => !(await setOf(n0)).includes(cons3));
    assert.equal((await setOf(n0)).length, 3);
    // The others keep committing without it.
    const left = await n0.height();
    await n0.waitForHeight(left + 3);
    // Back: restart, wait out the jail, unjail; at the next epoch it is in the set, on probation.
    await n3.start();
    const op = await operatorClient(n3, VALIDATOR_OPERATOR_HD_BASE + 3);
    try {
      await new Promise((r) => setTimeout(r, JAIL_SECONDS * 1000));
      const res = await op.client.signAndBroadcast(
        op.address,
        [{ typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: { validatorAddr: op.valoper } }],
        "auto",
      );
      assertIsDeliverTxSuccess(res);
      await until("node3 is back in the set", 60_000, async () => (await setOf(n0)).includes(cons3));
      // Reputation put it back on probation at that epoch (the event; by now it may have moved on).
      const change = await findEvent(n0, res.height, "reputation_tier_change");
      assert.equal(attr(change, "validator"), op.valoper);
      assert.equal(attr(change, "to"), "initial");
    } finally {
      op.client.disconnect();
    }
  });
});

describe("double signing on a 4-validator network", () => {
  const network = slashingNetwork();

  test("a key signing on two machines double-signs: slashed 5%, tombstoned, R = 0, delegators' stake shrinks", async () => {
    const [n0, n1, , , twin] = network.get().nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    const cons0 = consOf(n0);
    const op = await operatorClient(n1, VALIDATOR_OPERATOR_HD_BASE);
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "cif" });
    const alice = (await wallet.getAccounts())[0]!.address;
    const aliceClient = await SigningStargateClient.connectWithSigner(n1.url, wallet, {
      gasPrice: GasPrice.fromString("0.0025ucif"),
      broadcastPollIntervalMs: 200,
    });
    const reader = await StargateClient.connect(n1.url);
    try {
      assertIsDeliverTxSuccess(
        await aliceClient.delegateTokens(alice, op.valoper, coin(100_000_000, "ucif"), "auto"),
      );
      const staked = BigInt((await reader.getDelegation(alice, op.valoper))!.amount);
      const tokensBefore = await validatorTokens(n1, op.valoper);
      // The twin: another home with node0's validator key and a fresh last-sign state.
      copyFileSync(homePaths(n0.home).privValidatorKey, homePaths(twin.home).privValidatorKey);
      const twinStart = await n1.height();
      await twin.start();
      await until(
        "node0's key is tombstoned",
        120_000,
        async () => (await signingInfo(n1, cons0)).tombstoned,
      );
      const after = BigInt((await reader.getDelegation(alice, op.valoper))!.amount);
      const tokensAfter = await validatorTokens(n1, op.valoper);
      // 5% of the stake consensus knew at the infraction (the power in the evidence: alice's
      // delegation counts only from the epoch after it), taken from the validator's tokens...
      const slashEvent = await findEvent(n1, twinStart, "slash");
      assert.equal(attr(slashEvent, "reason"), "double_sign");
      const power = BigInt(attr(slashEvent, "power")!);
      assert.ok(power === 10_000n || power === 10_100n, `power at the infraction ${power}`);
      assert.equal(tokensBefore - tokensAfter, (power * 1_000_000n * 5n) / 100n);
      // ...so every delegator, alice included, loses the same fraction of its stake.
      const expected = staked - (staked * (tokensBefore - tokensAfter)) / tokensBefore;
      assert.ok(
        after >= expected - 1n && after <= expected + 1n,
        `${staked} -> ${after}, expected ${expected}`,
      );
      const rep = await reputation(n1, op.valoper);
      assert.equal(rep.reputation, 0n);
      assert.equal(rep.tier, Tier.Unreliable);
      // The evidence is in a block, and the chain goes on with the others.
      const h = await n1.height();
      await n1.waitForHeight(h + 3, 30_000);
    } finally {
      aliceClient.disconnect();
      reader.disconnect();
      op.client.disconnect();
    }
  });
});
