import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import WebSocket from "ws";
import { metricsListenerOptions, metricsRoutes } from "../../chain/metrics/http.ts";
import { MAX_EVENT_TYPES, NodeMetrics } from "../../chain/metrics/node-metrics.ts";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";
import type { ChainState } from "../../chain/state/chain-state.ts";
import type { CommittedBlock } from "../../chain/state/executor.ts";
import type { Block } from "../../chain/types/block.ts";

/** The value of one sample line (`name{labels} value`) of an exposition text; undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const sources = {
  height: 7n,
  mempool: { size: 3, bytes: 450 },
  peers: 4,
  caughtUp: true,
};

function metricsOf(defaultMetrics = false) {
  return new NodeMetrics({
    chainId: "cifer-test-1",
    defaultMetrics,
    sources: {
      lastHeight: () => sources.height,
      mempool: () => sources.mempool,
      peers: () => sources.peers,
      caughtUp: () => sources.caughtUp,
    },
  });
}

/** A committed block as BlockExecutor.onCommit hands it, reduced to what the metrics read. */
function committed(
  height: bigint,
  timeSeconds: bigint,
  txs: number,
  o: { failed?: number; events?: string[]; txEvents?: string[]; round?: number } = {},
): CommittedBlock {
  const results = ResponseFinalizeBlock.fromPartial({
    events: (o.events ?? []).map((type) => ({ type, attributes: [] })),
    txResults: Array.from({ length: txs }, (_, i) => ({
      code: i < (o.failed ?? 0) ? 5 : 0,
      events: (o.txEvents ?? []).map((type) => ({ type, attributes: [] })),
    })),
  });
  const block = {
    header: { height, time: { seconds: timeSeconds, nanos: 0 } },
    data: { txs: Array.from({ length: txs }, () => new Uint8Array(10)) },
  } as unknown as Block;
  const state = {
    validators: {
      validators: [{ votingPower: 10n }, { votingPower: 5n }],
      totalVotingPower: 15n,
    },
  } as unknown as ChainState;
  return {
    block,
    blockId: { hash: new Uint8Array(32), partSetHeader: { total: 1, hash: new Uint8Array() } },
    results,
    state,
    round: o.round ?? 0,
  } as CommittedBlock;
}

const nextTick = () => new Promise((r) => setImmediate(r));

describe("NodeMetrics", () => {
  test("gauges read the node when scraped; commits fill counters and histograms", async () => {
    const m = metricsOf();
    m.observeCommit(
      committed(6n, 1000n, 2, { failed: 1, events: ["fl_round_final"], txEvents: ["message"] }),
      1000_250,
    );
    m.observeCommit(
      committed(7n, 1002n, 3, { events: ["fl_round_paid", "fl_round_final"], round: 2 }),
      1002_100,
    );
    await nextTick();
    const { contentType, body } = await m.render();
    assert.equal(contentType, "text/plain; version=0.0.4; charset=utf-8");
    const chain = { chain_id: "cifer-test-1" };
    assert.equal(sample(body, "cometbft_consensus_height", chain), 7);
    assert.equal(sample(body, "cometbft_consensus_rounds"), 2);
    assert.equal(sample(body, "cometbft_consensus_num_txs"), 3);
    assert.equal(sample(body, "cometbft_consensus_total_txs"), undefined);
    assert.equal(sample(body, "cometbft_consensus_validators"), 2);
    assert.equal(sample(body, "cometbft_consensus_validators_power"), 15);
    assert.equal(sample(body, "cometbft_mempool_size"), 3);
    assert.equal(sample(body, "cometbft_mempool_size_bytes"), 450);
    assert.equal(sample(body, "cometbft_p2p_peers"), 4);
    assert.equal(sample(body, "cometbft_blocksync_syncing"), 0);
    // One interval (the first block has no predecessor seen): 2 s of header time.
    assert.equal(sample(body, "cometbft_consensus_block_interval_seconds_count"), 1);
    assert.equal(sample(body, "cometbft_consensus_block_interval_seconds_sum"), 2);
    assert.equal(sample(body, "cifer_consensus_commit_latency_seconds_count"), 2);
    assert.ok(Math.abs(sample(body, "cifer_consensus_commit_latency_seconds_sum")! - 0.35) < 1e-9);
    assert.equal(sample(body, "cifer_txs_committed_total"), 5);
    assert.equal(sample(body, "cifer_txs_failed_total"), 1);
    assert.equal(sample(body, "cifer_events_total", { type: "fl_round_final" }), 2);
    assert.equal(sample(body, "cifer_events_total", { type: "fl_round_paid" }), 1);
    assert.equal(sample(body, "cifer_events_total", { type: "message" }), 2);
    // Scraped again after the node moved on: gauges follow.
    sources.height = 9n;
    sources.peers = 1;
    const again = (await m.render()).body;
    assert.equal(sample(again, "cometbft_consensus_height"), 9);
    assert.equal(sample(again, "cometbft_p2p_peers"), 1);
  });

  test("blocks applied while catching up add no commit latency", async () => {
    const m = metricsOf();
    sources.caughtUp = false;
    try {
      m.observeCommit(committed(1n, 10n, 0), 5_000_000);
      const body = (await m.render()).body;
      assert.equal(sample(body, "cifer_consensus_commit_latency_seconds_count"), 0);
      assert.equal(sample(body, "cometbft_blocksync_syncing"), 1);
    } finally {
      sources.caughtUp = true;
    }
  });

  test("event types are a bounded label set", async () => {
    const m = metricsOf();
    const types = Array.from({ length: MAX_EVENT_TYPES + 10 }, (_, i) => `t${i}`);
    m.observeCommit(committed(1n, 10n, 0, { events: types }));
    await nextTick();
    const body = (await m.render()).body;
    const labelled = body.split("\n").filter((l) => l.startsWith("cifer_events_total{"));
    assert.equal(labelled.length, MAX_EVENT_TYPES + 1);
    assert.equal(sample(body, "cifer_events_total", { type: "other" }), 10);
    assert.equal(sample(body, "cifer_events_total", { type: "t0" }), 1);
  });

  test("process metrics come from prom-client's default collectors", async () => {
    const body = (await metricsOf(true).render()).body;
    assert.ok(sample(body, "process_resident_memory_bytes")! > 1_000_000);
    assert.ok(sample(body, "nodejs_eventloop_lag_seconds") !== undefined);
  });
});

// ------------------------------------------------------------------ through the RPC server

const backend = { onCommit: () => () => {} } as unknown as RpcBackend;

describe("/metrics on the RPC server", () => {
  let server: RpcServer;
  let metrics: NodeMetrics;

  before(async () => {
    metrics = metricsOf(true);
    server = await startRpcServer(backend, {
      port: 0,
      rateLimit: { requestsPerSecond: 0.001, burst: 6 },
      observer: metrics,
      routes: [metricsRoutes(metrics)],
    });
  });
  after(() => server.close());

  test("requests by route and status, rate-limited ones, websocket connections", async () => {
    for (const path of ["/health", "/health", "/no_such_method", "/x/y/z"])
      await (await fetch(`${server.address}${path}`)).text();
    const ws = new WebSocket(`${server.address.replace("http", "ws")}/websocket`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    try {
      const res = await fetch(`${server.address}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const body = await res.text();
      assert.equal(sample(body, "cifer_rpc_requests_total", { route: "/health", status: "200" }), 2);
      // Unknown methods share one label, unknown paths another: the label set stays bounded.
      assert.equal(sample(body, "cifer_rpc_requests_total", { route: "/:method", status: "200" }), 1);
      assert.equal(sample(body, "cifer_rpc_requests_total", { route: "not_found", status: "404" }), 1);
      assert.equal(sample(body, "cifer_rpc_websocket_connections"), 1);
      assert.ok(sample(body, "process_resident_memory_bytes")! > 0);
      assert.equal(sample(body, "cometbft_consensus_height"), Number(sources.height));

      // The burst (6) is spent: /metrics itself is behind the limiter like every route.
      const limited = await fetch(`${server.address}/metrics`);
      assert.equal(limited.status, 429);
      await limited.text();
      const limitedHealth = await fetch(`${server.address}/health`);
      assert.equal(limitedHealth.status, 429);
      await limitedHealth.text();
    } finally {
      ws.close();
    }
    const body = await metrics.render().then((r) => r.body);
    assert.equal(sample(body, "cifer_rpc_rate_limited_total", { route: "/metrics" }), 1);
    assert.equal(sample(body, "cifer_rpc_rate_limited_total", { route: "/health" }), 1);
    assert.equal(sample(body, "cifer_rpc_requests_total", { route: "/health", status: "429" }), 1);
  });
});

describe("/metrics on a listener of its own", () => {
  test("serves the exposition and nothing else", async () => {
    const metrics = metricsOf();
    const srv = await startRpcServer(
      backend,
      metricsListenerOptions(metrics, { host: "127.0.0.1", port: 0, maxOpenConnections: 3 }),
    );
    try {
      const res = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(sample(await res.text(), "cometbft_mempool_size"), sources.mempool.size);
      const other = await fetch(`http://127.0.0.1:${srv.port}/status`);
      assert.equal(other.status, 404);
      await other.text();
    } finally {
      await srv.close();
    }
  });
});
