import { toBase64, txHash } from "../crypto/hash.ts";
import { BLOCK_PROTOCOL } from "../types/block.ts";
import type { IndexedTx, RpcBackend } from "./backend.ts";
import { internalError, invalidParams } from "./errors.ts";
import {
  aminoPubKeyJson,
  b64,
  blockIdJson,
  blockJson,
  blockMetaJson,
  blockResultsJson,
  commitJson,
  headerJson,
  hexUpper,
  indexedTxJson,
  int,
  type JsonObj,
  type JsonValue,
  time,
  txResultJson,
  validatorJson,
} from "./json.ts";
import { type ParamSpec, type ParamsOf, parseParams, type RawParams } from "./params.ts";
import { txProof } from "./proof.ts";

/** The CometBFT release whose RPC this server reproduces (status.node_info.version). */
export const COMETBFT_VERSION = "0.38.17";
/** p2p protocol version of CometBFT 0.38. */
export const P2P_PROTOCOL = 8n;
/** Channels a CometBFT 0.38 node advertises (hex of the channel ids). */
export const NODE_CHANNELS = "40202122233038606100";

const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;
const MAX_BLOCKCHAIN_METAS = 20n;
export const MAX_QUERY_LENGTH = 512;
const GENESIS_CHUNK_SIZE = 16 * 1024 * 1024;

export interface MethodContext {
  backend: RpcBackend;
  timeoutBroadcastTxCommitMs: number;
  /** Reports a failure of work that outlives its request (broadcast_tx_async's CheckTx). */
  onBackgroundError(e: unknown): void;
}

/** One RPC method: its argument names (CometBFT's order) and how to run it on raw params. */
export interface RpcMethod {
  argNames: readonly string[];
  call(ctx: MethodContext, params: RawParams): Promise<JsonValue>;
}

function method<const S extends ParamSpec>(
  spec: S,
  handler: (ctx: MethodContext, args: ParamsOf<S>) => Promise<JsonValue> | JsonValue,
): RpcMethod {
  return {
    argNames: spec.map(([name]) => name),
    call: async (ctx, raw) => handler(ctx, parseParams(spec, raw)),
  };
}

function required<T>(v: T | undefined, name: string): T {
  if (v === undefined) throw invalidParams(`missing required parameter ${name}`);
  return v;
}

// ---------------------------------------------------------------- helpers shared by methods

/** env.getHeight of CometBFT: the latest height when none is given, else a stored height. */
function resolveHeight(backend: RpcBackend, latest: bigint, height: bigint | undefined): bigint {
  if (height === undefined) return latest;
  if (height <= 0n) throw internalError(`height must be greater than 0, but got ${height}`);
  if (height > latest) {
    throw internalError(
      `height ${height} must be less than or equal to the current blockchain height ${latest}`,
    );
  }
  const base = backend.baseHeight();
  if (height < base) throw internalError(`height ${height} is not available, lowest height is ${base}`);
  return height;
}

function perPageOf(perPage: number | undefined): number {
  if (perPage === undefined || perPage < 1) return DEFAULT_PER_PAGE;
  return Math.min(perPage, MAX_PER_PAGE);
}

/** validatePage of CometBFT: 1 when not given, else within [1, pages]. */
function checkPage(page: number | undefined, perPage: number, total: number): number {
  if (page === undefined) return 1;
  const pages = Math.max(1, Math.floor((total - 1) / perPage) + 1);
  if (page <= 0 || page > pages)
    throw internalError(`page should be within [1, ${pages}] range, given ${page}`);
  return page;
}

const EMPTY_BLOCK_ID: JsonObj = blockIdJson(undefined);

async function withProofs(backend: RpcBackend, txs: IndexedTx[], prove: boolean): Promise<JsonObj[]> {
  if (!prove) return txs.map((t) => indexedTxJson(t));
  const blocks = new Map<bigint, Uint8Array[] | undefined>();
  const out: JsonObj[] = [];
  for (const t of txs) {
    if (!blocks.has(t.height)) blocks.set(t.height, (await backend.block(t.height))?.data?.txs);
    const blockTxs = blocks.get(t.height);
    out.push(indexedTxJson(t, blockTxs ? txProof(blockTxs, t.index) : undefined));
  }
  return out;
}

const notFoundTx = (hash: Uint8Array) => internalError(`tx (${hexUpper(hash)}) not found`);

let genesisCache: { doc: object; chunks: string[] } | undefined;
function genesisChunks(backend: RpcBackend): string[] {
  const doc = backend.genesis();
  if (genesisCache?.doc !== doc) {
    const data = Buffer.from(JSON.stringify(doc));
    const chunks: string[] = [];
    for (let i = 0; i < data.length; i += GENESIS_CHUNK_SIZE) {
      chunks.push(data.subarray(i, i + GENESIS_CHUNK_SIZE).toString("base64"));
    }
    genesisCache = { doc, chunks };
  }
  return genesisCache.chunks;
}

function flowStatus(): JsonObj {
  return {
    Start: time(undefined),
    Bytes: "0",
    Samples: "0",
    InstRate: "0",
    CurRate: "0",
    AvgRate: "0",
    PeakRate: "0",
    BytesRem: "0",
    Duration: "0",
    Idle: "0",
    TimeRem: "0",
    Progress: 0,
    Active: false,
  };
}

// ---------------------------------------------------------------- the method table

/**
 * The node's p2p NodeInfo (CometBFT's DefaultNodeInfo) as status reports it; the REST node_info
 * (chain/rest) reports the same. channels is hex.
 */
export function nodeInfoOf(backend: RpcBackend) {
  const node = backend.nodeInfo();
  return {
    protocolVersion: { p2p: P2P_PROTOCOL, block: BLOCK_PROTOCOL, app: backend.abciInfo().appVersion },
    id: node.id,
    listenAddr: node.listenAddr,
    network: node.network,
    version: COMETBFT_VERSION,
    channels: NODE_CHANNELS,
    moniker: node.moniker,
    txIndex: "on",
    rpcAddress: node.rpcAddress,
  };
}

export const METHODS: Readonly<Record<string, RpcMethod>> = {
  health: method([], () => ({})),

  status: method([], async ({ backend }) => {
    const node = nodeInfoOf(backend);
    const sync = await backend.sync();
    const val = backend.validatorInfo();
    return {
      node_info: {
        protocol_version: {
          p2p: int(node.protocolVersion.p2p),
          block: int(node.protocolVersion.block),
          app: int(node.protocolVersion.app),
        },
        id: node.id,
        listen_addr: node.listenAddr,
        network: node.network,
        version: node.version,
        channels: node.channels,
        moniker: node.moniker,
        other: { tx_index: node.txIndex, rpc_address: node.rpcAddress },
      },
      sync_info: {
        latest_block_hash: hexUpper(sync.latestBlockHash),
        latest_app_hash: hexUpper(sync.latestAppHash),
        latest_block_height: int(sync.latestHeight),
        latest_block_time: time(sync.latestBlockTime),
        earliest_block_hash: hexUpper(sync.earliestBlockHash),
        earliest_app_hash: hexUpper(sync.earliestAppHash),
        earliest_block_height: int(sync.earliestHeight),
        earliest_block_time: time(sync.earliestBlockTime),
        catching_up: sync.catchingUp,
      },
      validator_info: {
        address: hexUpper(val.address),
        pub_key: aminoPubKeyJson(val.pubKey),
        voting_power: int(val.votingPower),
      },
    };
  }),

  net_info: method([], ({ backend }) => {
    const node = backend.nodeInfo();
    const peers = backend.peers();
    return {
      listening: true,
      listeners: [`Listener(@${node.listenAddr})`],
      n_peers: int(peers.length),
      peers: peers.map((p) => ({
        node_info: {
          protocol_version: { p2p: int(P2P_PROTOCOL), block: int(BLOCK_PROTOCOL), app: "0" },
          id: p.nodeId,
          listen_addr: "",
          network: node.network,
          version: "",
          channels: "",
          moniker: p.moniker,
          other: { tx_index: "", rpc_address: "" },
        },
        is_outbound: false,
        connection_status: {
          Duration: "0",
          SendMonitor: flowStatus(),
          RecvMonitor: flowStatus(),
          Channels: [],
        },
        remote_ip: p.remoteIp,
      })),
    };
  }),

  blockchain: method(
    [
      ["minHeight", "int64"],
      ["maxHeight", "int64"],
    ],
    async ({ backend }, args) => {
      const base = backend.baseHeight();
      const latest = backend.latestHeight();
      let min = args.minHeight ?? 0n;
      let max = args.maxHeight ?? 0n;
      if (min < 0n || max < 0n) throw internalError("heights must be non-negative");
      if (min === 0n) min = 1n;
      if (max === 0n) max = latest;
      if (max > latest) max = latest;
      if (min < base) min = base;
      if (min < max - MAX_BLOCKCHAIN_METAS + 1n) min = max - MAX_BLOCKCHAIN_METAS + 1n;
      if (min > max) throw internalError(`min height ${min} can't be greater than max height ${max}`);
      const metas: JsonValue[] = [];
      for (let h = max; h >= min; h--) {
        const meta = await backend.blockMeta(h);
        if (meta) metas.push(blockMetaJson(meta));
      }
      return { last_height: int(latest), block_metas: metas };
    },
  ),

  genesis: method([], ({ backend }) => {
    if (genesisChunks(backend).length > 1) {
      throw internalError("genesis response is large, please use the genesis_chunked API instead");
    }
    return { genesis: backend.genesis() as JsonValue };
  }),

  genesis_chunked: method([["chunk", "int"]], ({ backend }, args) => {
    const chunks = genesisChunks(backend);
    const id = args.chunk ?? 0;
    if (id < 0 || id > chunks.length - 1)
      throw internalError(`there are ${chunks.length - 1} chunks, ${id} is invalid`);
    return { chunk: int(id), total: int(chunks.length), data: chunks[id]! };
  }),

  block: method([["height", "int64"]], async ({ backend }, args) => {
    const height = resolveHeight(backend, backend.latestHeight(), args.height);
    const block = await backend.block(height);
    if (!block) throw internalError(`block at height ${height} not found`);
    const meta = await backend.blockMeta(height);
    return { block_id: meta ? blockIdJson(meta.blockId) : EMPTY_BLOCK_ID, block: blockJson(block) };
  }),

  block_by_hash: method([["hash", "bytes"]], async ({ backend }, args) => {
    const height = await backend.heightOfHash(required(args.hash, "hash"));
    const block = height === undefined ? undefined : await backend.block(height);
    if (height === undefined || !block) return { block_id: EMPTY_BLOCK_ID, block: null };
    const meta = await backend.blockMeta(height);
    return { block_id: meta ? blockIdJson(meta.blockId) : EMPTY_BLOCK_ID, block: blockJson(block) };
  }),

  header: method([["height", "int64"]], async ({ backend }, args) => {
    const height = resolveHeight(backend, backend.latestHeight(), args.height);
    const meta = await backend.blockMeta(height);
    return { header: meta ? headerJson(meta.header) : null };
  }),

  header_by_hash: method([["hash", "hexbytes"]], async ({ backend }, args) => {
    const height = await backend.heightOfHash(required(args.hash, "hash"));
    const meta = height === undefined ? undefined : await backend.blockMeta(height);
    return { header: meta ? headerJson(meta.header) : null };
  }),

  commit: method([["height", "int64"]], async ({ backend }, args) => {
    const latest = backend.latestHeight();
    const height = resolveHeight(backend, latest, args.height);
    const meta = await backend.blockMeta(height);
    const commit = await backend.commit(height);
    if (!meta || !commit) throw internalError(`commit for height ${height} not found`);
    // The commit of the latest block is the one this node saw, not yet part of a block: CometBFT
    // calls it non-canonical.
    return {
      signed_header: { header: headerJson(meta.header), commit: commitJson(commit) },
      canonical: height < latest,
    };
  }),

  block_results: method([["height", "int64"]], async ({ backend }, args) => {
    const height = resolveHeight(backend, backend.latestHeight(), args.height);
    const results = await backend.blockResults(height);
    if (!results) throw internalError(`could not find results for height #${height}`);
    return blockResultsJson(height, results);
  }),

  validators: method(
    [
      ["height", "int64"],
      ["page", "int"],
      ["per_page", "int"],
    ],
    async ({ backend }, args) => {
      // CometBFT's latest known set is the next block's; fall back to the last block's when the
      // node cannot tell it yet.
      const latest = backend.latestHeight();
      let height = resolveHeight(backend, latest + 1n, args.height);
      let vals = await backend.validators(height);
      if (!vals && args.height === undefined && latest > 0n) {
        height = latest;
        vals = await backend.validators(height);
      }
      if (!vals) throw internalError(`could not find validator set for height #${height}`);
      const perPage = perPageOf(args.per_page);
      const page = checkPage(args.page, perPage, vals.length);
      const slice = vals.slice((page - 1) * perPage, (page - 1) * perPage + perPage);
      return {
        block_height: int(height),
        validators: slice.map((e) => validatorJson(e.validator, e.proposerPriority)),
        count: int(slice.length),
        total: int(vals.length),
      };
    },
  ),

  tx: method(
    [
      ["hash", "bytes"],
      ["prove", "bool"],
    ],
    async ({ backend }, args) => {
      const hash = required(args.hash, "hash");
      const found = await backend.tx(hash);
      if (!found) throw notFoundTx(hash);
      const [json] = await withProofs(backend, [found], args.prove ?? false);
      return json!;
    },
  ),

  tx_search: method(
    [
      ["query", "string"],
      ["prove", "bool"],
      ["page", "int"],
      ["per_page", "int"],
      ["order_by", "string"],
    ],
    async ({ backend }, args) => {
      const query = required(args.query, "query");
      if (query.length > MAX_QUERY_LENGTH) throw internalError("maximum query length exceeded");
      const orderBy = args.order_by ?? "";
      if (orderBy !== "" && orderBy !== "asc" && orderBy !== "desc") {
        throw internalError("expected order_by to be either `asc` or `desc` or empty");
      }
      const perPage = perPageOf(args.per_page);
      if (args.page !== undefined && args.page <= 0) checkPage(args.page, perPage, 0);
      const page = args.page ?? 1;
      const res = await backend.searchTxs(query, page, perPage, orderBy === "desc" ? "desc" : "asc");
      checkPage(args.page, perPage, res.total);
      return { txs: await withProofs(backend, res.txs, args.prove ?? false), total_count: int(res.total) };
    },
  ),

  unconfirmed_txs: method([["limit", "int"]], ({ backend }, args) => {
    const pool = backend.mempool();
    const txs = pool.txs(perPageOf(args.limit));
    return {
      n_txs: int(txs.length),
      total: int(pool.count),
      total_bytes: int(pool.bytes),
      txs: txs.map(b64),
    };
  }),

  num_unconfirmed_txs: method([], ({ backend }) => {
    const pool = backend.mempool();
    return { n_txs: int(pool.count), total: int(pool.count), total_bytes: int(pool.bytes), txs: null };
  }),

  broadcast_tx_async: method([["tx", "bytes"]], (ctx, args) => {
    const tx = required(args.tx, "tx");
    // Answers before CheckTx has run, as CometBFT does; the outcome is only logged.
    ctx.backend.broadcastTx(tx).catch((e: unknown) => ctx.onBackgroundError(e));
    return { code: 0, data: "", log: "", codespace: "", hash: hexUpper(txHash(tx)) };
  }),

  broadcast_tx_sync: method([["tx", "bytes"]], async ({ backend }, args) => {
    const res = await backend.broadcastTx(required(args.tx, "tx"));
    return {
      code: res.code,
      data: b64(res.data),
      log: res.log,
      codespace: res.codespace,
      hash: hexUpper(res.hash),
    };
  }),

  broadcast_tx_commit: method([["tx", "bytes"]], async ({ backend, timeoutBroadcastTxCommitMs }, args) => {
    const res = await backend.broadcastTx(required(args.tx, "tx"));
    const checkTx = txResultJson(res);
    if (res.code !== 0) {
      return { check_tx: checkTx, tx_result: txResultJson(undefined), hash: hexUpper(res.hash), height: "0" };
    }
    const committed = await backend.waitForTx(res.hash, timeoutBroadcastTxCommitMs);
    if (!committed) throw internalError("timed out waiting for tx to be included in a block");
    return {
      check_tx: checkTx,
      tx_result: txResultJson(committed.result),
      hash: hexUpper(res.hash),
      height: int(committed.height),
    };
  }),

  abci_query: method(
    [
      ["path", "string"],
      ["data", "hexbytes"],
      ["height", "int64"],
      ["prove", "bool"],
    ],
    async ({ backend }, args) => {
      if (args.height !== undefined && args.height < 0n) {
        throw internalError(`height must be non-negative, but got ${args.height}`);
      }
      const ans = await backend.abciQuery(
        args.path ?? "",
        args.data ?? new Uint8Array(),
        args.height ?? 0n,
        args.prove ?? false,
      );
      // A successful query names the state that answered it, never height 0.
      const height = ans.code === 0 && ans.height === 0n ? backend.latestHeight() : ans.height;
      return {
        response: {
          code: ans.code,
          log: ans.log,
          info: "",
          index: "0",
          key: null,
          value: toBase64(ans.value),
          proofOps: null,
          height: int(height),
          codespace: ans.codespace,
        },
      };
    },
  ),

  abci_info: method([], ({ backend }) => {
    const info = backend.abciInfo();
    return {
      response: {
        data: info.data,
        version: info.version,
        app_version: int(info.appVersion),
        last_block_height: int(info.lastBlockHeight),
        last_block_app_hash: toBase64(info.lastBlockAppHash),
      },
    };
  }),
};

/** Methods CometBFT serves over /websocket only: over HTTP they are "not found". */
export const WEBSOCKET_ONLY = new Set(["subscribe", "unsubscribe", "unsubscribe_all"]);

export function findMethod(name: string): RpcMethod | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
}
