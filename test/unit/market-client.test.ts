/**
 * The client side of the market module in process: every message builder round-trips through the
 * client Registry (the bytes signAndBroadcast sends decode to the same message), one message's bytes
 * against a hand encoding, the query extension's paths and request bytes against a recording
 * QueryClient, a task's provenance read through the fl queries (pages followed, unfinished tasks
 * refused without reading rounds), and the ADR-036 signatures a data owner's server checks.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serializeSignDoc, Secp256k1HdWallet } from "@cosmjs/amino";
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { QueryClient } from "@cosmjs/stargate";
import { ChainError } from "../../chain/app/errors.ts";
import { cidOf } from "../../chain/blobs/cid.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { adr36SignDoc, verifyAccess, verifyAdr36Signature } from "../../client/market/access.ts";
import {
  boughtAccess,
  createdAssetId,
  msgBuyAccess,
  msgCommitEscrowScore,
  msgCreatePortfolio,
  msgDelistAsset,
  msgListAsset,
  msgMintData,
  msgMintModel,
  msgOpenEscrow,
  msgRateReview,
  msgRevealEscrowScore,
  msgReview,
  msgSettleEscrow,
  msgTransferAsset,
  msgUpdateDisclosure,
  openedEscrowId,
} from "../../client/market/msgs.ts";
import { taskModelOf, type TaskRecordQueries } from "../../client/market/provenance.ts";
import { setupMarketExtension } from "../../client/market/query.ts";
import { createCiferRegistry } from "../../client/registry.ts";
import {
  type Participant,
  ParticipantCodec,
  Privacy,
  type Round,
  RoundCodec,
  type Task,
  TaskCodec,
  TaskStatus,
} from "../../modules/fl/proto.ts";
import { MarketCode } from "../../modules/market/errors.ts";
import {
  AssetCodec,
  AssetKind,
  CurveKind,
  encode,
  EscrowStatus,
  MARKET_MSG_TYPES,
  MsgBuyAccessResponse,
  MsgMintDataResponse,
  MsgOpenEscrowResponse,
  QueryAccessRequest,
  QueryAccessResponse,
  QueryAssetResponse,
  QueryAssetsRequest,
  QueryAssetsResponse,
  QueryEscrowsRequest,
  QueryEscrowsResponse,
  QueryGrantsRequest,
  QueryGrantsResponse,
  QueryModelOfTaskResponse,
  QueryPriceResponse,
  QueryReviewerResponse,
} from "../../modules/market/proto.ts";

const OWNER = "cif1owner";
const BUYER = "cif1buyer";
const CID = cidOf(new TextEncoder().encode("weights"));
const HASH = "ab".repeat(32);

describe("message builders through the client Registry", () => {
  const registry = createCiferRegistry();
  const messages: EncodeObject[] = [
    msgMintData({
      owner: OWNER,
      dataHash: HASH,
      schema: "csv",
      sizeBytes: 1_048_576n,
      license: "CC0",
      disclosure: { abstract: "ECG", sampleCid: CID, statistics: "{}" },
    }),
    msgMintData({ owner: OWNER, dataHash: HASH, schema: "csv", sizeBytes: 0n, license: "CC0" }),
    msgTransferAsset(OWNER, 3n, BUYER),
    msgUpdateDisclosure(OWNER, 3n, { abstract: "", sampleCid: "", statistics: "counts" }),
    msgCreatePortfolio({
      curator: OWNER,
      items: [
        { dataId: 1n, weightPpm: 250_000 },
        { dataId: 2n, weightPpm: 750_000 },
      ],
      curatorSharePpm: 100_000,
    }),
    msgMintModel({
      owner: OWNER,
      modelCid: CID,
      modelHash: HASH,
      provenance: {
        taskId: 7n,
        rounds: 2,
        globalModelHashes: [HASH, HASH],
        contributors: ["cif1a", "cif1b"],
      },
      trainedOn: [1n, 4n],
    }),
    msgMintModel({ owner: OWNER, modelCid: CID, modelHash: HASH, modelSpec: "{}" }),
    msgListAsset({
      owner: OWNER,
      assetId: 3n,
      curve: { kind: CurveKind.Power, m: "1000", b: "5", exponentNum: 3, exponentDen: 2 },
      accessBlocks: 100n,
      licence: "research",
    }),
    msgDelistAsset(OWNER, 3n),
    msgBuyAccess(BUYER, 3n, 1_500_000n),
    msgOpenEscrow({
      buyer: BUYER,
      assetId: 3n,
      modelId: 5n,
      maxPrice: 10n ** 25n,
      thresholdPpm: 900_000,
      evalSet: {
        cid: CID,
        records: 40,
        wraps: [{ validator: "cifvaloper1x", wrap: new Uint8Array([1, 2, 3]) }],
      },
      deadlineBlocks: 180n,
    }),
    msgCommitEscrowScore("cif1val", 2n, new Uint8Array(32).fill(9)),
    msgRevealEscrowScore({
      validator: "cif1val",
      escrowId: 2n,
      accuracyPpm: 912_345,
      salt: new Uint8Array(32).fill(4),
    }),
    msgSettleEscrow(BUYER, 2n),
    msgReview({ reviewer: BUYER, assetId: 3n, rating: 4, examplesCid: CID, text: "good" }),
    msgRateReview(OWNER, 6n, false),
  ];

  test("every market message type is registered, and each builder's message decodes to itself", () => {
    for (const [url] of MARKET_MSG_TYPES) assert.ok(registry.lookupType(url), url);
    for (const m of messages) {
      assert.ok(m.typeUrl.startsWith("/cifer.market.v1.Msg"), m.typeUrl);
      const bytes = registry.encode(m);
      assert.deepEqual(registry.decode({ typeUrl: m.typeUrl, value: bytes }), m.value, m.typeUrl);
    }
    // Every message a user or a validator sends has a builder.
    const built = new Set(messages.map((m) => m.typeUrl));
    assert.deepEqual(
      MARKET_MSG_TYPES.map(([url]) => url).filter((u) => !built.has(u)),
      [],
    );
  });

  test("MsgBuyAccess: the hand-computed proto3 bytes, max price in ucif", () => {
    // 1 buyer "ab" | 2 asset_id 7 | 3 max_price Coin{denom "ucif", amount "1500000"} (15 bytes).
    const coin = [0x0a, 4, ...Buffer.from("ucif"), 0x12, 7, ...Buffer.from("1500000")];
    const want = [0x0a, 2, 0x61, 0x62, 0x10, 7, 0x1a, coin.length, ...coin];
    assert.equal(coin.length, 15);
    assert.deepEqual([...registry.encode(msgBuyAccess("ab", 7n, 1_500_000n))], want);
  });

  test("what a delivered tx created, from its msg responses", () => {
    const res = (typeUrl: string, value: Uint8Array) =>
      ({ msgResponses: [{ typeUrl, value }] }) as unknown as Parameters<typeof createdAssetId>[0];
    assert.equal(
      createdAssetId(res(MsgMintDataResponse.typeUrl, encode(MsgMintDataResponse, { assetId: 12n }))),
      12n,
    );
    assert.deepEqual(
      boughtAccess(
        res(MsgBuyAccessResponse.typeUrl, encode(MsgBuyAccessResponse, { grantId: 3n, price: "1020" })),
      ),
      { grantId: 3n, price: "1020" },
    );
    assert.equal(
      openedEscrowId(res(MsgOpenEscrowResponse.typeUrl, encode(MsgOpenEscrowResponse, { escrowId: 9n }))),
      9n,
    );
    assert.equal(createdAssetId(res(MsgOpenEscrowResponse.typeUrl, new Uint8Array())), undefined);
  });
});

/** A QueryClient whose queryAbci records each call and answers with `reply(path)`. */
function recordingClient(reply: (path: string) => Uint8Array) {
  const calls: Array<{ path: string; data: Uint8Array }> = [];
  const base = {
    queryAbci: async (path: string, data: Uint8Array) => {
      calls.push({ path, data });
      return { value: reply(path), height: 10 };
    },
  } as unknown as QueryClient;
  return { calls, q: setupMarketExtension(base) };
}

const ASSET = AssetCodec.fromPartial({
  id: 5n,
  kind: AssetKind.Model,
  owner: OWNER,
  creator: OWNER,
  uses: 2n,
  earned: "0",
});

describe("the market query extension", () => {
  test("paths, request bytes and decoded answers", async () => {
    const answers: Record<string, Uint8Array> = {
      Asset: encode(QueryAssetResponse, { asset: ASSET }),
      Assets: encode(QueryAssetsResponse, {
        assets: [ASSET],
        pagination: { nextKey: new Uint8Array([7]), total: 0n },
      }),
      Price: encode(QueryPriceResponse, { price: "1000", sales: 3n, nextPrice: "1100" }),
      Access: encode(QueryAccessResponse, { granted: true, grant: undefined, height: 42n }),
      Grants: encode(QueryGrantsResponse, { grants: [], pagination: undefined }),
      Escrows: encode(QueryEscrowsResponse, { escrows: [], pagination: undefined }),
    };
    const { calls, q } = recordingClient((path) => answers[path.split("/").pop()!] ?? new Uint8Array());

    assert.deepEqual(await q.market.asset(5n), ASSET);
    assert.equal(calls[0]!.path, "/cifer.market.v1.Query/Asset");
    // asset_id = 5: field 1, varint.
    assert.deepEqual([...calls[0]!.data], [0x08, 5]);

    const page = await q.market.assets(AssetKind.Model, OWNER, new Uint8Array([1, 2]));
    assert.deepEqual(page.assets, [ASSET]);
    assert.deepEqual([...page.pagination!.nextKey], [7]);
    assert.equal(calls[1]!.path, "/cifer.market.v1.Query/Assets");
    const req = QueryAssetsRequest.decode(calls[1]!.data);
    assert.equal(req.kind, AssetKind.Model);
    assert.equal(req.owner, OWNER);
    assert.deepEqual([...req.pagination!.key], [1, 2]);
    // No filter, first page: an empty request.
    await q.market.assets();
    assert.equal(calls[2]!.data.length, 0);

    assert.deepEqual(await q.market.price(5n), { price: "1000", sales: 3n, nextPrice: "1100" });
    assert.equal(calls[3]!.path, "/cifer.market.v1.Query/Price");

    assert.deepEqual(await verifyAccess(q, 5n, BUYER), { granted: true, grant: undefined, height: 42n });
    assert.equal(calls[4]!.path, "/cifer.market.v1.Query/Access");
    assert.deepEqual(QueryAccessRequest.decode(calls[4]!.data), { assetId: 5n, address: BUYER });

    await q.market.grants({ holder: BUYER });
    await q.market.grants({ assetId: 5n });
    assert.deepEqual(QueryGrantsRequest.decode(calls[5]!.data), {
      holder: BUYER,
      assetId: 0n,
      pagination: undefined,
    });
    assert.deepEqual(QueryGrantsRequest.decode(calls[6]!.data), {
      holder: "",
      assetId: 5n,
      pagination: undefined,
    });

    await q.market.escrows(EscrowStatus.Passed);
    assert.deepEqual(QueryEscrowsRequest.decode(calls[7]!.data), {
      status: EscrowStatus.Passed,
      pagination: undefined,
    });
  });

  test("absent records: an asset or escrow that is not found throws, a missing model or reviewer is undefined", async () => {
    const { calls, q } = recordingClient(() => new Uint8Array());
    await assert.rejects(q.market.asset(9n), /asset 9 not found/);
    await assert.rejects(q.market.escrow(4n), /escrow 4 not found/);
    assert.equal(await q.market.modelOfTask(3n), undefined);
    assert.equal(await q.market.reviewer(BUYER), undefined);
    assert.deepEqual(
      calls.map((c) => c.path.split("/").pop()),
      ["Asset", "Escrow", "ModelOfTask", "Reviewer"],
    );
    const found = recordingClient((path) =>
      path.endsWith("ModelOfTask")
        ? encode(QueryModelOfTaskResponse, { asset: ASSET })
        : encode(QueryReviewerResponse, {
            stats: { reviewer: BUYER, reviews: 2, helpful: 3, unhelpful: 1, forfeited: 0, scorePpm: 666_666 },
          }),
    );
    assert.deepEqual(await found.q.market.modelOfTask(3n), ASSET);
    assert.equal((await found.q.market.reviewer(BUYER))?.scorePpm, 666_666);
  });
});

describe("NotFound answers of the node", () => {
  /** A QueryClient whose queryAbci fails as CosmJS reports a refused ABCI query. */
  const failing = (message: string) =>
    setupMarketExtension({
      queryAbci: async () => {
        throw new Error(message);
      },
    } as unknown as QueryClient);

  test("no model of a task, no reviews: undefined; an unknown asset, or any other failure: thrown", async () => {
    const notFound = failing(
      "Query failed with (38): rpc error: code = NotFound desc = no model was minted from task 1",
    );
    assert.equal(await notFound.market.modelOfTask(1n), undefined);
    assert.equal(await notFound.market.reviewer(BUYER), undefined);
    await assert.rejects(notFound.market.asset(1n), /code = NotFound desc = no model/);
    const broken = failing("Query failed with (1): internal error");
    await assert.rejects(broken.market.modelOfTask(1n), /internal error/);
    await assert.rejects(broken.market.reviewer(BUYER), /internal error/);
  });
});

describe("a task's provenance, read through the fl queries", () => {
  const hashOf = (r: number) => String(r).repeat(64).slice(0, 64);
  const round = (r: number, o: Partial<Round> = {}): Round =>
    RoundCodec.fromPartial({
      taskId: 7n,
      round: r,
      aggregateCid: `cid-aggregate-${r}`,
      aggregateHash: hashOf(r),
      modelCid: `cid-published-${r}`,
      modelHash: hashOf(r + 5),
      ...o,
    });
  const participant = (address: string, updates: number): Participant =>
    ParticipantCodec.fromPartial({ taskId: 7n, address, updates });

  /** The fl queries of one task, participants served two a page; records the rounds read. */
  function flOf(task: Task, participants: Participant[]) {
    const roundsRead: number[] = [];
    const q: TaskRecordQueries = {
      fl: {
        task: async (id) => {
          assert.equal(id, 7n);
          return { task, modelSpec: "{}" };
        },
        round: async (_id, r) => {
          roundsRead.push(r);
          return { round: round(r), stages: [] };
        },
        participants: async (_id, key) => {
          const from = key ? key[0]! : 0;
          const more = from + 2 < participants.length;
          return {
            participants: participants.slice(from, from + 2),
            pagination: { nextKey: more ? new Uint8Array([from + 2]) : new Uint8Array(), total: 0n },
          };
        },
      },
    };
    return { q, roundsRead };
  }

  const people = [
    participant("cif1zed", 2),
    participant("cif1amy", 1),
    participant("cif1idle", 0),
    participant("cif1bob", 3),
    participant("cif1cat", 1),
  ];

  test("a finished task: every round's global model hash, every contributor sorted, across pages", async () => {
    const task = TaskCodec.fromPartial({
      id: 7n,
      rounds: 3,
      status: TaskStatus.Finished,
      privacy: Privacy.Plain,
    });
    const { q, roundsRead } = flOf(task, people);
    const m = await taskModelOf(q, 7n);
    assert.deepEqual(roundsRead, [1, 2, 3]);
    assert.deepEqual(m, {
      modelCid: "cid-aggregate-3",
      modelHash: hashOf(3),
      provenance: {
        taskId: 7n,
        rounds: 3,
        globalModelHashes: [hashOf(1), hashOf(2), hashOf(3)],
        // cif1idle submitted nothing; cif1cat is on the third page.
        contributors: ["cif1amy", "cif1bob", "cif1cat", "cif1zed"],
      },
    });
  });

  test("a CKKS task's global models are the owner's published ones", async () => {
    const task = TaskCodec.fromPartial({
      id: 7n,
      rounds: 2,
      status: TaskStatus.Finished,
      privacy: Privacy.Ckks,
    });
    const m = await taskModelOf(flOf(task, people).q, 7n);
    assert.equal(m.modelCid, "cid-published-2");
    assert.deepEqual(m.provenance.globalModelHashes, [hashOf(6), hashOf(7)]);
  });

  test("an unfinished task is refused with the chain's error, without reading its rounds", async () => {
    const task = TaskCodec.fromPartial({ id: 7n, rounds: 3, status: TaskStatus.Running });
    const { q, roundsRead } = flOf(task, people);
    await assert.rejects(
      taskModelOf(q, 7n),
      (e) =>
        e instanceof ChainError &&
        e.code === MarketCode.InvalidProvenance &&
        /has not finished/.test(e.message),
    );
    assert.deepEqual(roundsRead, []);
  });
});

describe("ADR-036 signatures a data owner's server checks", () => {
  test("the document is Keplr's signArbitrary document", () => {
    assert.equal(
      new TextDecoder().decode(serializeSignDoc(adr36SignDoc("cif1abc", "hello"))),
      '{"account_number":"0","chain_id":"","fee":{"amount":[],"gas":"0"},"memo":"","msgs":[{"type":"sign/MsgSignData","value":{"data":"aGVsbG8=","signer":"cif1abc"}}],"sequence":"0"}',
    );
  });

  test("the account's signature over the nonce verifies; any other nonce, signer or signature does not", async () => {
    const wallet = await Secp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "cif" });
    const [me] = await wallet.getAccounts();
    const other = (await (await Secp256k1HdWallet.generate(12, { prefix: "cif" })).getAccounts())[0]!;
    const nonce = "cifer-access asset 5 nonce 8f2c41";
    const { signature } = await wallet.signAmino(me!.address, adr36SignDoc(me!.address, nonce));
    assert.equal(verifyAdr36Signature(me!.address, nonce, signature), true);
    assert.equal(verifyAdr36Signature(me!.address, new TextEncoder().encode(nonce), signature), true);
    assert.equal(verifyAdr36Signature(me!.address, `${nonce}x`, signature), false);
    assert.equal(verifyAdr36Signature(other.address, nonce, signature), false);
    const flipped = Buffer.from(signature.signature, "base64");
    flipped[10]! ^= 1;
    assert.equal(
      verifyAdr36Signature(me!.address, nonce, { ...signature, signature: flipped.toString("base64") }),
      false,
    );
    assert.equal(
      verifyAdr36Signature(me!.address, nonce, {
        ...signature,
        pub_key: { type: "tendermint/PubKeyEd25519", value: signature.pub_key.value },
      }),
      false,
    );
    assert.equal(verifyAdr36Signature(me!.address, nonce, { ...signature, signature: "not base64!" }), false);
  });
});
