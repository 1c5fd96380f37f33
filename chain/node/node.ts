import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { App } from "../app/app.ts";
import { FilePrivValidator, loadEd25519KeyFile } from "../consensus/priv-validator.ts";
import { SoloProducer } from "../consensus/solo-producer.ts";
import { bytesEqual, sha256 } from "../crypto/hash.ts";
import { type GenesisDoc, parseGenesisDoc } from "../genesis/genesis-doc.ts";
import { startRpcServer } from "../rpc/server.ts";
import type { ChainState } from "../state/chain-state.ts";
import type { BlockExecutor } from "../state/executor.ts";
import type { KVReader } from "../store/kv.ts";
import { LevelDB } from "../store/level-db.ts";
import { type LogLevel, type NodeConfig, loadConfig } from "./config.ts";
import { type HomePaths, homePaths } from "./home.ts";
import { createLogger, type Logger } from "./logger.ts";
import { nodeIdOf } from "./node-key.ts";
import { NodeRpcBackend } from "./rpc-backend.ts";
import { type ChainCore, openChainCore } from "./chain-core.ts";

export type AppFactory = (o: { chainId: string; committed: KVReader; config: NodeConfig }) => App;

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
    let core: ChainCore;
    try {
      core = await openChainCore({
        db,
        genesis,
        genesisHash: this.genesisHash,
        createApp: (committed) => this.createApp({ chainId: genesis.chainId, committed, config }),
        mempoolLimits: {
          size: config.mempool.size,
          maxTxsBytes: config.mempool.maxTxsBytes,
          maxTxsPerSender: config.mempool.maxTxsPerSender,
          maxTxBytes: config.mempool.maxTxBytes,
          cacheSize: config.mempool.cacheSize,
        },
        log,
      });
    } catch (e) {
      throw new NodeStartError(`${paths.genesis}: ${(e as Error).message}`);
    }
    const { app, blockStore, indexer, mempool, executor } = core;
    this.executor = executor;
    const state = executor.state;

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
