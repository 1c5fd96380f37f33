import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { fromBech32 as fromBech32Limited, toBase64, toBech32, toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  type DeliverTxResponse,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  StargateClient,
  setupBankExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus, bondStatusToJSON } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SIMULATE_PATH } from "../../chain/app/app.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import {
  QueryParamsRequest as FlParamsRequest,
  QueryParamsResponse as FlParamsResponse,
} from "../../modules/fl/proto.ts";
import {
  QueryValidatorsRequest as RepValidatorsRequest,
  QueryValidatorsResponse as RepValidatorsResponse,
  Tier,
} from "../../modules/reputation/proto.ts";
import { freePort, TestNode } from "../helpers/node-process.ts";

// Cosmos REST on a real node, compared with JSON-RPC (and CosmJS's queries over abci_query) for the
// same state: the node's info, blocks, validator sets, accounts, balances, staking, txs by hash and
// by events, a broadcast, cifer module queries, chain info and the errors of bad requests.

const WAIT_MS = 30_000;
// biome-ignore lint/suspicious/noExplicitAny: JSON answers under test, read by path
type J = Record<string, any>;

let node: TestNode;
/** REST on a port of its own too (rest.laddr), beside the RPC port. */
let restPort: number;
let tm: Comet38Client;
let query: QueryClient & ReturnType<typeof setupStakingExtension> & ReturnType<typeof setupBankExtension>;
let stargate: StargateClient;
let signer: SigningStargateClient;
let from: string;
let to: string;
let sent: DeliverTxResponse;

async function rest(path: string, init?: RequestInit): Promise<{ status: number; body: J; height?: string }> {
  const res = await fetch(`${node.url}${path}`, init);
  return {
    status: res.status,
    body: (await res.json()) as J,
    height: res.headers.get("x-cosmos-block-height") ?? undefined,
  };
}

async function ok(path: string): Promise<J> {
  const r = await rest(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function rpc(method: string, params: Record<string, string> = {}): Promise<J> {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${node.url}/${method}${qs ? `?${qs}` : ""}`);
  const body = (await res.json()) as J;
  assert.equal(body.error, undefined, `${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

// CosmJS 0.39's default length limit (Infinity) is refused by the @scure/base it uses.
const fromBech32 = (a: string) => fromBech32Limited(a, 90);
const b64ToHex = (s: string | null) => (s ? toHex(Buffer.from(s, "base64")).toUpperCase() : "");
/** A LegacyDec as REST prints it ("10.000000000000000000") to its wire atomics. */
const atomicsOf = (dec: string) => BigInt(dec.replace(".", "")).toString();

/** A REST answer and an abci_query answer read from the same block (retried until they agree). */
async function sameHeight<T>(path: string, abci: () => Promise<{ height: number; value: T }>) {
  for (let i = 0; i < 20; i++) {
    const [r, q] = await Promise.all([rest(path), abci()]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (r.height === String(q.height)) return { body: r.body, value: q.value };
  }
  throw new Error(`${path}: no REST and abci_query answers from the same height in 20 tries`);
}

describe("Cosmos REST against JSON-RPC", () => {
  before(async () => {
    restPort = await freePort();
    node = await TestNode.create({
      blockIntervalMs: 200,
      config: (c) => {
        c.rest = { laddr: `tcp://127.0.0.1:${restPort}` };
      },
    });
    await node.start();
    tm = await Comet38Client.connect(node.url);
    query = QueryClient.withExtensions(tm, setupStakingExtension, setupBankExtension);
    stargate = await StargateClient.connect(node.url);
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
      prefix: "cif",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    [from, to] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    signer = await SigningStargateClient.connectWithSigner(node.url, wallet, {
      gasPrice: GasPrice.fromString("0.0025ucif"),
    });
    sent = await signer.sendTokens(from, to, [{ denom: "ucif", amount: "1000000" }], "auto", "rest test");
    assertIsDeliverTxSuccess(sent);
  });

  after(async () => {
    signer?.disconnect();
    stargate?.disconnect();
    tm?.disconnect();
    await node?.destroy();
  });

  test("node_info and syncing match status", async () => {
    const r = await ok("/cosmos/base/tendermint/v1beta1/node_info");
    const s = await rpc("status");
    const n = r.default_node_info;
    assert.equal(n.default_node_id, s.node_info.id);
    assert.equal(n.network, s.node_info.network);
    assert.equal(n.moniker, s.node_info.moniker);
    assert.equal(n.listen_addr, s.node_info.listen_addr);
    assert.equal(n.version, s.node_info.version);
    assert.deepEqual(n.protocol_version, s.node_info.protocol_version);
    assert.deepEqual(n.other, s.node_info.other);
    assert.equal(b64ToHex(n.channels), s.node_info.channels.toUpperCase());
    assert.equal(r.application_version.name, "cifer");
    assert.deepEqual(await ok("/cosmos/base/tendermint/v1beta1/syncing"), {
      syncing: s.sync_info.catching_up,
    });
  });

  test("blocks/{height} matches block?height=", async () => {
    const h = String(sent.height);
    const r = await ok(`/cosmos/base/tendermint/v1beta1/blocks/${h}`);
    const b = await rpc("block", { height: h });
    assert.equal(b64ToHex(r.block_id.hash), b.block_id.hash);
    assert.equal(r.block_id.part_set_header.total, b.block_id.parts.total);
    const rh = r.block.header;
    const bh = b.block.header;
    assert.equal(rh.height, h);
    assert.equal(rh.chain_id, bh.chain_id);
    assert.equal(rh.time, bh.time);
    for (const k of ["app_hash", "data_hash", "validators_hash", "last_commit_hash", "proposer_address"]) {
      assert.equal(b64ToHex(rh[k]), bh[k], k);
    }
    assert.equal(b64ToHex(rh.last_block_id.hash), bh.last_block_id.hash);
    assert.deepEqual(r.block.data.txs, b.block.data.txs);
    assert.equal(r.block.data.txs.length, 1);
    assert.equal(r.block.last_commit.signatures.length, b.block.last_commit.signatures.length);
    assert.equal(r.block.last_commit.signatures[0].block_id_flag, "BLOCK_ID_FLAG_COMMIT");
    // The SDK block names the proposer by its consensus address.
    const cons = fromBech32(r.sdk_block.header.proposer_address);
    assert.equal(cons.prefix, "cifvalcons");
    assert.equal(toHex(cons.data).toUpperCase(), bh.proposer_address);
    const latest = await ok("/cosmos/base/tendermint/v1beta1/blocks/latest");
    assert.ok(BigInt(latest.block.header.height) >= BigInt(h));
  });

  test("validatorsets/latest matches validators?height=", async () => {
    const r = await ok("/cosmos/base/tendermint/v1beta1/validatorsets/latest");
    const v = await rpc("validators", { height: r.block_height });
    assert.equal(r.validators.length, v.validators.length);
    assert.equal(r.pagination.total, v.total);
    for (const [i, rv] of r.validators.entries()) {
      const cv = v.validators[i];
      assert.equal(toHex(fromBech32(rv.address).data).toUpperCase(), cv.address);
      assert.deepEqual(rv.pub_key, { "@type": "/cosmos.crypto.ed25519.PubKey", key: cv.pub_key.value });
      assert.equal(rv.voting_power, cv.voting_power);
      assert.equal(rv.proposer_priority, cv.proposer_priority);
    }
  });

  test("balances, supply and accounts match CosmJS's queries", async () => {
    const r = await rest(`/cosmos/bank/v1beta1/balances/${to}`);
    assert.equal(r.status, 200);
    assert.ok(r.height && BigInt(r.height) >= BigInt(sent.height));
    const balances = await stargate.getAllBalances(to);
    assert.deepEqual(
      r.body.balances,
      balances.map((c) => ({ denom: c.denom, amount: c.amount })),
    );
    const [first] = r.body.balances as J[];
    assert.ok(first && BigInt(first.amount) > 1_000_000n);
    const supply = await ok("/cosmos/bank/v1beta1/supply");
    const total = await query.bank.totalSupply();
    assert.deepEqual(
      supply.supply,
      total.supply.map((c) => ({ denom: c.denom, amount: c.amount })),
    );
    const acc = (await ok(`/cosmos/auth/v1beta1/accounts/${from}`)).account;
    const cosm = await stargate.getAccount(from);
    assert.ok(cosm);
    assert.equal(acc["@type"], "/cosmos.auth.v1beta1.BaseAccount");
    assert.equal(acc.address, cosm.address);
    assert.equal(acc.account_number, String(cosm.accountNumber));
    assert.equal(acc.sequence, String(cosm.sequence));
    assert.equal(acc.pub_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert.equal(acc.pub_key.key, cosm.pubkey?.value);
  });

  test("staking validators, validator, delegations, pool and params match the staking queries", async () => {
    const r = await ok("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED");
    const q = await query.staking.validators("BOND_STATUS_BONDED");
    assert.equal(r.validators.length, q.validators.length);
    assert.ok(r.validators.length >= 1);
    for (const [i, rv] of r.validators.entries()) {
      const qv = q.validators[i]!;
      assert.equal(rv.operator_address, qv.operatorAddress);
      assert.equal(rv.status, bondStatusToJSON(qv.status));
      assert.equal(rv.status, "BOND_STATUS_BONDED");
      assert.equal(rv.tokens, qv.tokens);
      assert.equal(atomicsOf(rv.delegator_shares), qv.delegatorShares);
      assert.equal(atomicsOf(rv.commission.commission_rates.rate), qv.commission!.commissionRates!.rate);
      assert.equal(rv.consensus_pubkey.key, toBase64(PubKey.decode(qv.consensusPubkey!.value).key));
    }
    const valoper = r.validators[0].operator_address as string;
    const one = await ok(`/cosmos/staking/v1beta1/validators/${valoper}`);
    assert.equal(one.validator.operator_address, valoper);
    assert.equal(one.validator.status, bondStatusToJSON(BondStatus.BOND_STATUS_BONDED));
    // The operator's account delegates to its own validator.
    const operator = toBech32("cif", fromBech32(valoper).data);
    const d = await ok(`/cosmos/staking/v1beta1/delegations/${operator}`);
    const qd = await query.staking.delegatorDelegations(operator);
    assert.equal(d.delegation_responses.length, qd.delegationResponses.length);
    assert.equal(d.delegation_responses[0].delegation.validator_address, valoper);
    assert.equal(d.delegation_responses[0].balance.amount, qd.delegationResponses[0]!.balance!.amount);
    assert.equal(
      atomicsOf(d.delegation_responses[0].delegation.shares),
      qd.delegationResponses[0]!.delegation!.shares,
    );
    const pool = await ok("/cosmos/staking/v1beta1/pool");
    const qp = await query.staking.pool();
    assert.deepEqual(pool.pool, {
      not_bonded_tokens: qp.pool!.notBondedTokens,
      bonded_tokens: qp.pool!.bondedTokens,
    });
    const params = await ok("/cosmos/staking/v1beta1/params");
    const qpar = (await query.staking.params()).params!;
    assert.equal(params.params.bond_denom, qpar.bondDenom);
    assert.equal(params.params.max_validators, qpar.maxValidators);
    assert.equal(params.params.unbonding_time, `${qpar.unbondingTime!.seconds}s`);
  });

  test("txs/{hash} matches tx?hash=", async () => {
    const r = await ok(`/cosmos/tx/v1beta1/txs/${sent.transactionHash}`);
    const t = await rpc("tx", { hash: `0x${sent.transactionHash}` });
    const tr = r.tx_response;
    assert.equal(tr.txhash, t.hash);
    assert.equal(tr.height, t.height);
    assert.equal(tr.code, t.tx_result.code);
    assert.equal(tr.gas_wanted, t.tx_result.gas_wanted);
    assert.equal(tr.gas_used, t.tx_result.gas_used);
    assert.deepEqual(
      tr.events.map((e: J) => [e.type, e.attributes.map((a: J) => [a.key, a.value])]),
      t.tx_result.events.map((e: J) => [e.type, e.attributes.map((a: J) => [a.key, a.value])]),
    );
    const block = await rpc("block", { height: t.height });
    assert.equal(tr.timestamp, block.block.header.time);
    assert.equal(tr.tx["@type"], "/cosmos.tx.v1beta1.Tx");
    assert.deepEqual(r.tx.body.messages[0], {
      "@type": "/cosmos.bank.v1beta1.MsgSend",
      from_address: from,
      to_address: to,
      amount: [{ denom: "ucif", amount: "1000000" }],
    });
    assert.equal(r.tx.body.memo, "rest test");
    assert.equal(r.tx.auth_info.signer_infos[0].mode_info.single.mode, "SIGN_MODE_DIRECT");
    assert.deepEqual(tr.tx.body, r.tx.body);
  });

  test("txs?events= and txs?query= match tx_search", async () => {
    const q = `message.sender='${from}'`;
    const search = await rpc("tx_search", { query: `"${q}"` });
    for (const path of [
      `/cosmos/tx/v1beta1/txs?events=${encodeURIComponent(q)}`,
      `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(q)}&order_by=ORDER_BY_DESC&limit=10`,
    ]) {
      const r = await ok(path);
      assert.equal(r.total, search.total_count, path);
      assert.deepEqual(
        r.tx_responses.map((x: J) => x.txhash).sort(),
        search.txs.map((x: J) => x.hash).sort(),
        path,
      );
      assert.equal(r.txs.length, r.tx_responses.length);
    }
    assert.ok(Number(search.total_count) >= 1);
    const none = await ok(
      `/cosmos/tx/v1beta1/txs?events=${encodeURIComponent("message.sender='cif1nobody'")}`,
    );
    assert.equal(none.total, "0");
  });

  test("POST txs broadcasts a signed tx that gets committed", async () => {
    const account = await stargate.getAccount(from);
    const signed = await signer.sign(
      from,
      [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: from, toAddress: to, amount: [{ denom: "ucif", amount: "7" }] },
        },
      ],
      { amount: [{ denom: "ucif", amount: "500" }], gas: "200000" },
      "via rest",
      {
        accountNumber: account!.accountNumber,
        sequence: account!.sequence,
        chainId: await signer.getChainId(),
      },
    );
    const bytes = TxRaw.encode(signed).finish();
    const r = await rest("/cosmos/tx/v1beta1/txs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx_bytes: toBase64(bytes), mode: "BROADCAST_MODE_SYNC" }),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.tx_response.code, 0, r.body.tx_response.raw_log);
    const hash = toHex(sha256(bytes)).toUpperCase();
    assert.equal(r.body.tx_response.txhash, hash);
    let committed: J | undefined;
    await node.waitFor(
      async () => {
        const got = await rest(`/cosmos/tx/v1beta1/txs/${hash}`);
        if (got.status === 200) committed = got.body;
        return got.status === 200;
      },
      WAIT_MS,
      "the broadcast tx to be committed",
    );
    const t = await rpc("tx", { hash: `0x${hash}` });
    assert.equal(committed!.tx_response.height, t.height);
    assert.equal(committed!.tx_response.code, 0);
    assert.equal(committed!.tx.body.memo, "via rest");
    // The same tx again: CheckTx refuses it, answered in tx_response as the SDK does.
    const again = await rest("/cosmos/tx/v1beta1/txs", {
      method: "POST",
      body: JSON.stringify({ tx_bytes: toBase64(bytes), mode: "BROADCAST_MODE_SYNC" }),
    });
    assert.equal(again.status, 200);
    assert.notEqual(again.body.tx_response.code, 0);
  });

  test("POST simulate estimates gas as the Simulate query through abci_query does", async () => {
    const account = await stargate.getAccount(from);
    const signedSend = async (amount: string) =>
      TxRaw.encode(
        await signer.sign(
          from,
          [
            {
              typeUrl: "/cosmos.bank.v1beta1.MsgSend",
              value: { fromAddress: from, toAddress: to, amount: [{ denom: "ucif", amount }] },
            },
          ],
          { amount: [{ denom: "ucif", amount: "500" }], gas: "200000" },
          "simulated",
          {
            accountNumber: account!.accountNumber,
            sequence: account!.sequence,
            chainId: await signer.getChainId(),
          },
        ),
      ).finish();
    const bytes = await signedSend("9");
    const post = (body: unknown) =>
      rest("/cosmos/tx/v1beta1/simulate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const r = await post({ tx_bytes: toBase64(bytes) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const viaAbci = SimulateResponse.decode(
      (await query.queryAbci(SIMULATE_PATH, SimulateRequest.encode({ txBytes: bytes }).finish())).value,
    );
    assert.ok(BigInt(r.body.gas_info.gas_used) > 0n);
    assert.equal(r.body.gas_info.gas_used, viaAbci.gasInfo!.gasUsed.toString());
    const transfers = (r.body.result.events as J[]).filter((e: J) => e.type === "transfer");
    assert.ok(
      transfers.some((e: J) =>
        (e.attributes as J[]).some((a: J) => a.key === "amount" && a.value === "9ucif"),
      ),
      "the simulated transfer's event",
    );
    // Nothing was sent: the account's sequence is unchanged.
    assert.equal((await stargate.getAccount(from))!.sequence, account!.sequence);
    // A send beyond the balance fails in simulation, with the SDK's message; a body without tx_bytes is 400.
    const tooMuch = await post({ tx_bytes: toBase64(await signedSend("999999999999999999")) });
    assert.equal(tooMuch.status, 500, JSON.stringify(tooMuch.body));
    assert.equal(tooMuch.body.code, 2, JSON.stringify(tooMuch.body));
    assert.match(tooMuch.body.message, /insufficient funds/);
    const bad = await post({ mode: "BROADCAST_MODE_SYNC" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 3);
    assert.match(bad.body.message, /tx_bytes must be a non-empty base64 string/);
  });

  test("cifer queries match abci_query decoded with the modules' codecs", async () => {
    const path = "/cifer.reputation.v1.Query/Validators";
    const rep = await sameHeight("/cifer/reputation/v1/validators", async () => {
      const req = RepValidatorsRequest.encode({ tier: Tier.Unspecified, pagination: undefined }).finish();
      const res = await query.queryAbci(path, req);
      return { height: res.height, value: RepValidatorsResponse.decode(res.value) };
    });
    assert.ok(rep.value.validators.length >= 1);
    assert.equal(rep.body.validators.length, rep.value.validators.length);
    for (const [i, v] of rep.value.validators.entries()) {
      const b = rep.body.validators[i];
      assert.equal(b.validator_address, v.validatorAddress);
      assert.equal(b.consensus_address, v.consensusAddress);
      assert.equal(b.reputation, String(v.reputation));
      assert.equal(b.tier, `TIER_${Tier[v.tier]!.toUpperCase()}`);
      assert.equal(b.proposals_committed, String(v.proposalsCommitted));
    }
    const fl = await query.queryAbci("/cifer.fl.v1.Query/Params", FlParamsRequest.encode({}).finish());
    const want = FlParamsResponse.decode(fl.value).params as unknown as Record<string, unknown>;
    const got = (await ok("/cifer/fl/v1/params")).params as J;
    assert.ok(Object.keys(want).length > 5);
    for (const [k, v] of Object.entries(want)) {
      const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      assert.equal(String(got[snake]), String(v), snake);
    }
    const tasks = await ok("/cifer/fl/v1/tasks?pagination.limit=5&pagination.count_total=true");
    assert.deepEqual(tasks.tasks, []);
    assert.deepEqual(tasks.pagination, { next_key: null, total: "0" });
  });

  test("chain-info.json describes the chain for Keplr; rest.laddr serves REST on its own port", async () => {
    const info = await ok("/chain-info.json");
    const s = await rpc("status");
    const restUrl = `http://127.0.0.1:${restPort}`;
    assert.equal(info.chainId, s.node_info.network);
    assert.equal(info.rpc, node.url);
    assert.equal(info.rest, restUrl);
    assert.equal(info.bip44.coinType, 118);
    assert.equal(info.bech32Config.bech32PrefixAccAddr, "cif");
    assert.equal(info.bech32Config.bech32PrefixValAddr, "cifvaloper");
    assert.deepEqual(info.stakeCurrency, { coinDenom: "CIF", coinMinimalDenom: "ucif", coinDecimals: 6 });
    assert.equal(info.feeCurrencies[0].coinMinimalDenom, "ucif");
    assert.equal(info.feeCurrencies[0].gasPriceStep.low, 0.0025);
    // The REST port answers the same, and no JSON-RPC.
    const viaRest = await fetch(`${restUrl}/cosmos/bank/v1beta1/supply`);
    assert.equal(viaRest.status, 200);
    assert.deepEqual(await viaRest.json(), await ok("/cosmos/bank/v1beta1/supply"));
    assert.deepEqual(await (await fetch(`${restUrl}/chain-info.json`)).json(), info);
    assert.equal((await fetch(`${restUrl}/status`)).status, 404);
  });

  test("bad input: 400 with code 3; unknown things: 404 with code 5", async () => {
    const cases: [string, number, number, RegExp][] = [
      [`/cosmos/bank/v1beta1/balances/cif1notanaddress`, 400, 3, /invalid account address/],
      [`/cosmos/bank/v1beta1/balances/${from.replace(/^cif/, "cosmos")}`, 400, 3, /invalid account address/],
      [`/cosmos/staking/v1beta1/validators/${from}`, 400, 3, /invalid validator address.*prefix/],
      ["/cosmos/base/tendermint/v1beta1/blocks/abc", 400, 3, /positive integer/],
      ["/cosmos/base/tendermint/v1beta1/blocks/0", 400, 3, /greater than 0/],
      ["/cosmos/base/tendermint/v1beta1/blocks/99999999999", 400, 3, /bigger than the chain length/],
      ["/cosmos/tx/v1beta1/txs/abc", 400, 3, /64 hex/],
      [`/cosmos/tx/v1beta1/txs/${"0".repeat(64)}`, 404, 5, /tx not found/],
      ["/cosmos/tx/v1beta1/txs", 400, 3, /query cannot be empty/],
      [
        "/cosmos/tx/v1beta1/txs?query=a%3D%3D",
        400,
        3,
        /offset 2: expected a quoted string, number, TIME or DATE after =/,
      ],
      ["/cosmos/bank/v1beta1/supply?pagination.limit=x", 400, 3, /unsigned integer/],
      ["/cosmos/bank/v1beta1/supply?foo=1", 400, 3, /unknown query parameter/],
      ["/cosmos/staking/v1beta1/validators?status=NOPE", 400, 3, /invalid validator status/],
      [`/cosmos/auth/v1beta1/accounts/${toBech32("cif", new Uint8Array(20).fill(9))}`, 404, 5, /not found/],
      ["/cosmos/nothing/here", 404, 5, /no Cosmos REST route/],
      ["/cifer/fl/v1/create_task", 404, 5, /has no method "create_task"/],
      ["/cifer/nope/v1/params", 404, 5, /no cifer module/],
      ["/cifer/fl/v1/task?task_id=abc", 400, 3, /task_id must be an unsigned integer/],
      ["/cifer/fl/v1/task?task_id=999", 404, 5, /does not exist/],
    ];
    for (const [path, status, code, message] of cases) {
      const r = await rest(path);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, path);
      assert.match(r.body.message, message, path);
      assert.deepEqual(r.body.details, [], path);
    }
    const bad = await rest("/cosmos/tx/v1beta1/txs", { method: "POST", body: "{nope" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 3);
    const big = await rest("/cosmos/tx/v1beta1/txs", {
      method: "POST",
      body: JSON.stringify({ tx_bytes: "A".repeat(1_600_000) }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 3);
    // The node is unharmed.
    assert.equal((await rest("/cosmos/base/tendermint/v1beta1/syncing")).status, 200);
  });
});
