import type { KeyAgreement } from "../crypto/x25519.ts";
import type { AbciEvent } from "../app/events.ts";
import type { UploadCheck } from "../blobs/upload-check.ts";
import type { PutResult } from "../blobs/writer.ts";
import type { BroadcastResult, QueryAnswer } from "../rpc/backend.ts";
import type { GasPrice } from "../types/gas-price.ts";
import type { HomePaths } from "./home.ts";
import type { Logger } from "./logger.ts";

/**
 * Node services: long-running work a node does beside consensus, on behalf of its operator (an FL
 * committee member aggregating updates, later evaluators and market oracles). A service sees the
 * node only through NodeServiceContext: committed state through queries, the mempool through
 * broadcast, the blob store, and commit notifications. It never runs inside block execution, so
 * nothing it does (or fails to do) can change consensus; heavy CPU work belongs in a worker thread,
 * because the node's event loop also runs consensus timeouts and p2p.
 *
 * As with the AppFactory, chain/ names no module here: the caller (chain/node/run.ts, from the
 * wiring in chain/wiring/services.ts) hands the node its services.
 */
export interface NodeService {
  /** Also the name of the service's config.json section. */
  readonly name: string;
  /** Validates its config and starts; throwing stops the node from starting, with that message. */
  start(ctx: NodeServiceContext): Promise<void>;
  /** Stops its work and releases what it holds; the node bounds the wait. */
  stop(): Promise<void>;
}

export type NodeServiceFactory = () => NodeService;

/** Reads of committed state: the app's query handler at the latest height, as abci_query answers. */
export type ServiceQuery = (path: string, data: Uint8Array) => Promise<QueryAnswer>;

/** What a node extension gets to build an upload check (it runs on every node serving blobs). */
export interface UploadCheckContext {
  chainId: string;
  query: ServiceQuery;
}

/** Everything the wiring adds to a node besides the app: services and checks on blob uploads. */
export interface NodeExtensions {
  services: NodeServiceFactory[];
  /** Checks of `PUT /blobs` uploads (chain/blobs/upload-check.ts), whatever services are enabled. */
  uploadChecks?: Array<(ctx: UploadCheckContext) => UploadCheck>;
}

/** A committed block as services see it, after it was applied and persisted. */
export interface CommitNotice {
  height: bigint;
  /** The block's hash (its BlockID hash). */
  hash: Uint8Array;
  /** Each tx's hash (sha256 of its bytes) and result, in block order. */
  txs: Array<{
    hash: Uint8Array;
    code: number;
    codespace: string;
    log: string;
    gasWanted: bigint;
    events: AbciEvent[];
  }>;
  /** Events of BeginBlock and EndBlock. */
  events: AbciEvent[];
}

/** The node's blob store as a service uses it. */
export interface ServiceBlobs {
  /** Stored on this node. */
  has(cid: string): boolean;
  /** The bytes, verified against the CID; undefined if not stored here (a corrupt copy is deleted). */
  get(cid: string): Promise<Uint8Array | undefined>;
  /** Gets a blob from peers into the store (rejects with the reactor's BlobError: NOT_FOUND, BUSY...). */
  fetch(cid: string, o?: { timeoutMs?: number }): Promise<PutResult>;
  put(bytes: Uint8Array): Promise<PutResult>;
  /** Pins for a holder (e.g. "fl/task/7"); GC keeps pinned blobs whatever the size bound. */
  pin(cid: string, holder: string): Promise<boolean>;
  unpin(cid: string, holder: string): Promise<boolean>;
  /** Many pins and unpins at once, written to disk once. */
  updatePins(
    pin: ReadonlyArray<{ cid: string; holder: string }>,
    unpin: ReadonlyArray<{ cid: string; holder: string }>,
  ): Promise<{ added: number; removed: number }>;
  /** Every pinned CID with its holders, sorted by CID. */
  pins(): Array<{ cid: string; holders: string[] }>;
}

export interface NodeServiceContext {
  readonly chainId: string;
  /** The config.json section named like the service, as parsed JSON (undefined when absent). */
  readonly config: unknown;
  readonly paths: HomePaths;
  readonly log: Logger;
  /** The node's app.minimum_gas_prices. */
  readonly minimumGasPrices: readonly GasPrice[];
  /** Undefined when the node runs without a blob store (blobs.enabled = false). */
  readonly blobs: ServiceBlobs | undefined;
  /** This node's ed25519 consensus public key (priv_validator_key.json). */
  readonly consensusPubKey: Uint8Array;
  /**
   * X25519 key agreement with the consensus key (chain/crypto/x25519.ts): what a validator needs
   * to open data encrypted to it (an FL task's eval-set key), without the key leaving the node.
   */
  readonly consensusKeyAgreement: KeyAgreement;
  /** Whether this node's consensus key is in the latest validator set. */
  isValidator(): boolean;
  latestHeight(): bigint;
  query: ServiceQuery;
  /** CheckTx in this node's mempool, then gossip to peers as any broadcast_tx_sync. */
  broadcastTx(tx: Uint8Array): Promise<BroadcastResult>;
  /**
   * Called after each block is applied and persisted, on a later turn of the event loop (never
   * inside block execution); a listener's exception is logged and ignored. Returns unsubscribe.
   */
  onCommit(listener: (c: CommitNotice) => void): () => void;
}
