import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { App } from "../app/app.ts";
import { BlockStore } from "../blockstore/block-store.ts";
import { FilePrivValidator, loadEd25519KeyFile } from "../consensus/priv-validator.ts";
import { SoloProducer } from "../consensus/solo-producer.ts";
import { bytesEqual, sha256, toHexUpper, utf8 } from "../crypto/hash.ts";
import { type GenesisDoc, parseGenesisDoc } from "../genesis/genesis-doc.ts";
import { Mempool } from "../mempool/mempool.ts";
import { startRpcServer } from "../rpc/server.ts";
import { type ChainState, chainStateOp, loadChainState } from "../state/chain-state.ts";
import { BlockExecutor, blockInfoOf } from "../state/executor.ts";
import { STATE_PREFIX, stateOps } from "../state/prefixes.ts";
import { nextAppHash } from "../store/app-hash.ts";
import type { KVReader } from "../store/kv.ts";
import { type BatchOp, LevelDB } from "../store/level-db.ts";
import { ReadCache } from "../store/read-cache.ts";
import { TxIndexer } from "../txindex/indexer.ts";
import { emptyBlockId } from "../types/block.ts";
import { type LogLevel, type NodeConfig, loadConfig } from "./config.ts";
import { type HomePaths, homePaths } from "./home.ts";
import { createLogger, type Logger } from "./logger.ts";
import { nodeIdOf } from "./node-key.ts";
import { NodeRpcBackend } from "./rpc-backend.ts";

export type AppFactory = (o: { chainId: string; committed: KVReader; config: NodeConfig }) => App;

const GENESIS_HASH_KEY = utf8("m/genesis_sha256");
const VERSION = "0.1.0";

export class NodeStartError extends Error {}

/**
 * A Cifer node: storage, app, mempool, block production and RPC, assembled from a home folder.
 * The app comes from a factory, so chain/ names no module here (the wiring does).
 */
export class CiferNode {
  readonly paths: HomePaths;
  readonly config: NodeConfig;
  readonly genesis: GenesisDoc;
  private db: LevelDB | null = null;
  private producer: SoloProducer | null = null;
  private rpc: { close(): Promise<void>; port: number } | null = null;
  private executor: BlockExecutor | null = null;
  private fatal!: (e: Error) => void;
  /** Settles when the node stops by itself (a fatal error): rejects with the cause. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  private readonly log: Logger;

  constructor(
    home: string,
    private readonly createApp: AppFactory,
    /** Overrides the config's log_level (the CLI's --log-level). */
    logLevel?: LogLevel,
  ) {
    this.paths = homePaths(home);
    this.config = loadConfig(this.paths.config);
    this.log = createLogger(logLevel ?? this.config.logLevel);
    let text: string;
    try {
      text = readFileSync(this.paths.genesis, "utf8");
    } catch (e) {
      throw new NodeStartError(`cannot read genesis ${this.paths.genesis}: ${(e as Error).message}`);
    }
    this.genesis = parseGenesisDoc(text);
    this.genesisHash = createHash("sha256").update(text).digest();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.fatal = reject;
    });
    this.done.catch(() => {});
  }

  private readonly genesisHash: Uint8Array;

  get rpcUrl(): string {
    return `http://${this.config.rpc.host}:${this.rpc?.port ?? this.config.rpc.port}`;
  }

  get state(): ChainState | undefined {
    return this.executor?.state;
  }

  async start(): Promise<void> {
    const { paths, config, genesis, log } = this;
    const validatorKey = loadEd25519KeyFile(paths.privValidatorKey);
    const nodeKey = loadEd25519KeyFile(paths.nodeKey);
    const db = new LevelDB(paths.db);
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new NodeStartError(
        `cannot open ${paths.db}: ${cause}${/lock/i.test(cause) ? " (is another node running on this home?)" : ""}`,
      );
    }
    this.db = db;
    const stateCache = new ReadCache(db.view(STATE_PREFIX));
    const app = this.createApp({ chainId: genesis.chainId, committed: stateCache, config });
    let state = await loadChainState(db);
    if (!state) state = await this.initChain(db, app, stateCache);
    else {
      const stored = await db.get(GENESIS_HASH_KEY);
      if (stored && !bytesEqual(stored, this.genesisHash)) {
        throw new NodeStartError(
          `${paths.genesis} differs from the genesis this chain was started with; restore it or reset the data folder`,
        );
      }
      log.info("resuming", { height: state.lastBlockHeight, app_hash: toHexUpper(state.appHash) });
    }
    const blockStore = new BlockStore(db);
    const indexer = new TxIndexer(db);
    const mempool = new Mempool(app, {
      size: config.mempool.size,
      maxTxsBytes: config.mempool.maxTxsBytes,
      maxTxsPerSender: config.mempool.maxTxsPerSender,
      maxTxBytes: config.mempool.maxTxBytes,
      cacheSize: config.mempool.cacheSize,
    });
    const executor = new BlockExecutor({ db, app, blockStore, indexer, mempool, stateCache }, state);
    this.executor = executor;
    if (state.lastBlockHeight > 0n) {
      const last = await blockStore.block(state.lastBlockHeight);
      if (last) app.afterCommit(blockInfoOf(state.chainId, last));
    }

    const backend = new NodeRpcBackend({
      app,
      executor,
      blockStore,
      indexer,
      mempool,
      genesis,
      nodeInfo: {
        id: nodeIdOf(nodeKey.pubkey),
        listenAddr: `tcp://${config.p2p.host}:${config.p2p.port}`,
        network: genesis.chainId,
        moniker: config.moniker,
        rpcAddress: `tcp://${config.rpc.host}:${config.rpc.port}`,
      },
      validatorKey: { address: sha256(validatorKey.pubkey).subarray(0, 20), pubKey: validatorKey.pubkey },
      version: VERSION,
    });
    this.rpc = await startRpcServer(backend, {
      host: config.rpc.host,
      port: config.rpc.port,
      maxBodyBytes: config.rpc.maxBodyBytes,
      maxBatchRequests: config.rpc.maxBatchRequests,
      timeoutBroadcastTxCommitMs: config.rpc.timeoutBroadcastTxCommitMs,
      corsAllowedOrigins: config.rpc.corsAllowedOrigins,
      rateLimit: { requestsPerSecond: config.rpc.rateLimitPerSecond, burst: config.rpc.rateLimitBurst },
    });
    log.info("rpc listening", { url: this.rpcUrl });

    const isValidator = state.validators.some((v) => bytesEqual(v.pubKey, validatorKey.pubkey));
    if (state.validators.length === 1 && isValidator) {
      this.producer = new SoloProducer({
        executor,
        blockStore,
        mempool,
        signer: new FilePrivValidator(validatorKey, paths.privValidatorState),
        intervalMs: config.consensus.blockIntervalMs,
        pendingBlockPath: paths.pendingBlock,
        onError: (e) => {
          log.error("block production halted", { error: e.message });
          this.fatal(e);
        },
        log: (msg, fields) => log.info(msg, fields),
      });
      this.producer.start();
    } else if (isValidator) {
      throw new NodeStartError(
        "this genesis has several validators; multi-validator consensus comes with the PBFT engine (issue #3)",
      );
    } else {
      log.warn(
        "this node's key is not in the validator set; it serves the chain but produces no blocks (block sync comes with the consensus engine)",
      );
    }
  }

  /** Applies genesis: module state, then the chain state at height 0, in one batch. */
  private async initChain(db: LevelDB, app: App, stateCache: ReadCache): Promise<ChainState> {
    const g = this.genesis;
    const info = {
      chainId: g.chainId,
      height: g.initialHeight - 1n,
      timeSeconds: g.genesisTime.seconds,
      timeNanos: g.genesisTime.nanos,
    };
    const writes = await app.initChain(g.appState, info);
    const appHash = nextAppHash(new Uint8Array(), 0n, writes);
    if (g.appHash.length > 0 && !bytesEqual(g.appHash, appHash)) {
      throw new NodeStartError(
        `genesis app_hash ${toHexUpper(g.appHash)} does not match the state it describes (${toHexUpper(appHash)})`,
      );
    }
    const state: ChainState = {
      chainId: g.chainId,
      initialHeight: g.initialHeight,
      genesisTime: g.genesisTime,
      lastBlockHeight: 0n,
      lastBlockId: emptyBlockId(),
      lastBlockTime: g.genesisTime,
      appHash,
      lastResultsHash: sha256(),
      validators: g.validators,
      consensusParams: g.consensusParams,
    };
    const ops: BatchOp[] = stateOps(writes);
    ops.push(chainStateOp(state), { type: "put", key: GENESIS_HASH_KEY, value: this.genesisHash });
    await db.write(ops);
    stateCache.applyCommitted(writes);
    app.afterCommit(info);
    this.log.info("initialised chain from genesis", { chain_id: g.chainId, app_hash: toHexUpper(appHash) });
    return state;
  }

  /** Clean shutdown: finish the block in progress, stop serving, close the database. */
  async stop(): Promise<void> {
    await this.producer?.stop();
    this.producer = null;
    await this.rpc?.close();
    this.rpc = null;
    await this.db?.close();
    this.db = null;
    this.resolveDone();
  }
}
