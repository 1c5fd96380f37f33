import { explorerRoutes } from "../explorer/routes.ts";
import { ed25519Agreement } from "../crypto/x25519.ts";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { App } from "../app/app.ts";
import { FilePrivValidator, loadEd25519KeyFile } from "../consensus/priv-validator.ts";
import { BlockSyncReactor } from "../blocksync/reactor.ts";
import { blobRoutes } from "../blobs/http.ts";
import { IpByteRateQuota } from "../blobs/quota.ts";
import { BlobReactor } from "../blobs/reactor.ts";
import { BlobStore } from "../blobs/store.ts";
import { ConsensusWal } from "../consensus/engine/wal.ts";
import { ConsensusService } from "../consensus/service.ts";
import { EvidencePool } from "../evidence/pool.ts";
import { MempoolReactor } from "../mempool/reactor.ts";
import { ChannelId, DEFAULT_CHANNELS } from "../p2p/channels.ts";
import { Switch } from "../p2p/switch.ts";
import { bytesEqual, sha256 } from "../crypto/hash.ts";
import { type GenesisDoc, parseGenesisDoc } from "../genesis/genesis-doc.ts";
import { type RpcRoutes, type RpcServerOptions, startRpcServer } from "../rpc/server.ts";
import { restRoutes } from "../rest/routes.ts";
import { metricsListenerOptions, metricsRoutes } from "../metrics/http.ts";
import { NodeMetrics } from "../metrics/node-metrics.ts";
import { fastifyLogger } from "./fastify-logger.ts";
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
import { ServiceHost } from "./service-host.ts";
import type { NodeExtensions, ServiceBlobs, ServiceQuery } from "./services.ts";
import type { UploadCheck } from "../blobs/upload-check.ts";

export type AppFactory = (o: { chainId: string; committed: KVReader; config: NodeConfig }) => App;

const VERSION = "0.1.0";

export class NodeStartError extends Error {}

/**
 * A Cifer node: storage, app, mempool, block production, RPC and node services, assembled from a
 * home folder. The app and the services come from the caller, so chain/ names no module here (the
 * wiring does).
 */
export class CiferNode {
  readonly paths: HomePaths;
  readonly config: NodeConfig;
  readonly genesis: GenesisDoc;
  private db: LevelDB | null = null;
  private consensus: ConsensusService | null = null;
  private blockSync: BlockSyncReactor | null = null;
  private blobs: { store: BlobStore; reactor: BlobReactor } | null = null;
  private sw: Switch | null = null;
  private rpc: { close(): Promise<void>; port: number } | null = null;
  /** Cosmos REST on a listener of its own (rest.laddr); it is on the RPC port in any case. */
  private restServer: { close(): Promise<void>; port: number } | null = null;
  /** /metrics on a listener of its own (instrumentation.prometheus_laddr). */
  private metricsServer: { close(): Promise<void> } | null = null;
  private executor: BlockExecutor | null = null;
  private services: ServiceHost | null = null;
  private fatal!: (e: Error) => void;
  /** Settles when the node stops by itself (a fatal error): rejects with the cause. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  private readonly log: Logger;
  private readonly logLevel: LogLevel;

  constructor(
    home: string,
    private readonly createApp: AppFactory,
    /** Overrides the config's log_level (the CLI's --log-level). */
    logLevel?: LogLevel,
    /** Node services and upload checks (chain/node/services.ts); none by default. */
    private readonly extensions: NodeExtensions = { services: [] },
  ) {
    this.paths = homePaths(home);
    this.config = loadConfig(this.paths.config);
    this.logLevel = logLevel ?? this.config.logLevel;
    this.log = createLogger(this.logLevel);
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
    // The evidence pool reads the chain state through `core`, which is assigned just below.
    let core!: ChainCore;
    const evidence = new EvidencePool({
      chainId: genesis.chainId,
      db,
      validatorsAt: (height) => core.validators.membersAt(height),
      latestHeight: () => core.executor.state.lastBlockHeight,
      maxAgeBlocks: genesis.consensusParams.evidenceMaxAgeNumBlocks,
    });
    await evidence.load();
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
        evidence,
        log,
      });
    } catch (e) {
      throw new NodeStartError(`${paths.genesis}: ${(e as Error).message}`);
    }
    const { app, blockStore, indexer, mempool, executor } = core;
    this.executor = executor;
    const state = executor.state;

    const sw = new Switch({
      nodeKey,
      chainId: genesis.chainId,
      moniker: config.moniker,
      listen: { host: config.p2p.host, port: config.p2p.port },
      persistentPeers: config.p2p.persistentPeers,
      // Without blobs the channel is not announced, so peers do not ask this node for blobs.
      channels: config.blobs.enabled
        ? DEFAULT_CHANNELS
        : DEFAULT_CHANNELS.filter((c) => c.id !== ChannelId.Blobs),
      logger: log.child("p2p"),
    });
    this.sw = sw;
    const routes: RpcRoutes[] = [];
    // Upload checks query committed state through the same handler as abci_query (`backend`, below).
    const query: ServiceQuery = (path, data) => backend.abciQuery(path, data, 0n, false);
    const uploadChecks = (this.extensions.uploadChecks ?? []).map((make) =>
      make({ chainId: genesis.chainId, query }),
    );
    if (config.blobs.enabled) routes.push(await this.startBlobs(sw, uploadChecks));
    if (config.rpc.explorer) routes.push(explorerRoutes());
    const mempoolReactor = new MempoolReactor(mempool, sw.channel(ChannelId.Mempool));
    const isValidator = state.validators.validators.some((v) => bytesEqual(v.pubKey, validatorKey.pubkey));
    const consensus = new ConsensusService({
      chainId: genesis.chainId,
      executor,
      blockStore,
      mempool,
      evidence,
      // Always the node's key: the engine votes at the heights whose set includes it, so a node
      // that staking adds (or removes) starts (or stops) voting at the epoch's height.
      signer: new FilePrivValidator(validatorKey, paths.privValidatorState),
      wal: ConsensusWal.open(paths.consensusWal),
      timeouts: { ...config.consensus, commitMs: config.consensus.blockIntervalMs },
      votes: sw.channel(ChannelId.Consensus),
      proposals: sw.channel(ChannelId.BlockParts),
      evidenceNet: sw.channel(ChannelId.Evidence),
      log: log.child("consensus"),
      onFatal: (e) => this.fatal(e),
    });
    this.consensus = consensus;
    const blockSync = new BlockSyncReactor({
      net: sw.channel(ChannelId.BlockSync),
      blockStore,
      state: () => executor.state,
      apply: (block, bytes, id, commit) => consensus.applySynced(block, bytes, id, commit),
      log: (msg, fields) => log.child("blocksync").info(msg, fields),
    });
    this.blockSync = blockSync;
    sw.onPeer({ down: (peer) => blockSync.removePeer(peer.id) });

    const backend = new NodeRpcBackend({
      app,
      executor,
      validators: core.validators,
      blockStore,
      indexer,
      mempool,
      submitTx: (tx) => mempoolReactor.submit(tx),
      peers: () => sw.peers().map((p) => ({ nodeId: p.id, remoteIp: p.remoteAddress, moniker: p.moniker })),
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
    await sw.start();
    log.info("p2p listening", { address: sw.selfAddress(), peers: config.p2p.persistentPeers.length });
    blockSync.start();
    await consensus.start();
    if (!isValidator)
      log.warn("this node's key is not in the current validator set: it follows the chain without voting");
    // Services start before the RPC server, so they are in place when clients arrive.
    const services = new ServiceHost(this.extensions.services, log.child("services"));
    this.services = services;
    const consensusAddress = sha256(validatorKey.pubkey).subarray(0, 20);
    try {
      await services.start({
        chainId: genesis.chainId,
        rawConfig: config.raw,
        paths,
        minimumGasPrices: config.app.minimumGasPrices,
        blobs: this.serviceBlobs(),
        consensusPubKey: validatorKey.pubkey,
        consensusKeyAgreement: ed25519Agreement(validatorKey.seed),
        isValidator: () =>
          executor.state.validators.validators.some((v) => bytesEqual(v.address, consensusAddress)),
        latestHeight: () => executor.state.lastBlockHeight,
        query,
        broadcastTx: (tx) => mempoolReactor.submit(tx),
        subscribeCommits: (listener) => executor.onCommit(listener),
      });
    } catch (e) {
      throw new NodeStartError((e as Error).message);
    }
    const metrics = config.instrumentation.prometheus
      ? new NodeMetrics({
          chainId: genesis.chainId,
          sources: {
            lastHeight: () => executor.state.lastBlockHeight,
            mempool: () => ({ size: mempool.size, bytes: mempool.bytes }),
            peers: () => sw.peers().length,
            caughtUp: () => blockSync.caughtUp,
          },
        })
      : undefined;
    if (metrics) {
      executor.onCommit((c) => metrics.observeCommit(c));
      const addr = config.instrumentation.prometheusAddr;
      if (addr) {
        const server = await startRpcServer(
          backend,
          metricsListenerOptions(metrics, {
            ...addr,
            maxOpenConnections: config.instrumentation.maxOpenConnections,
          }),
        );
        this.metricsServer = server;
        log.info("metrics listening", { url: `http://${addr.host}:${server.port}/metrics` });
      } else routes.push(metricsRoutes(metrics));
    }
    const rest = restRoutes({
      backend,
      version: { name: "cifer", version: VERSION },
      minimumGasPrices: config.app.minimumGasPrices,
      ports: () =>
        this.rpc && this.restServer ? { rpc: this.rpc.port, rest: this.restServer.port } : undefined,
    });
    routes.push(rest);
    const rpcOptions: RpcServerOptions = {
      host: config.rpc.host,
      port: config.rpc.port,
      maxBodyBytes: config.rpc.maxBodyBytes,
      maxBatchRequests: config.rpc.maxBatchRequests,
      timeoutBroadcastTxCommitMs: config.rpc.timeoutBroadcastTxCommitMs,
      corsAllowedOrigins: config.rpc.corsAllowedOrigins,
      corsAllowedMethods: config.rpc.corsAllowedMethods,
      corsAllowedHeaders: config.rpc.corsAllowedHeaders,
      rateLimit: {
        requestsPerSecond: config.rpc.rateLimitPerSecond,
        burst: config.rpc.rateLimitBurst,
        maxKeys: config.rpc.rateLimitMaxClients,
      },
      maxOpenConnections: config.rpc.maxOpenConnections,
      requestTimeoutMs: config.rpc.requestTimeoutMs,
      maxHeaderBytes: config.rpc.maxHeaderBytes,
      loggerInstance: fastifyLogger(log.child("rpc"), this.logLevel),
      ...(metrics ? { observer: metrics } : {}),
      websocket: {
        maxConnections: config.rpc.websocketMaxConnections,
        maxConnectionsPerIp: config.rpc.websocketMaxConnectionsPerIp,
        maxClients: config.rpc.maxSubscriptionClients,
        maxSubscriptionsPerClient: config.rpc.maxSubscriptionsPerClient,
      },
      routes,
    };
    this.rpc = await startRpcServer(backend, rpcOptions);
    log.info("rpc listening", { url: this.rpcUrl });
    if (config.rest.addr) {
      // The RPC port's limits, CORS and logging, serving only the REST routes.
      this.restServer = await startRpcServer(backend, {
        ...rpcOptions,
        ...config.rest.addr,
        jsonRpc: false,
        websocket: false,
        routes: [rest],
      });
      log.info("rest listening", { url: `http://${config.rest.addr.host}:${this.restServer.port}` });
    }
  }

  /** The blob store as services use it (undefined without one). */
  private serviceBlobs(): ServiceBlobs | undefined {
    const b = this.blobs;
    if (!b) return undefined;
    const { store, reactor } = b;
    return {
      has: (cid) => store.has(cid),
      get: (cid) => store.get(cid),
      fetch: (cid, o) => reactor.fetch(cid, o),
      put: (bytes) => store.put(bytes),
      pin: (cid, holder) => store.pin(cid, holder),
      unpin: (cid, holder) => store.unpin(cid, holder),
      updatePins: (pin, unpin) => store.updatePins(pin, unpin),
      pins: () => store.pinned().map((cid) => ({ cid, holders: store.pinHolders(cid) })),
    };
  }

  /** The blob store, its p2p reactor, and the /blobs routes for the RPC server. */
  private async startBlobs(sw: Switch, checks: UploadCheck[]): Promise<RpcRoutes> {
    const { config, paths } = this;
    const c = config.blobs;
    const log = this.log.child("blobs");
    const store = await BlobStore.open({
      dir: paths.blobs,
      maxBlobBytes: c.maxBlobBytes,
      maxStoreBytes: c.maxStoreBytes,
      log,
    }).catch((e: Error) => {
      throw new NodeStartError(e.message);
    });
    const reactor = new BlobReactor({
      net: sw.channel(ChannelId.Blobs),
      store,
      peers: () => sw.peers().flatMap((p) => (p.channels.includes(ChannelId.Blobs) ? [p.id] : [])),
      disconnect: (peer, reason) => sw.disconnect(peer, reason),
      fetchTimeoutMs: c.fetchTimeoutMs,
      requestTimeoutMs: c.peerTimeoutMs,
      maxConcurrentFetches: c.maxConcurrentFetches,
      log,
    });
    sw.onPeer({ down: (peer) => reactor.removePeer(peer.id) });
    this.blobs = { store, reactor };
    return blobRoutes({
      store,
      fetch: (cid) => reactor.fetch(cid),
      ...(c.uploadBytesPerSecond > 0
        ? {
            quota: new IpByteRateQuota({
              bytesPerSecond: c.uploadBytesPerSecond,
              burstBytes: c.uploadBurstBytes,
            }),
          }
        : {}),
      maxConcurrentUploads: c.maxConcurrentUploads,
      checks,
      log,
    });
  }

  /** Clean shutdown: stop serving and the services, finish the block in progress, close peers and the database. */
  async stop(): Promise<void> {
    await this.metricsServer?.close();
    this.metricsServer = null;
    await this.restServer?.close();
    this.restServer = null;
    await this.rpc?.close();
    this.rpc = null;
    await this.services?.stop();
    this.services = null;
    this.blobs?.reactor.stop();
    await this.blobs?.store.close();
    this.blobs = null;
    this.blockSync?.stop();
    await this.consensus?.stop();
    this.consensus = null;
    await this.sw?.stop();
    this.sw = null;
    this.rpc = null;
    await this.db?.close();
    this.db = null;
    this.resolveDone();
  }
}
