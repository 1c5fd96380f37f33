import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RpcObserver } from "../rpc/observer.ts";
import type { CommittedBlock } from "../state/executor.ts";

/**
 * The node's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * nodes in one process, as in tests, do not mix). Names follow CometBFT's where it has one
 * (namespace `cometbft`, e.g. cometbft_consensus_height); ours are `cifer_*`.
 *
 * Nothing here feeds back into the node: gauges read the node's state when scraped, and commits
 * are observed after they are durable (BlockExecutor.onCommit, whose listener errors are ignored).
 */
export interface MetricsSources {
  /** Height of the last committed block. */
  lastHeight(): bigint;
  mempool(): { size: number; bytes: number };
  peers(): number;
  /** True when no known peer is ahead (block sync idle). */
  caughtUp(): boolean;
}

export interface NodeMetricsOptions {
  chainId: string;
  sources: MetricsSources;
  /** prom-client's process metrics (memory, CPU, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
}

/** Distinct event types counted before the rest are lumped into "other" (bounded label set). */
export const MAX_EVENT_TYPES = 256;

const NS = "cometbft";
const INTERVAL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60];
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RPC_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

export class NodeMetrics implements RpcObserver {
  readonly registry = new Registry();
  private readonly rounds: Gauge;
  private readonly numTxs: Gauge;
  private readonly validators: Gauge;
  private readonly validatorsPower: Gauge;
  private readonly blockInterval: Histogram;
  private readonly commitLatency: Histogram;
  private readonly txsCommitted: Counter;
  private readonly txsFailed: Counter;
  private readonly events: Counter<"type">;
  private readonly rpcRequests: Counter<"route" | "status">;
  private readonly rpcDuration: Histogram<"route">;
  private readonly rpcRateLimited: Counter<"route">;
  private readonly wsConnections: Gauge;
  private readonly eventTypes = new Set<string>();
  private lastBlockTimeMs: number | undefined;

  constructor(private readonly o: NodeMetricsOptions) {
    const r = this.registry;
    const registers = [r];
    r.setDefaultLabels({ chain_id: o.chainId });
    if (o.defaultMetrics !== false) collectDefaultMetrics({ register: r });
    const src = o.sources;

    new Gauge({
      name: `${NS}_consensus_height`,
      help: "Height of the chain",
      registers,
      collect() {
        this.set(Number(src.lastHeight()));
      },
    });
    new Gauge({
      name: `${NS}_consensus_latest_block_height`,
      help: "/status sync_info number",
      registers,
      collect() {
        this.set(Number(src.lastHeight()));
      },
    });
    this.rounds = new Gauge({
      name: `${NS}_consensus_rounds`,
      help: "Number of rounds: the round that decided the last committed block",
      registers,
    });
    this.numTxs = new Gauge({
      name: `${NS}_consensus_num_txs`,
      help: "Number of transactions in the last committed block",
      registers,
    });
    this.validators = new Gauge({
      name: `${NS}_consensus_validators`,
      help: "Number of validators",
      registers,
    });
    this.validatorsPower = new Gauge({
      name: `${NS}_consensus_validators_power`,
      help: "Total voting power of all validators",
      registers,
    });
    this.blockInterval = new Histogram({
      name: `${NS}_consensus_block_interval_seconds`,
      help: "Time between this and the last block (Block.Header.Time) in seconds",
      buckets: INTERVAL_BUCKETS,
      registers,
    });
    new Gauge({
      name: `${NS}_mempool_size`,
      help: "Number of uncommitted transactions",
      registers,
      collect() {
        this.set(src.mempool().size);
      },
    });
    new Gauge({
      name: `${NS}_mempool_size_bytes`,
      help: "Total size of the mempool's transactions in bytes",
      registers,
      collect() {
        this.set(src.mempool().bytes);
      },
    });
    new Gauge({
      name: `${NS}_p2p_peers`,
      help: "Number of peers node's connected to",
      registers,
      collect() {
        this.set(src.peers());
      },
    });
    new Gauge({
      name: `${NS}_blocksync_syncing`,
      help: "Either 0 (not block syncing) or 1 (syncing)",
      registers,
      collect() {
        this.set(src.caughtUp() ? 0 : 1);
      },
    });

    this.commitLatency = new Histogram({
      name: "cifer_consensus_commit_latency_seconds",
      help: "From the block's proposal (its header time) to its commit on this node, by this node's clock; blocks applied while catching up are left out",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.txsCommitted = new Counter({
      name: "cifer_txs_committed_total",
      help: "Transactions committed in blocks since the process started (tx/s is its rate)",
      registers,
    });
    this.txsFailed = new Counter({
      name: "cifer_txs_failed_total",
      help: "Committed transactions whose execution failed (code != 0)",
      registers,
    });
    this.events = new Counter({
      name: "cifer_events_total",
      help: `ABCI events of committed blocks and their txs, by type (e.g. fl_round_final); types beyond the first ${MAX_EVENT_TYPES} count as "other"`,
      labelNames: ["type"],
      registers,
    });
    this.rpcRequests = new Counter({
      name: "cifer_rpc_requests_total",
      help: "RPC requests answered, by route and HTTP status",
      labelNames: ["route", "status"],
      registers,
    });
    this.rpcDuration = new Histogram({
      name: "cifer_rpc_request_duration_seconds",
      help: "Time to answer an RPC request, by route",
      labelNames: ["route"],
      buckets: RPC_BUCKETS,
      registers,
    });
    this.rpcRateLimited = new Counter({
      name: "cifer_rpc_rate_limited_total",
      help: "Requests and websocket messages refused by the per-IP rate limiter, by route",
      labelNames: ["route"],
      registers,
    });
    this.wsConnections = new Gauge({
      name: "cifer_rpc_websocket_connections",
      help: "Open /websocket connections",
      registers,
    });
  }

  /** A block was committed (BlockExecutor.onCommit). `nowMs` is this node's clock. */
  observeCommit(c: CommittedBlock, nowMs = Date.now()): void {
    const { block, results, state } = c;
    const txs = block.data.txs;
    this.rounds.set(c.round);
    this.numTxs.set(txs.length);
    this.txsCommitted.inc(txs.length);
    const vals = state.validators.validators;
    this.validators.set(vals.length);
    this.validatorsPower.set(Number(state.validators.totalVotingPower));
    const t = block.header.time;
    const timeMs = Number(t.seconds) * 1000 + t.nanos / 1e6;
    if (this.lastBlockTimeMs !== undefined && timeMs >= this.lastBlockTimeMs)
      this.blockInterval.observe((timeMs - this.lastBlockTimeMs) / 1000);
    this.lastBlockTimeMs = timeMs;
    if (this.o.sources.caughtUp()) this.commitLatency.observe(Math.max(0, nowMs - timeMs) / 1000);
    // The event walk is proportional to the block's txs: done after the commit path returns.
    setImmediate(() => {
      let failed = 0;
      const counts = new Map<string, number>();
      const add = (type: string) => counts.set(type, (counts.get(type) ?? 0) + 1);
      for (const e of results.events) add(e.type);
      for (const r of results.txResults) {
        if (r.code !== 0) failed++;
        for (const e of r.events) add(e.type);
      }
      if (failed > 0) this.txsFailed.inc(failed);
      for (const [type, n] of counts) this.countEvents(type, n);
    });
  }

  private countEvents(type: string, n: number): void {
    if (!this.eventTypes.has(type)) {
      if (this.eventTypes.size >= MAX_EVENT_TYPES) {
        this.events.inc({ type: "other" }, n);
        return;
      }
      this.eventTypes.add(type);
    }
    this.events.inc({ type }, n);
  }

  // RpcObserver

  request(route: string, status: number, seconds: number): void {
    this.rpcRequests.inc({ route, status: String(status) });
    this.rpcDuration.observe({ route }, seconds);
  }

  rateLimited(route: string): void {
    this.rpcRateLimited.inc({ route });
  }

  websocketConnections(open: number): void {
    this.wsConnections.set(open);
  }

  /** The exposition text (format 0.0.4) and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
