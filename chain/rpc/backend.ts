import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import type { Block } from "cosmjs-types/tendermint/types/block";
import type { BlockMeta, Commit } from "cosmjs-types/tendermint/types/types";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { TxResult } from "../app/app.ts";
import type { Validator } from "../types/block.ts";
import type { JsonObject } from "../types/json.ts";
import type { CommittedBlockView } from "./events.ts";

/**
 * Everything the RPC server reads from or asks of the node. The server is a pure translation layer
 * between this interface and CometBFT's JSON-RPC shapes; the node (chain/node) implements it.
 */

/** A committed tx as the tx index finds it. */
export interface IndexedTx {
  hash: Uint8Array;
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: ExecTxResult;
}

export interface TxSearchPage {
  /** Matches in total, before paging. */
  total: number;
  txs: IndexedTx[];
}

export interface NodeInfoView {
  /** Hex node id: first 20 bytes of sha256 of the node's ed25519 p2p key, lower-case as CometBFT prints. */
  id: string;
  listenAddr: string;
  network: string;
  moniker: string;
  rpcAddress: string;
}

export interface SyncView {
  latestHeight: bigint;
  latestBlockHash: Uint8Array;
  latestAppHash: Uint8Array;
  latestBlockTime: Timestamp;
  earliestHeight: bigint;
  earliestBlockHash: Uint8Array;
  earliestAppHash: Uint8Array;
  earliestBlockTime: Timestamp;
  catchingUp: boolean;
}

export interface BroadcastResult extends TxResult {
  hash: Uint8Array;
}

export interface QueryAnswer {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
  /** Height of the state that answered; never 0 for a successful query. */
  height: bigint;
}

export interface RpcBackend {
  nodeInfo(): NodeInfoView;
  /** This node's validator key and power (power 0 when it does not validate). */
  validatorInfo(): { address: Uint8Array; pubKey: Uint8Array; votingPower: bigint };
  sync(): Promise<SyncView>;
  /** The genesis document exactly as loaded. */
  genesis(): JsonObject;
  chainId(): string;
  /** Lowest and highest stored heights (base is 0 when no block exists yet). */
  baseHeight(): bigint;
  latestHeight(): bigint;
  block(height: bigint): Promise<Block | undefined>;
  blockMeta(height: bigint): Promise<BlockMeta | undefined>;
  heightOfHash(hash: Uint8Array): Promise<bigint | undefined>;
  /** The commit that finalised block `height`. */
  commit(height: bigint): Promise<Commit | undefined>;
  blockResults(height: bigint): Promise<ResponseFinalizeBlock | undefined>;
  /** The validator set deciding `height`, with proposer priorities (undefined when unknown). */
  validators(height: bigint): Promise<{ validator: Validator; proposerPriority: bigint }[] | undefined>;
  tx(hash: Uint8Array): Promise<IndexedTx | undefined>;
  /**
   * tx_search. Throws TxQueryError for a query it cannot parse. page is 1-based, perPage already
   * clamped by the caller; order asc or desc by (height, index).
   */
  searchTxs(query: string, page: number, perPage: number, order: "asc" | "desc"): Promise<TxSearchPage>;
  /** CheckTx and, when it passes, add to the mempool. Rejects duplicates with code 19 semantics. */
  broadcastTx(tx: Uint8Array): Promise<BroadcastResult>;
  /** Resolves when the tx is committed, or undefined after timeoutMs. */
  waitForTx(hash: Uint8Array, timeoutMs: number): Promise<IndexedTx | undefined>;
  abciQuery(path: string, data: Uint8Array, height: bigint, prove: boolean): Promise<QueryAnswer>;
  abciInfo(): {
    data: string;
    version: string;
    appVersion: bigint;
    lastBlockHeight: bigint;
    lastBlockAppHash: Uint8Array;
  };
  mempool(): { count: number; bytes: number; txs(limit: number): Uint8Array[] };
  peers(): { nodeId: string; remoteIp: string; moniker: string }[];
  /**
   * Calls `listener` with every block this node commits, synchronously from the commit (keep it
   * short); returns the function that stops it. Feeds /websocket subscriptions.
   */
  onCommit(listener: (c: CommittedBlockView) => void): () => void;
}
