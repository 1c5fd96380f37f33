import { readFileSync } from "node:fs";
import { DEFAULT_ENGINE_TIMEOUTS } from "../consensus/engine/timeouts.ts";
import { DEFAULT_MAX_KEYS } from "../rpc/rate-limiter.ts";
import { DEFAULT_CORS, DEFAULT_SUBSCRIPTION_LIMITS } from "../rpc/server.ts";
import { DEFAULT_WEBSOCKET_LIMITS } from "../rpc/websocket.ts";
import type { TimeoutConfig } from "../consensus/engine/types.ts";
import { type GasPrice, parseGasPrices } from "../types/gas-price.ts";
import { arr, bool, type JsonObject, obj, optional, str, uint } from "../types/json.ts";

/**
 * Node-local settings (config/config.json). JSON rather than CometBFT's TOML: one strict parser with
 * field-named errors and no extra dependency. None of these settings affects consensus.
 */
export interface NodeConfig {
  moniker: string;
  logLevel: LogLevel;
  rpc: {
    host: string;
    port: number;
    maxBodyBytes: number;
    maxBatchRequests: number;
    timeoutBroadcastTxCommitMs: number;
    corsAllowedOrigins: string[];
    /** What a CORS preflight allows (CometBFT's cors_allowed_methods / cors_allowed_headers). */
    corsAllowedMethods: string[];
    corsAllowedHeaders: string[];
    rateLimitPerSecond: number;
    rateLimitBurst: number;
    /** Client IPs the rate limiter tracks at most (least recently seen evicted): bounds its memory. */
    rateLimitMaxClients: number;
    /** Open TCP connections to the RPC port; beyond it new ones are closed (0: no limit). */
    maxOpenConnections: number;
    /** Time a client has to send a whole request. */
    requestTimeoutMs: number;
    /** Largest request line plus headers, so also the longest URL. */
    maxHeaderBytes: number;
    /** /websocket: open connections in total and per client IP. */
    websocketMaxConnections: number;
    websocketMaxConnectionsPerIp: number;
    /** /websocket: clients with subscriptions, and subscriptions per client (CometBFT's names). */
    maxSubscriptionClients: number;
    maxSubscriptionsPerClient: number;
    /** The web explorer at /explorer (static files; it reads the public endpoints like any client). */
    explorer: boolean;
  };
  p2p: { host: string; port: number; persistentPeers: string[] };
  mempool: {
    size: number;
    maxTxsBytes: number;
    maxTxBytes: number;
    maxTxsPerSender: number;
    cacheSize: number;
  };
  consensus: ConsensusTimeouts & { blockIntervalMs: number };
  app: { minimumGasPrices: GasPrice[]; minimumGasPricesText: string };
  /** Cosmos REST (chain/rest): on the RPC port, or a listener of its own when `addr` is set. */
  rest: { addr: { host: string; port: number } | null };
  blobs: BlobsConfig;
  instrumentation: InstrumentationConfig;
  /**
   * The whole config.json as parsed: node services (chain/node/services.ts) read and validate
   * their own sections from it, so this parser needs to know none of them.
   */
  raw: JsonObject;
}

/** Prometheus metrics (CometBFT's [instrumentation] section). */
export interface InstrumentationConfig {
  /** Serve GET /metrics. */
  prometheus: boolean;
  /** A listener of its own for /metrics; null serves it on the RPC port. */
  prometheusAddr: { host: string; port: number } | null;
  /** Connections to that listener (0: no limit). */
  maxOpenConnections: number;
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The blob store and its HTTP and P2P service (chain/blobs). */
export interface BlobsConfig {
  /** Off: no store, no /blobs routes, and the blob channel is not offered to peers. */
  enabled: boolean;
  maxBlobBytes: number;
  /** Unpinned blobs are evicted, least recently used first, to stay within this. */
  maxStoreBytes: number;
  /** Bound on fetching a missing blob from peers for a GET. */
  fetchTimeoutMs: number;
  /** A peer silent this long during a fetch is given up on for the next one. */
  peerTimeoutMs: number;
  maxConcurrentFetches: number;
  maxConcurrentUploads: number;
  /** Per-IP upload byte rate (token bucket); 0 disables the quota. */
  uploadBytesPerSecond: number;
  /** The bucket's size: at least max_blob_bytes, or the largest blobs could never be uploaded. */
  uploadBurstBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_BLOBS = {
  max_blob_bytes: 64 * MiB,
  max_store_bytes: 8 * 1024 * MiB,
  fetch_timeout_ms: 30_000,
  peer_timeout_ms: 5_000,
  max_concurrent_fetches: 4,
  max_concurrent_uploads: 8,
  upload_bytes_per_second: 0,
} as const;

/** Round timeouts of the consensus engine (CometBFT's timeout_* settings); block_interval_ms is timeout_commit. */
export type ConsensusTimeouts = Omit<TimeoutConfig, "commitMs" | "gossipMs">;
const DEFAULT_TIMEOUTS: ConsensusTimeouts = DEFAULT_ENGINE_TIMEOUTS;

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

export class ConfigError extends Error {}

export function defaultConfigJson(o: {
  moniker: string;
  rpcHost?: string;
  rpcPort?: number;
  p2pPort?: number;
  blockIntervalMs?: number;
}): JsonObject {
  return {
    moniker: o.moniker,
    log_level: "info",
    rpc: {
      laddr: `tcp://${o.rpcHost ?? "127.0.0.1"}:${o.rpcPort ?? 26657}`,
      max_body_bytes: 2_097_152,
      max_batch_requests: 10,
      timeout_broadcast_tx_commit_ms: 10_000,
      cors_allowed_origins: [],
      cors_allowed_methods: [...DEFAULT_CORS.methods],
      cors_allowed_headers: [...DEFAULT_CORS.headers],
      rate_limit_per_second: 500,
      rate_limit_burst: 1000,
      rate_limit_max_clients: DEFAULT_MAX_KEYS,
      max_open_connections: 900,
      request_timeout_ms: 120_000,
      max_header_bytes: 1_048_576,
    },
    p2p: { laddr: `tcp://0.0.0.0:${o.p2pPort ?? 26656}`, persistent_peers: [] },
    mempool: {
      size: 5000,
      max_txs_bytes: 67_108_864,
      max_tx_bytes: 1_048_576,
      max_txs_per_sender: 500,
      cache_size: 20_000,
    },
    consensus: {
      block_interval_ms: o.blockIntervalMs ?? 1000,
      timeout_propose_ms: DEFAULT_TIMEOUTS.proposeMs,
      timeout_propose_delta_ms: DEFAULT_TIMEOUTS.proposeDeltaMs,
      timeout_prevote_ms: DEFAULT_TIMEOUTS.prevoteMs,
      timeout_prevote_delta_ms: DEFAULT_TIMEOUTS.prevoteDeltaMs,
      timeout_precommit_ms: DEFAULT_TIMEOUTS.precommitMs,
      timeout_precommit_delta_ms: DEFAULT_TIMEOUTS.precommitDeltaMs,
    },
    app: { minimum_gas_prices: "0.0025ucif" },
    rest: { laddr: "" },
    blobs: { enabled: true, ...DEFAULT_BLOBS, upload_burst_bytes: DEFAULT_BLOBS.max_blob_bytes },
    instrumentation: { prometheus: true, prometheus_laddr: "", max_open_connections: 3 },
  };
}

function laddr(v: unknown, path: string): { host: string; port: number } {
  const m = /^tcp:\/\/([^:/\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(str(v, path));
  const port = m ? Number(m[2]) : -1;
  if (!m || port > 65535)
    throw new ConfigError(`${path}: expected tcp://HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function int(v: unknown, path: string, min: number, max: number): number {
  const n = uint(v, path);
  if (n < BigInt(min) || n > BigInt(max)) throw new ConfigError(`${path}: must be between ${min} and ${max}`);
  return Number(n);
}

export function parseConfig(json: unknown): NodeConfig {
  try {
    const c = obj(json, "config");
    const rpc = obj(c.rpc ?? {}, "rpc");
    const p2p = obj(c.p2p ?? {}, "p2p");
    const mp = obj(c.mempool ?? {}, "mempool");
    const cs = obj(c.consensus ?? {}, "consensus");
    const app = obj(c.app ?? {}, "app");
    const blobs = parseBlobs(obj(c.blobs ?? {}, "blobs"));
    const instr = obj(c.instrumentation ?? {}, "instrumentation");
    const logLevel = optional(c.log_level, (v) => str(v, "log_level"), "info") as LogLevel;
    if (!LEVELS.includes(logLevel)) throw new ConfigError(`log_level: one of ${LEVELS.join(", ")}`);
    const gasText = optional(app.minimum_gas_prices, (v) => str(v, "app.minimum_gas_prices"), "0.0025ucif");
    let minimumGasPrices: GasPrice[];
    try {
      minimumGasPrices = parseGasPrices(gasText);
    } catch (e) {
      throw new ConfigError(`app.minimum_gas_prices: ${(e as Error).message}`);
    }
    const ms = (v: unknown, name: string, d: number) => int(v ?? d, `consensus.${name}`, 1, 600_000);
    const rpcAddr = laddr(rpc.laddr ?? "tcp://127.0.0.1:26657", "rpc.laddr");
    const p2pAddr = laddr(p2p.laddr ?? "tcp://0.0.0.0:26656", "p2p.laddr");
    return {
      moniker: str(c.moniker, "moniker"),
      logLevel,
      rpc: {
        ...rpcAddr,
        maxBodyBytes: int(rpc.max_body_bytes ?? 2_097_152, "rpc.max_body_bytes", 1024, 100 * 1024 * 1024),
        maxBatchRequests: int(rpc.max_batch_requests ?? 10, "rpc.max_batch_requests", 1, 1000),
        timeoutBroadcastTxCommitMs: int(
          rpc.timeout_broadcast_tx_commit_ms ?? 10_000,
          "rpc.timeout_broadcast_tx_commit_ms",
          100,
          600_000,
        ),
        corsAllowedOrigins: arr(rpc.cors_allowed_origins ?? [], "rpc.cors_allowed_origins").map((o, i) =>
          str(o, `rpc.cors_allowed_origins[${i}]`),
        ),
        corsAllowedMethods: arr(
          rpc.cors_allowed_methods ?? DEFAULT_CORS.methods,
          "rpc.cors_allowed_methods",
        ).map((m, i) => {
          const v = str(m, `rpc.cors_allowed_methods[${i}]`);
          if (!HTTP_METHODS.includes(v))
            throw new ConfigError(`rpc.cors_allowed_methods[${i}]: one of ${HTTP_METHODS.join(", ")}`);
          return v;
        }),
        corsAllowedHeaders: arr(
          rpc.cors_allowed_headers ?? DEFAULT_CORS.headers,
          "rpc.cors_allowed_headers",
        ).map((h, i) => {
          const v = str(h, `rpc.cors_allowed_headers[${i}]`);
          if (!HEADER_NAME.test(v))
            throw new ConfigError(`rpc.cors_allowed_headers[${i}]: not a header name: ${JSON.stringify(v)}`);
          return v;
        }),
        rateLimitPerSecond: int(rpc.rate_limit_per_second ?? 500, "rpc.rate_limit_per_second", 1, 1_000_000),
        rateLimitBurst: int(rpc.rate_limit_burst ?? 1000, "rpc.rate_limit_burst", 1, 10_000_000),
        rateLimitMaxClients: int(
          rpc.rate_limit_max_clients ?? DEFAULT_MAX_KEYS,
          "rpc.rate_limit_max_clients",
          100,
          10_000_000,
        ),
        maxOpenConnections: int(rpc.max_open_connections ?? 900, "rpc.max_open_connections", 0, 1_000_000),
        requestTimeoutMs: int(rpc.request_timeout_ms ?? 120_000, "rpc.request_timeout_ms", 1000, 3_600_000),
        maxHeaderBytes: int(
          rpc.max_header_bytes ?? 1_048_576,
          "rpc.max_header_bytes",
          1024,
          64 * 1024 * 1024,
        ),
        websocketMaxConnections: int(
          rpc.websocket_max_connections ?? DEFAULT_WEBSOCKET_LIMITS.maxConnections,
          "rpc.websocket_max_connections",
          1,
          100_000,
        ),
        websocketMaxConnectionsPerIp: int(
          rpc.websocket_max_connections_per_ip ?? DEFAULT_WEBSOCKET_LIMITS.maxConnectionsPerIp,
          "rpc.websocket_max_connections_per_ip",
          1,
          100_000,
        ),
        maxSubscriptionClients: int(
          rpc.max_subscription_clients ?? DEFAULT_SUBSCRIPTION_LIMITS.maxClients,
          "rpc.max_subscription_clients",
          1,
          100_000,
        ),
        maxSubscriptionsPerClient: int(
          rpc.max_subscriptions_per_client ?? DEFAULT_SUBSCRIPTION_LIMITS.maxSubscriptionsPerClient,
          "rpc.max_subscriptions_per_client",
          1,
          1000,
        ),
        explorer: optional(rpc.explorer, (v) => bool(v, "rpc.explorer"), true),
      },
      p2p: {
        ...p2pAddr,
        persistentPeers: arr(p2p.persistent_peers ?? [], "p2p.persistent_peers").map((p, i) =>
          str(p, `p2p.persistent_peers[${i}]`),
        ),
      },
      mempool: {
        size: int(mp.size ?? 5000, "mempool.size", 1, 1_000_000),
        maxTxsBytes: int(mp.max_txs_bytes ?? 67_108_864, "mempool.max_txs_bytes", 1024, 8 * 1024 ** 3),
        maxTxBytes: int(mp.max_tx_bytes ?? 1_048_576, "mempool.max_tx_bytes", 256, 1_048_576),
        maxTxsPerSender: int(mp.max_txs_per_sender ?? 500, "mempool.max_txs_per_sender", 1, 1_000_000),
        cacheSize: int(mp.cache_size ?? 20_000, "mempool.cache_size", 0, 10_000_000),
      },
      consensus: {
        blockIntervalMs: int(cs.block_interval_ms ?? 1000, "consensus.block_interval_ms", 10, 600_000),
        proposeMs: ms(cs.timeout_propose_ms, "timeout_propose_ms", DEFAULT_TIMEOUTS.proposeMs),
        proposeDeltaMs: ms(
          cs.timeout_propose_delta_ms,
          "timeout_propose_delta_ms",
          DEFAULT_TIMEOUTS.proposeDeltaMs,
        ),
        prevoteMs: ms(cs.timeout_prevote_ms, "timeout_prevote_ms", DEFAULT_TIMEOUTS.prevoteMs),
        prevoteDeltaMs: ms(
          cs.timeout_prevote_delta_ms,
          "timeout_prevote_delta_ms",
          DEFAULT_TIMEOUTS.prevoteDeltaMs,
        ),
        precommitMs: ms(cs.timeout_precommit_ms, "timeout_precommit_ms", DEFAULT_TIMEOUTS.precommitMs),
        precommitDeltaMs: ms(
          cs.timeout_precommit_delta_ms,
          "timeout_precommit_delta_ms",
          DEFAULT_TIMEOUTS.precommitDeltaMs,
        ),
      },
      app: { minimumGasPrices, minimumGasPricesText: gasText },
      rest: parseRest(obj(c.rest ?? {}, "rest")),
      blobs,
      instrumentation: parseInstrumentation(instr, rpcAddr),
      raw: c,
    };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError((e as Error).message);
  }
}

function parseInstrumentation(o: JsonObject, rpcAddr: { host: string; port: number }): InstrumentationConfig {
  const text = optional(o.prometheus_laddr, (v) => str(v, "instrumentation.prometheus_laddr"), "");
  const prometheusAddr = text === "" ? null : laddr(text, "instrumentation.prometheus_laddr");
  if (prometheusAddr && prometheusAddr.port === rpcAddr.port && prometheusAddr.port !== 0)
    throw new ConfigError(
      `instrumentation.prometheus_laddr: port ${prometheusAddr.port} is rpc.laddr's; leave it "" to serve /metrics on the RPC port`,
    );
  return {
    prometheus: optional(o.prometheus, (v) => bool(v, "instrumentation.prometheus"), true),
    prometheusAddr,
    maxOpenConnections: int(o.max_open_connections ?? 3, "instrumentation.max_open_connections", 0, 100_000),
  };
}

/** rest.laddr: "" (the default) serves Cosmos REST on the RPC port, tcp://HOST:PORT on its own. */
function parseRest(r: JsonObject): NodeConfig["rest"] {
  const text = optional(r.laddr, (v) => str(v, "rest.laddr"), "");
  return { addr: text === "" ? null : laddr(text, "rest.laddr") };
}

function parseBlobs(b: JsonObject): BlobsConfig {
  const d = DEFAULT_BLOBS;
  const maxBlobBytes = int(b.max_blob_bytes ?? d.max_blob_bytes, "blobs.max_blob_bytes", 1024, 1024 * MiB);
  const maxStoreBytes = int(
    b.max_store_bytes ?? d.max_store_bytes,
    "blobs.max_store_bytes",
    1024,
    Number.MAX_SAFE_INTEGER,
  );
  if (maxStoreBytes < maxBlobBytes)
    throw new ConfigError(
      `blobs.max_store_bytes (${maxStoreBytes}) must be at least blobs.max_blob_bytes (${maxBlobBytes})`,
    );
  const uploadBytesPerSecond = int(
    b.upload_bytes_per_second ?? d.upload_bytes_per_second,
    "blobs.upload_bytes_per_second",
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const uploadBurstBytes = int(
    b.upload_burst_bytes ?? maxBlobBytes,
    "blobs.upload_burst_bytes",
    1,
    Number.MAX_SAFE_INTEGER,
  );
  if (uploadBytesPerSecond > 0 && uploadBurstBytes < maxBlobBytes)
    throw new ConfigError(
      `blobs.upload_burst_bytes (${uploadBurstBytes}) must be at least blobs.max_blob_bytes (${maxBlobBytes}), or the largest blobs could never be uploaded`,
    );
  return {
    enabled: optional(b.enabled, (v) => bool(v, "blobs.enabled"), true),
    maxBlobBytes,
    maxStoreBytes,
    fetchTimeoutMs: int(b.fetch_timeout_ms ?? d.fetch_timeout_ms, "blobs.fetch_timeout_ms", 100, 600_000),
    peerTimeoutMs: int(b.peer_timeout_ms ?? d.peer_timeout_ms, "blobs.peer_timeout_ms", 100, 600_000),
    maxConcurrentFetches: int(
      b.max_concurrent_fetches ?? d.max_concurrent_fetches,
      "blobs.max_concurrent_fetches",
      1,
      64,
    ),
    maxConcurrentUploads: int(
      b.max_concurrent_uploads ?? d.max_concurrent_uploads,
      "blobs.max_concurrent_uploads",
      1,
      1024,
    ),
    uploadBytesPerSecond,
    uploadBurstBytes,
  };
}

export function loadConfig(path: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseConfig(json);
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
}
