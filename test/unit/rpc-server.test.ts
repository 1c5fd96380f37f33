import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { StargateClient } from "@cosmjs/stargate";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block } from "cosmjs-types/tendermint/types/block";
import { type BlockMeta, type Commit, Header } from "cosmjs-types/tendermint/types/types";
import type { TxResult } from "../../chain/app/app.ts";
import { sha256, toHexUpper, utf8 } from "../../chain/crypto/hash.ts";
import type {
  BroadcastResult,
  IndexedTx,
  QueryAnswer,
  RpcBackend,
  SyncView,
  TxSearchPage,
} from "../../chain/rpc/backend.ts";
import { startRpcServer, type RpcServer } from "../../chain/rpc/server.ts";
import {
  BlockIDFlag,
  blockId,
  commitHash,
  consensusParamsHash,
  dataHash,
  emptyBlockId,
  resultsHash,
  type Validator,
  validatorsHash,
} from "../../chain/types/block.ts";
import type { JsonObject } from "../../chain/types/json.ts";

// ------------------------------------------------------------------ an in-memory chain of 3 blocks

const CHAIN_ID = "cifer-test-1";
const valPub = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const valAddr = sha256(valPub).slice(0, 20);
const validator: Validator = { address: valAddr, pubKey: valPub, votingPower: 10n };
const validator2: Validator = {
  address: sha256(Uint8Array.from({ length: 32 }, (_, i) => 100 + i)).slice(0, 20),
  pubKey: Uint8Array.from({ length: 32 }, (_, i) => 100 + i),
  votingPower: 5n,
};
const vals = [validator, validator2];
const mkTx = (n: number) => Uint8Array.from([0x0a, 0x04, n, n, n, n, 0x12, 0x00]);
const TXS: Uint8Array[][] = [[], [mkTx(1), mkTx(2)], [mkTx(3)]];
const BASE_TIME = 1_700_000_000n;

function execResult(tx: Uint8Array, i: number): ExecTxResult {
  return ExecTxResult.fromPartial({
    code: i === 1 ? 5 : 0,
    codespace: i === 1 ? "sdk" : "",
    log: i === 1 ? "insufficient funds" : "",
    data: TxMsgData.encode(
      TxMsgData.fromPartial({
        msgResponses: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: Uint8Array.from([tx[2]!]) }],
      }),
    ).finish(),
    gasWanted: 200_000n,
    gasUsed: 80_000n + BigInt(i),
    events: [
      {
        type: "message",
        attributes: [
          { key: "action", value: "/cosmos.bank.v1beta1.MsgSend", index: true },
          { key: "sender", value: "cif1xyz", index: false },
        ],
      },
    ],
  });
}

interface Stored {
  block: Block;
  meta: BlockMeta;
  commit: Commit;
  results: ResponseFinalizeBlock;
}
const chain: Stored[] = [];
const indexed: IndexedTx[] = [];
for (let h = 1; h <= 3; h++) {
  const txs = TXS[h - 1]!;
  const prev = chain[h - 2];
  const results = ResponseFinalizeBlock.fromPartial({
    txResults: txs.map(execResult),
    events:
      h === 2 ? [{ type: "coin_spent", attributes: [{ key: "amount", value: "5ucif", index: true }] }] : [],
    validatorUpdates: h === 3 ? [{ pubKey: { ed25519: valPub }, power: 11n }] : [],
    consensusParamUpdates:
      h === 3
        ? {
            block: { maxBytes: 22020096n, maxGas: -1n },
            evidence: {
              maxAgeNumBlocks: 100000n,
              maxAgeDuration: { seconds: 172800n, nanos: 0 },
              maxBytes: 1048576n,
            },
          }
        : undefined,
    appHash: sha256(utf8(`app${h}`)),
  });
  const header = Header.fromPartial({
    version: { block: 11n, app: 0n },
    chainId: CHAIN_ID,
    height: BigInt(h),
    time: { seconds: BASE_TIME + BigInt(h), nanos: 123_456_789 },
    lastBlockId: prev ? prev.meta.blockId : emptyBlockId(),
    lastCommitHash: commitHash(prev?.commit),
    dataHash: dataHash(txs),
    validatorsHash: validatorsHash(vals),
    nextValidatorsHash: validatorsHash(vals),
    consensusHash: consensusParamsHash(22020096n, -1n),
    appHash: sha256(utf8(`app${h - 1}`)),
    lastResultsHash: resultsHash(prev?.results.txResults ?? []),
    evidenceHash: sha256(),
    proposerAddress: valAddr,
  });
  const block = Block.fromPartial({
    header,
    data: { txs },
    evidence: { evidence: [] },
    lastCommit: prev?.commit,
  });
  const bytes = Block.encode(block).finish();
  const id = blockId(header, bytes);
  const commit: Commit = {
    height: BigInt(h),
    round: 0,
    blockId: id,
    signatures: [
      {
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
        validatorAddress: valAddr,
        timestamp: { seconds: BASE_TIME + BigInt(h), nanos: 500 },
        signature: new Uint8Array(64).fill(h),
      },
      {
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
        validatorAddress: new Uint8Array(),
        timestamp: { seconds: -62135596800n, nanos: 0 },
        signature: new Uint8Array(),
      },
    ],
  };
  const meta: BlockMeta = {
    blockId: id,
    blockSize: BigInt(bytes.length),
    header,
    numTxs: BigInt(txs.length),
  };
  chain.push({ block, meta, commit, results });
  txs.forEach((tx, index) => {
    indexed.push({ hash: sha256(tx), height: BigInt(h), index, tx, result: results.txResults[index]! });
  });
}

const latest = chain[2]!;
const genesisDoc: JsonObject = {
  genesis_time: "2023-11-14T22:13:20.000000001Z",
  chain_id: CHAIN_ID,
  initial_height: "1",
  consensus_params: {
    block: { max_bytes: "22020096", max_gas: "-1" },
    evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
    validator: { pub_key_types: ["ed25519"] },
    version: { app: "0" },
  },
  validators: [
    {
      address: toHexUpper(valAddr),
      pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(valPub).toString("base64") },
      power: "10",
      name: "val0",
    },
  ],
  app_hash: "",
  app_state: { bank: { balances: [] } },
};

class TxQueryError extends Error {
  override name = "TxQueryError";
}

const COMMITTED_HEIGHT = 4n;
const COMMITTED_DATA = TxMsgData.encode(
  TxMsgData.fromPartial({
    msgResponses: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: new Uint8Array() }],
  }),
).finish();
const broadcasted: Uint8Array[] = [];

/** A broadcast tx that passed CheckTx is "committed" at height 4, except those starting 0xee. */
function committedTx(hash: Uint8Array): IndexedTx | undefined {
  const tx = broadcasted.find((t) => toHexUpper(sha256(t)) === toHexUpper(hash));
  if (!tx || tx[0] === 0xee || checkResult(tx).code !== 0) return undefined;
  return {
    hash: sha256(tx),
    height: COMMITTED_HEIGHT,
    index: 0,
    tx,
    result: ExecTxResult.fromPartial({
      code: 0,
      gasWanted: 100_000n,
      gasUsed: 61_000n,
      data: COMMITTED_DATA,
    }),
  };
}
const BALANCE = QueryBalanceResponse.encode({ balance: { denom: "ucif", amount: "1234" } }).finish();

function checkResult(tx: Uint8Array): TxResult {
  if (tx[0] === 0xff) {
    return {
      code: 13,
      codespace: "sdk",
      log: "insufficient fee",
      data: new Uint8Array(),
      gasWanted: 0n,
      gasUsed: 0n,
      events: [],
    };
  }
  return {
    code: 0,
    codespace: "",
    log: "",
    data: new Uint8Array(),
    gasWanted: 100_000n,
    gasUsed: 42_000n,
    events: [{ type: "tx", attributes: [{ key: "fee", value: "100ucif", index: true }] }],
  };
}

const backend: RpcBackend = {
  nodeInfo: () => ({
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
    listenAddr: "tcp://0.0.0.0:26656",
    network: CHAIN_ID,
    moniker: "node0",
    rpcAddress: "tcp://127.0.0.1:26657",
  }),
  validatorInfo: () => ({ address: valAddr, pubKey: valPub, votingPower: 10n }),
  sync: async (): Promise<SyncView> => ({
    latestHeight: 3n,
    latestBlockHash: latest.meta.blockId.hash,
    latestAppHash: latest.meta.header.appHash,
    latestBlockTime: latest.meta.header.time,
    earliestHeight: 1n,
    earliestBlockHash: chain[0]!.meta.blockId.hash,
    earliestAppHash: chain[0]!.meta.header.appHash,
    earliestBlockTime: chain[0]!.meta.header.time,
    catchingUp: false,
  }),
  genesis: () => genesisDoc,
  chainId: () => CHAIN_ID,
  baseHeight: () => 1n,
  latestHeight: () => 3n,
  block: async (h) => chain[Number(h) - 1]?.block,
  blockMeta: async (h) => chain[Number(h) - 1]?.meta,
  heightOfHash: async (hash) =>
    chain.find((c) => toHexUpper(c.meta.blockId.hash) === toHexUpper(hash))?.meta.header.height,
  commit: async (h) => chain[Number(h) - 1]?.commit,
  blockResults: async (h) => chain[Number(h) - 1]?.results,
  validators: async (h) =>
    h >= 1n && h <= 4n
      ? vals.map((validator, i) => ({ validator, proposerPriority: BigInt(i * 7 - 5) }))
      : undefined,
  tx: async (hash) => indexed.find((t) => toHexUpper(t.hash) === toHexUpper(hash)),
  searchTxs: async (query, page, perPage, order): Promise<TxSearchPage> => {
    const byHeight = /^tx\.height\s*=\s*(\d+)$/.exec(query);
    const byHash = /^tx\.hash\s*=\s*'([0-9A-Fa-f]+)'$/.exec(query);
    let found: IndexedTx[];
    if (byHeight) found = indexed.filter((t) => t.height === BigInt(byHeight[1]!));
    else if (byHash) {
      found = indexed.filter((t) => toHexUpper(t.hash) === byHash[1]!.toUpperCase());
      const c = committedTx(Buffer.from(byHash[1]!, "hex"));
      if (c) found.push(c);
    } else if (/^message\.action\s*=\s*'[^']*'$/.test(query)) found = [...indexed];
    else throw new TxQueryError(`failed to parse query ${JSON.stringify(query)}`);
    if (order === "desc") found.reverse();
    return { total: found.length, txs: found.slice((page - 1) * perPage, page * perPage) };
  },
  broadcastTx: async (tx): Promise<BroadcastResult> => {
    broadcasted.push(tx);
    return { ...checkResult(tx), hash: sha256(tx) };
  },
  waitForTx: async (hash) => committedTx(hash),
  abciQuery: async (path, data, height): Promise<QueryAnswer> => {
    if (path === "/cosmos.bank.v1beta1.Query/Balance") {
      return { code: 0, codespace: "", log: "", value: BALANCE, height: height || 3n };
    }
    if (path === "/cosmos.auth.v1beta1.Query/Account") {
      return {
        code: 22,
        codespace: "sdk",
        log: "rpc error: code = NotFound desc = account cif1abc not found: key not found",
        value: new Uint8Array(),
        height: 3n,
      };
    }
    return {
      code: 0,
      codespace: "",
      log: "",
      value: Uint8Array.from([...data].reverse()),
      height: height || 3n,
    };
  },
  abciInfo: () => ({
    data: "cifer",
    version: "0.1.0",
    appVersion: 1n,
    lastBlockHeight: 3n,
    lastBlockAppHash: sha256(utf8("app3")),
  }),
  mempool: () => ({ count: 2, bytes: 300, txs: (limit: number) => [mkTx(7), mkTx(8)].slice(0, limit) }),
  peers: () => [
    { nodeId: "ffeeddccbbaa99887766554433221100ffeeddcc", remoteIp: "10.0.0.2", moniker: "node1" },
  ],
  onCommit: () => () => {},
};

// ------------------------------------------------------------------ helpers

/** Raw JSON-RPC answers, inspected field by field in the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type AnyJson = any;

let server: RpcServer;
let client: Comet38Client;

async function post(
  body: string,
  srv: RpcServer = server,
): Promise<{ status: number; text: string; json: AnyJson }> {
  const res = await fetch(srv.address, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

async function get(
  path: string,
  srv: RpcServer = server,
): Promise<{ status: number; json: AnyJson; headers: Headers }> {
  const res = await fetch(`${srv.address}${path}`);
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const rpc = (method: string, params?: unknown, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

before(async () => {
  server = await startRpcServer(backend, { port: 0, maxBodyBytes: 64 * 1024 });
  client = await Comet38Client.connect(server.address);
});

after(async () => {
  client.disconnect();
  await server.close();
});

// ------------------------------------------------------------------ CosmJS client

describe("Comet38Client against the RPC server", () => {
  test("health, status, abci_info", async () => {
    assert.equal(await client.health(), null);
    const s = await client.status();
    assert.equal(s.nodeInfo.network, CHAIN_ID);
    assert.equal(s.nodeInfo.version, "0.38.17");
    assert.equal(s.nodeInfo.moniker, "node0");
    assert.deepEqual(s.nodeInfo.protocolVersion, { p2p: 8, block: 11, app: 1 });
    assert.equal(s.nodeInfo.other.get("tx_index"), "on");
    assert.equal(s.syncInfo.latestBlockHeight, 3);
    assert.deepEqual(s.syncInfo.latestBlockHash, latest.meta.blockId.hash);
    assert.deepEqual(s.syncInfo.latestAppHash, latest.meta.header.appHash);
    assert.equal(
      s.syncInfo.latestBlockTime.toISOString(),
      new Date(Number(BASE_TIME + 3n) * 1000 + 123).toISOString(),
    );
    assert.equal((s.syncInfo.latestBlockTime as { nanoseconds?: number }).nanoseconds, 456_789);
    assert.equal(s.syncInfo.earliestBlockHeight, 1);
    assert.equal(s.syncInfo.catchingUp, false);
    assert.deepEqual(s.validatorInfo.address, valAddr);
    assert.deepEqual(s.validatorInfo.pubkey, { algorithm: "ed25519", data: valPub });
    assert.equal(s.validatorInfo.votingPower, 10n);

    const info = await client.abciInfo();
    assert.equal(info.data, "cifer");
    assert.equal(info.lastBlockHeight, 3);
    assert.deepEqual(info.lastBlockAppHash, sha256(utf8("app3")));
  });

  test("block: latest, by height, height 1 without last commit", async () => {
    const b = await client.block();
    assert.equal(b.block.header.height, 3);
    assert.deepEqual(b.blockId.hash, latest.meta.blockId.hash);
    assert.equal(b.blockId.parts.total, 1);
    assert.deepEqual(b.blockId.parts.hash, latest.meta.blockId.partSetHeader.hash);
    assert.deepEqual(b.block.txs, TXS[2]);

    const b2 = await client.block(2);
    const h = b2.block.header;
    const want = chain[1]!.meta.header;
    assert.equal(h.chainId, CHAIN_ID);
    assert.deepEqual(h.version, { block: 11, app: 0 });
    assert.deepEqual(h.lastBlockId?.hash, chain[0]!.meta.blockId.hash);
    for (const k of [
      "lastCommitHash",
      "dataHash",
      "validatorsHash",
      "nextValidatorsHash",
      "consensusHash",
      "appHash",
      "lastResultsHash",
      "evidenceHash",
      "proposerAddress",
    ] as const) {
      assert.deepEqual(h[k], want[k], k);
    }
    assert.deepEqual(b2.block.txs, TXS[1]);
    assert.equal(b2.block.lastCommit?.height, 1);
    assert.deepEqual(b2.block.lastCommit?.blockId.hash, chain[0]!.meta.blockId.hash);
    assert.equal(b2.block.lastCommit?.signatures.length, 2);
    assert.deepEqual(b2.block.lastCommit?.signatures[0]?.signature, new Uint8Array(64).fill(1));
    assert.equal(b2.block.lastCommit?.signatures[1]?.blockIdFlag, BlockIDFlag.BLOCK_ID_FLAG_ABSENT);
    assert.equal(b2.block.lastCommit?.signatures[1]?.signature, undefined);

    const b1 = await client.block(1);
    assert.equal(b1.block.lastCommit, null);
    assert.equal(b1.block.header.lastBlockId, null);
    assert.deepEqual(b1.block.txs, []);
  });

  test("block_results", async () => {
    const r2 = await client.blockResults(2);
    assert.equal(r2.height, 2);
    assert.equal(r2.results.length, 2);
    assert.equal(r2.results[1]!.code, 5);
    assert.equal(r2.results[1]!.codespace, "sdk");
    assert.equal(r2.results[1]!.log, "insufficient funds");
    assert.equal(r2.results[0]!.gasWanted, 200_000n);
    assert.equal(r2.results[0]!.gasUsed, 80_000n);
    assert.deepEqual(r2.results[0]!.data, chain[1]!.results.txResults[0]!.data);
    assert.deepEqual(r2.results[0]!.events[0], {
      type: "message",
      attributes: [
        { key: "action", value: "/cosmos.bank.v1beta1.MsgSend" },
        { key: "sender", value: "cif1xyz" },
      ],
    });
    assert.deepEqual(r2.finalizeBlockEvents, [
      { type: "coin_spent", attributes: [{ key: "amount", value: "5ucif" }] },
    ]);
    assert.deepEqual(r2.validatorUpdates, []);

    const r1 = await client.blockResults(1);
    assert.deepEqual(r1.results, []);
    const r3 = await client.blockResults();
    assert.equal(r3.height, 3);
    assert.deepEqual(r3.validatorUpdates, [
      { pubkey: { algorithm: "ed25519", data: valPub }, votingPower: 11n },
    ]);
    assert.deepEqual(r3.consensusUpdates?.block, { maxBytes: 22020096, maxGas: -1 });
    assert.deepEqual(r3.consensusUpdates?.evidence, {
      maxAgeNumBlocks: 100000,
      maxAgeDuration: 172800000000000,
    });
  });

  test("blockchain", async () => {
    const bc = await client.blockchain(1, 3);
    assert.equal(bc.lastHeight, 3);
    assert.deepEqual(
      bc.blockMetas.map((m) => m.header.height),
      [3, 2, 1],
    );
    assert.deepEqual(bc.blockMetas[0]!.blockId.hash, latest.meta.blockId.hash);
    assert.equal(bc.blockMetas[1]!.numTxs, 2);
    assert.equal(bc.blockMetas[1]!.blockSize, Number(chain[1]!.meta.blockSize));
    const all = await client.blockchain();
    assert.equal(all.blockMetas.length, 3);
  });

  test("commit", async () => {
    const c = await client.commit(2);
    assert.equal(c.canonical, true);
    assert.equal(c.header.height, 2);
    assert.equal(c.commit.height, 2);
    assert.equal(c.commit.round, 0);
    assert.deepEqual(c.commit.blockId.hash, chain[1]!.meta.blockId.hash);
    assert.deepEqual(c.commit.signatures[0]!.validatorAddress, valAddr);
    assert.equal(c.commit.signatures[0]!.timestamp?.nanoseconds, 500);
    const l = await client.commit();
    assert.equal(l.header.height, 3);
    assert.equal(l.canonical, false);
  });

  test("validators", async () => {
    const v = await client.validators({ height: 2 });
    assert.equal(v.blockHeight, 2);
    assert.equal(v.total, 2);
    assert.equal(v.count, 2);
    assert.deepEqual(v.validators[0]!.address, valAddr);
    assert.deepEqual(v.validators[0]!.pubkey, { algorithm: "ed25519", data: valPub });
    assert.equal(v.validators[0]!.votingPower, 10n);
    assert.deepEqual(
      v.validators.map((x) => x.proposerPriority),
      [-5, 2],
    );
    const paged = await client.validators({ height: 2, page: 2, per_page: 1 });
    assert.equal(paged.count, 1);
    assert.deepEqual(paged.validators[0]!.address, validator2.address);
    const all = await client.validatorsAll();
    assert.equal(all.blockHeight, 4);
    assert.equal(all.validators.length, 2);
  });

  test("genesis", async () => {
    const g = await client.genesis();
    assert.equal(g.chainId, CHAIN_ID);
    assert.equal(g.genesisTime.toISOString(), "2023-11-14T22:13:20.000Z");
    assert.deepEqual(g.consensusParams.block, { maxBytes: 22020096, maxGas: -1 });
    assert.deepEqual(g.validators[0]!.address, valAddr);
    assert.equal(g.validators[0]!.votingPower, 10n);
    assert.deepEqual(g.appState, { bank: { balances: [] } });
  });

  test("abci_query", async () => {
    const q = await client.abciQuery({
      path: "/cifer.fl.v1.Query/Task",
      data: Uint8Array.from([1, 2, 3]),
    });
    assert.equal(q.code, 0);
    assert.deepEqual(q.value, Uint8Array.from([3, 2, 1]));
    assert.equal(q.height, 3);
    assert.equal(q.proof, undefined);
    const at = await client.abciQuery({ path: "/x", data: Uint8Array.from([9]), height: 2 });
    assert.equal(at.height, 2);
    const missing = await client.abciQuery({
      path: "/cosmos.auth.v1beta1.Query/Account",
      data: Uint8Array.from([1]),
    });
    assert.equal(missing.code, 22);
    assert.equal(missing.codespace, "sdk");
    assert.match(missing.log ?? "", /rpc error: code = NotFound/);
  });

  test("tx, with and without proof, and not found", async () => {
    const want = indexed[1]!;
    const t = await client.tx({ hash: want.hash });
    assert.deepEqual(t.hash, want.hash);
    assert.equal(t.height, 2);
    assert.equal(t.index, 1);
    assert.deepEqual(t.tx, want.tx);
    assert.equal(t.result.code, 5);
    assert.equal(t.result.gasUsed, 80_001n);
    assert.equal(t.proof, undefined);

    const p = await client.tx({ hash: want.hash, prove: true });
    assert.ok(p.proof);
    assert.deepEqual(p.proof.rootHash, chain[1]!.meta.header.dataHash);
    assert.deepEqual(p.proof.data, want.tx);
    assert.equal(p.proof.proof.total, 2);
    assert.equal(p.proof.proof.index, 1);
    assert.equal(p.proof.proof.aunts.length, 1);
    // Recompute the root from the proof: inner(aunt, leaf) for the right-hand leaf.
    const inner = sha256(Uint8Array.from([1]), p.proof.proof.aunts[0]!, p.proof.proof.leafHash);
    assert.deepEqual(inner, p.proof.rootHash);

    await assert.rejects(client.tx({ hash: new Uint8Array(32) }), (e: Error) => {
      assert.match(e.message, /-32603/);
      assert.match(e.message, new RegExp(`tx \\(${"00".repeat(32)}\\) not found`));
      return true;
    });
  });

  test("tx_search", async () => {
    const r = await client.txSearch({ query: "tx.height=2" });
    assert.equal(r.totalCount, 2);
    assert.deepEqual(
      r.txs.map((t) => t.index),
      [0, 1],
    );
    assert.deepEqual(r.txs[0]!.hash, indexed[0]!.hash);
    const byHash = await client.txSearch({ query: `tx.hash='${toHexUpper(indexed[2]!.hash)}'` });
    assert.equal(byHash.totalCount, 1);
    assert.equal(byHash.txs[0]!.height, 3);
    const desc = await client.txSearch({
      query: "message.action='send'",
      order_by: "desc",
      per_page: 2,
      page: 1,
    });
    assert.equal(desc.totalCount, 3);
    assert.equal(desc.txs.length, 2);
    assert.equal(desc.txs[0]!.height, 3);
    const all = await client.txSearchAll({ query: "message.action='send'", per_page: 1 });
    assert.equal(all.txs.length, 3);
    const none = await client.txSearch({ query: "tx.height=99" });
    assert.equal(none.totalCount, 0);
    assert.deepEqual(none.txs, []);
    await assert.rejects(client.txSearch({ query: "tx.height>>" }), /failed to parse query/);
    await assert.rejects(
      client.txSearch({ query: "tx.height=2", page: 5 }),
      /page should be within \[1, 1\] range, given 5/,
    );
  });

  test("broadcast_tx_sync / async / commit", async () => {
    const good = Uint8Array.from([0x0a, 0x01, 0x42]);
    const s = await client.broadcastTxSync({ tx: good });
    assert.equal(s.code, 0);
    assert.deepEqual(s.hash, sha256(good));
    assert.equal(s.gasWanted, 0n); // broadcast_tx_sync carries no gas, as in CometBFT

    const bad = Uint8Array.from([0xff, 0x01]);
    const sb = await client.broadcastTxSync({ tx: bad });
    assert.equal(sb.code, 13);
    assert.equal(sb.codespace, "sdk");
    assert.equal(sb.log, "insufficient fee");

    const a = await client.broadcastTxAsync({ tx: Uint8Array.from([0x0a, 0x02]) });
    assert.deepEqual(a.hash, sha256(Uint8Array.from([0x0a, 0x02])));

    const c = await client.broadcastTxCommit({ tx: Uint8Array.from([0x0a, 0x03]) });
    assert.equal(c.height, Number(COMMITTED_HEIGHT));
    assert.equal(c.checkTx.code, 0);
    assert.equal(c.checkTx.gasWanted, 100_000n);
    assert.equal(c.checkTx.events[0]!.type, "tx");
    assert.equal(c.txResult?.code, 0);
    assert.equal(c.txResult?.gasUsed, 61_000n);
    assert.deepEqual(c.txResult?.data, COMMITTED_DATA);

    const cf = await client.broadcastTxCommit({ tx: Uint8Array.from([0xff, 0x03]) });
    assert.equal(cf.height, 0);
    assert.equal(cf.checkTx.code, 13);
    assert.equal(cf.txResult?.code, 0);

    await assert.rejects(
      client.broadcastTxCommit({ tx: Uint8Array.from([0xee, 0x01]) }),
      /timed out waiting for tx to be included in a block/,
    );
  });

  test("num_unconfirmed_txs", async () => {
    const n = await client.numUnconfirmedTxs();
    assert.equal(n.total, 2);
    assert.equal(n.totalBytes, 300);
  });
});

// ------------------------------------------------------------------ StargateClient (auto-detects the version)

describe("StargateClient against the RPC server", () => {
  let sg: StargateClient;
  before(async () => {
    sg = await StargateClient.connect(server.address);
  });
  after(() => sg.disconnect());

  test("chain id, height, block", async () => {
    assert.equal(await sg.getChainId(), CHAIN_ID);
    assert.equal(await sg.getHeight(), 3);
    const b = await sg.getBlock(2);
    assert.equal(b.id, toHexUpper(chain[1]!.meta.blockId.hash));
    assert.equal(b.header.height, 2);
    assert.equal(b.header.time, "2023-11-14T22:13:22.123456789Z");
    assert.deepEqual(b.txs, TXS[1]);
  });

  test("balance and missing account", async () => {
    assert.deepEqual(await sg.getBalance("cif1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn7hzdtn", "ucif"), {
      denom: "ucif",
      amount: "1234",
    });
    assert.equal(await sg.getAccount("cif1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn7hzdtn"), null);
  });

  test("getTx, searchTx, broadcastTx", async () => {
    const t = await sg.getTx(toHexUpper(indexed[0]!.hash));
    assert.ok(t);
    assert.equal(t.height, 2);
    assert.equal(t.txIndex, 0);
    assert.equal(t.code, 0);
    assert.equal(t.msgResponses[0]!.typeUrl, "/cosmos.bank.v1beta1.MsgSendResponse");
    assert.equal(t.events[0]!.type, "message");
    assert.equal(await sg.getTx("00".repeat(32)), null);
    const found = await sg.searchTx("tx.height=2");
    assert.equal(found.length, 2);
    assert.equal(found[1]!.code, 5);

    const tx = Uint8Array.from([0x0a, 0x05, 0x77]);
    const res = await sg.broadcastTx(tx, 10_000, 1);
    assert.equal(res.code, 0);
    assert.equal(res.height, Number(COMMITTED_HEIGHT));
    assert.equal(res.transactionHash, toHexUpper(sha256(tx)));
  });
});

// ------------------------------------------------------------------ raw JSON-RPC and URI transport

describe("JSON-RPC transport", () => {
  test("invalid JSON is a parse error with HTTP 200", async () => {
    const r = await post("{not json");
    assert.equal(r.status, 200);
    assert.equal(r.json.jsonrpc, "2.0");
    assert.equal(r.json.id, null);
    assert.equal(r.json.error.code, -32700);
    assert.equal(r.json.error.message, "Parse error. Invalid JSON");
    assert.equal(typeof r.json.error.data, "string");
  });

  test("unknown method, websocket-only method", async () => {
    const r = await post(rpc("no_such_method", {}, "abc"));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      jsonrpc: "2.0",
      id: "abc",
      error: { code: -32601, message: "Method not found" },
    });
    const s = await post(rpc("subscribe", { query: "tm.event='NewBlock'" }, 7));
    assert.equal(s.json.error.code, -32601);
  });

  test("invalid requests", async () => {
    const noMethod = await post(JSON.stringify({ jsonrpc: "2.0", id: 3 }));
    assert.equal(noMethod.json.error.code, -32600);
    assert.equal(noMethod.json.id, 3);
    const badId = await post(JSON.stringify({ jsonrpc: "2.0", id: { x: 1 }, method: "health" }));
    assert.equal(badId.json.error.code, -32600);
    const scalar = await post("42");
    assert.equal(scalar.json.error.code, -32600);
    const badVersion = await post(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "health" }));
    assert.equal(badVersion.json.error.code, -32600);
  });

  test("bad params are -32602 with data", async () => {
    const r = await post(rpc("block", { height: "abc" }, 5));
    assert.equal(r.status, 200);
    assert.equal(r.json.id, 5);
    assert.equal(r.json.error.code, -32602);
    assert.equal(r.json.error.message, "Invalid params");
    assert.match(r.json.error.data, /height/);
    const b64 = await post(rpc("broadcast_tx_sync", { tx: "***" }));
    assert.equal(b64.json.error.code, -32602);
    const tooMany = await post(rpc("block", ["1", "2"]));
    assert.equal(tooMany.json.error.code, -32602);
    const missing = await post(rpc("tx", {}));
    assert.equal(missing.json.error.code, -32602);
    const wrongType = await post(rpc("abci_query", { path: 5 }));
    assert.equal(wrongType.json.error.code, -32602);
  });

  test("handler errors are -32603 with CometBFT's messages", async () => {
    const above = await post(rpc("block", { height: "9" }));
    assert.deepEqual(above.json.error, {
      code: -32603,
      message: "Internal error",
      data: "height 9 must be less than or equal to the current blockchain height 3",
    });
    const zero = await post(rpc("block", { height: "0" }));
    assert.equal(zero.json.error.data, "height must be greater than 0, but got 0");
    const order = await post(rpc("tx_search", { query: "tx.height=2", order_by: "sideways" }));
    assert.equal(order.json.error.code, -32603);
  });

  test("positional params and numeric heights", async () => {
    const r = await post(rpc("block", ["2"], 11));
    assert.equal(r.json.id, 11);
    assert.equal(r.json.result.block.header.height, "2");
    const n = await post(rpc("block", { height: 2 }));
    assert.equal(n.json.result.block.header.height, "2");
    const unknownParam = await post(rpc("block", { height: "1", bogus: true }));
    assert.equal(unknownParam.json.result.block.header.height, "1");
  });

  test("exact shapes of a few results", async () => {
    const b = (await post(rpc("block", { height: "1" }))).json.result;
    assert.deepEqual(b.block.last_commit, {
      height: "0",
      round: 0,
      block_id: { hash: "", parts: { total: 0, hash: "" } },
      signatures: [],
    });
    assert.deepEqual(b.block.header.version, { block: "11", app: "0" });
    assert.equal(b.block.header.time, "2023-11-14T22:13:21.123456789Z");
    assert.equal(b.block.header.proposer_address, toHexUpper(valAddr));
    assert.deepEqual(b.block.data, { txs: [] });
    assert.deepEqual(b.block.evidence, { evidence: [] });

    const c = (await post(rpc("commit", { height: "2" }))).json.result;
    assert.deepEqual(c.signed_header.commit.signatures[1], {
      block_id_flag: 1,
      validator_address: "",
      timestamp: "0001-01-01T00:00:00Z",
      signature: null,
    });

    const br = (await post(rpc("block_results", { height: "1" }))).json.result;
    assert.equal(br.height, "1");
    assert.equal(br.txs_results, null);
    assert.equal(br.consensus_param_updates, null);

    const t = (await post(rpc("tx", { hash: Buffer.from(indexed[0]!.hash).toString("base64") }))).json.result;
    assert.deepEqual(Object.keys(t), ["hash", "height", "index", "tx_result", "tx"]);
    assert.equal(t.index, 0);
    assert.equal(t.height, "2");
    assert.deepEqual(t.tx_result.events[0].attributes[0], {
      key: "action",
      value: "/cosmos.bank.v1beta1.MsgSend",
      index: true,
    });

    const q = (await post(rpc("abci_query", { path: "/p", data: "0102" }))).json.result.response;
    assert.deepEqual(q, {
      code: 0,
      log: "",
      info: "",
      index: "0",
      key: null,
      value: "AgE=",
      proofOps: null,
      height: "3",
      codespace: "",
    });

    const st = (await post(rpc("status"))).json.result;
    assert.deepEqual(st.node_info.protocol_version, { p2p: "8", block: "11", app: "1" });
    assert.equal(st.node_info.channels, "40202122233038606100");
    assert.equal(st.sync_info.latest_block_height, "3");
    assert.equal(st.validator_info.pub_key.type, "tendermint/PubKeyEd25519");

    const ni = (await post(rpc("net_info"))).json.result;
    assert.equal(ni.listening, true);
    assert.equal(ni.n_peers, "1");
    assert.equal(ni.peers[0].remote_ip, "10.0.0.2");

    const ut = (await post(rpc("unconfirmed_txs", { limit: "1" }))).json.result;
    assert.deepEqual(ut, {
      n_txs: "1",
      total: "2",
      total_bytes: "300",
      txs: [Buffer.from(mkTx(7)).toString("base64")],
    });
  });

  test("batches and notifications", async () => {
    const r = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "health" },
        { jsonrpc: "2.0", method: "health" },
        { jsonrpc: "2.0", id: "two", method: "block", params: { height: "2" } },
        { jsonrpc: "2.0", id: 3, method: "nope" },
      ]),
    );
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json));
    assert.deepEqual(
      r.json.map((x: AnyJson) => x.id),
      [1, "two", 3],
    );
    assert.deepEqual(r.json[0].result, {});
    assert.equal(r.json[1].result.block.header.height, "2");
    assert.equal(r.json[2].error.code, -32601);

    const single = await post(rpc("health", undefined, 0));
    assert.deepEqual(single.json, { jsonrpc: "2.0", id: 0, result: {} });

    const notification = await post(JSON.stringify({ jsonrpc: "2.0", method: "health" }));
    assert.equal(notification.status, 200);
    assert.equal(notification.text, "");

    const empty = await post("[]");
    assert.equal(empty.json.error.code, -32600);
    const tooBig = await post(
      JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "health" }))),
    );
    assert.equal(tooBig.status, 200);
    assert.equal(tooBig.json.error.code, -32600);
    assert.match(tooBig.json.error.data, /limit of 10/);
  });

  test("oversized body is a clean error and the server keeps serving", async () => {
    const big = rpc("broadcast_tx_sync", { tx: Buffer.alloc(100 * 1024).toString("base64") });
    const r = await post(big);
    assert.equal(r.status, 200);
    assert.equal(r.json.error.code, -32600);
    assert.match(r.json.error.data, /too large/);
    const again = await post(rpc("health"));
    assert.deepEqual(again.json.result, {});
  });

  test("empty POST and GET / list the endpoints", async () => {
    for (const res of [await fetch(server.address), await fetch(server.address, { method: "POST" })]) {
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /Available endpoints/);
      assert.match(html, /\/block\?height=_/);
      assert.match(html, /\/tx_search\?query=_&amp;prove=_|\/tx_search\?query=_&prove=_/);
    }
  });

  test("GET /<method>?args (URI transport)", async () => {
    const b = await get("/block?height=2");
    assert.equal(b.status, 200);
    assert.equal(b.json.id, -1);
    assert.equal(b.json.result.block.header.height, "2");
    const quoted = await get('/block?height="1"');
    assert.equal(quoted.json.result.block.header.height, "1");

    const t = await get(`/tx?hash=0x${toHexUpper(indexed[0]!.hash)}`);
    assert.equal(t.json.result.height, "2");
    const ts = await get(
      `/tx_search?query=${encodeURIComponent('"tx.height=2"')}&page=1&per_page=30&order_by="asc"`,
    );
    assert.equal(ts.json.result.total_count, "2");
    const q = await get(
      `/abci_query?path=${encodeURIComponent('"/cosmos.bank.v1beta1.Query/Balance"')}&data=0x0a0b`,
    );
    assert.equal(q.json.result.response.value, Buffer.from(BALANCE).toString("base64"));

    const tx = Uint8Array.from([0x0a, 0x09]);
    const bs = await get(`/broadcast_tx_sync?tx=0x${Buffer.from(tx).toString("hex")}`);
    assert.equal(bs.json.result.hash, toHexUpper(sha256(tx)));
    const bq = await get('/broadcast_tx_sync?tx="hello"');
    assert.equal(bq.json.result.hash, toHexUpper(sha256(utf8("hello"))));

    const bad = await get("/block?height=abc");
    assert.equal(bad.status, 200);
    assert.equal(bad.json.id, -1);
    assert.equal(bad.json.error.code, -32602);
    const unknown = await get("/nope");
    assert.equal(unknown.json.error.code, -32601);
    const notFound = await get("/tx?hash=0x00");
    assert.equal(notFound.json.error.code, -32603);
    assert.equal(notFound.json.error.data, "tx (00) not found");
  });
});

describe("server options", () => {
  test("rate limit answers 429 with a JSON-RPC error body", async () => {
    const limited = await startRpcServer(backend, {
      port: 0,
      rateLimit: { requestsPerSecond: 0.001, burst: 2 },
    });
    try {
      assert.equal((await post(rpc("health"), limited)).status, 200);
      assert.equal((await post(rpc("health"), limited)).status, 200);
      const r = await post(rpc("health"), limited);
      assert.equal(r.status, 429);
      assert.equal(r.json.jsonrpc, "2.0");
      assert.equal(r.json.error.code, -32000);
      assert.match(r.json.error.data, /rate limit/);
    } finally {
      await limited.close();
    }
  });

  test("CORS headers for allowed origins only", async () => {
    const srv = await startRpcServer(backend, { port: 0, corsAllowedOrigins: ["https://app.example"] });
    try {
      const ok = await fetch(`${srv.address}/health`, { headers: { origin: "https://app.example" } });
      assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
      await ok.text();
      const other = await fetch(`${srv.address}/health`, { headers: { origin: "https://evil.example" } });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      await other.text();
      const pre = await fetch(srv.address, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
    } finally {
      await srv.close();
    }
  });
});
