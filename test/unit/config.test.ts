import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, defaultConfigJson, parseConfig } from "../../chain/node/config.ts";

test("the default config parses to the documented defaults", () => {
  const c = parseConfig(defaultConfigJson({ moniker: "n0" }));
  assert.equal(c.rpc.host, "127.0.0.1");
  assert.equal(c.rpc.port, 26657);
  assert.equal(c.p2p.port, 26656);
  assert.equal(c.app.minimumGasPricesText, "0.0025ucif");
  assert.equal(c.consensus.blockIntervalMs, 1000);
  assert.equal(c.consensus.proposeMs, 3000);
  assert.equal(c.mempool.maxTxBytes, 1_048_576);
  assert.deepEqual(c.blobs, {
    enabled: true,
    maxBlobBytes: 64 * 1024 * 1024,
    maxStoreBytes: 8 * 1024 ** 3,
    fetchTimeoutMs: 30_000,
    peerTimeoutMs: 5000,
    maxConcurrentFetches: 4,
    maxConcurrentUploads: 8,
    uploadBytesPerSecond: 0,
    uploadBurstBytes: 64 * 1024 * 1024,
  });
  assert.deepEqual(c.instrumentation, { prometheus: true, prometheusAddr: null, maxOpenConnections: 3 });
  assert.equal(c.rpc.maxOpenConnections, 900);
  assert.equal(c.rpc.requestTimeoutMs, 120_000);
  assert.equal(c.rpc.maxHeaderBytes, 1_048_576);
  assert.equal(c.rpc.rateLimitMaxClients, 100_000);
  assert.deepEqual(c.rpc.corsAllowedMethods, ["HEAD", "GET", "POST", "PUT", "OPTIONS"]);
  // A config written before blobs existed gets the same defaults.
  const old = defaultConfigJson({ moniker: "n0" }) as Record<string, unknown>;
  delete old.blobs;
  assert.deepEqual(parseConfig(old).blobs, c.blobs);
  // ... and one written before metrics and the newer rpc limits existed.
  const older = defaultConfigJson({ moniker: "n0" }) as Record<string, Record<string, unknown>>;
  delete older.instrumentation;
  for (const k of ["cors_allowed_methods", "max_open_connections", "request_timeout_ms", "max_header_bytes"])
    delete older.rpc![k];
  const o = parseConfig(older);
  assert.deepEqual(o.instrumentation, c.instrumentation);
  assert.deepEqual(o.rpc, c.rpc);
});

test("instrumentation.prometheus_laddr gives /metrics a listener of its own", () => {
  const c = defaultConfigJson({ moniker: "n0" }) as Record<string, Record<string, unknown>>;
  c.instrumentation!.prometheus_laddr = "tcp://0.0.0.0:26660";
  assert.deepEqual(parseConfig(c).instrumentation.prometheusAddr, { host: "0.0.0.0", port: 26660 });
});

test("a bad config is refused with the field named", () => {
  const base = defaultConfigJson({ moniker: "n0" }) as Record<string, Record<string, unknown>>;
  const cases: Array<[(c: Record<string, Record<string, unknown>>) => void, RegExp]> = [
    [(c) => (c.rpc!.laddr = "127.0.0.1:26657"), /rpc.laddr: expected tcp:\/\/HOST:PORT/],
    [(c) => (c.rpc!.laddr = "tcp://127.0.0.1:70000"), /rpc.laddr/],
    [(c) => (c.mempool!.size = 0), /mempool.size: must be between 1/],
    [(c) => (c.mempool!.max_tx_bytes = "lots"), /mempool.max_tx_bytes/],
    [(c) => (c.app!.minimum_gas_prices = "cheap"), /app.minimum_gas_prices: invalid gas price/],
    [(c) => (c.consensus!.timeout_propose_ms = -1), /consensus.timeout_propose_ms/],
    [(c) => Object.assign(c, { log_level: "loud" }), /log_level/],
    [(c) => Object.assign(c, { moniker: 7 }), /moniker: expected a string/],
    [(c) => (c.blobs!.enabled = "yes"), /blobs.enabled: expected true or false/],
    [(c) => (c.blobs!.max_blob_bytes = 10), /blobs.max_blob_bytes: must be between 1024/],
    [
      (c) => (c.blobs!.max_store_bytes = 2048),
      /blobs.max_store_bytes \(2048\) must be at least blobs.max_blob_bytes/,
    ],
    [(c) => (c.blobs!.fetch_timeout_ms = 0), /blobs.fetch_timeout_ms/],
    [
      (c) => (c.blobs!.max_concurrent_fetches = 1000),
      /blobs.max_concurrent_fetches: must be between 1 and 64/,
    ],
    [
      (c) => Object.assign(c.blobs!, { upload_bytes_per_second: 1_000_000, upload_burst_bytes: 1_000_000 }),
      /blobs.upload_burst_bytes \(1000000\) must be at least blobs.max_blob_bytes/,
    ],
    [(c) => Object.assign(c, { blobs: [] }), /blobs: expected an object/],
    [(c) => (c.rpc!.cors_allowed_methods = ["FETCH"]), /rpc.cors_allowed_methods\[0\]: one of GET/],
    [(c) => (c.rpc!.cors_allowed_headers = ["X-Ok", "bad header"]), /rpc.cors_allowed_headers\[1\]/],
    [(c) => (c.rpc!.max_open_connections = -1), /rpc.max_open_connections/],
    [(c) => (c.rpc!.request_timeout_ms = 5), /rpc.request_timeout_ms: must be between 1000/],
    [(c) => (c.rpc!.max_header_bytes = 10), /rpc.max_header_bytes: must be between 1024/],
    [(c) => (c.rpc!.rate_limit_max_clients = 1), /rpc.rate_limit_max_clients/],
    [(c) => (c.instrumentation!.prometheus = "yes"), /instrumentation.prometheus: expected true or false/],
    [(c) => (c.instrumentation!.prometheus_laddr = "localhost:26660"), /instrumentation.prometheus_laddr/],
    [
      (c) => (c.instrumentation!.prometheus_laddr = "tcp://0.0.0.0:26657"),
      /instrumentation.prometheus_laddr: port 26657 is rpc.laddr's/,
    ],
    [(c) => (c.instrumentation!.max_open_connections = -1), /instrumentation.max_open_connections/],
  ];
  for (const [mutate, msg] of cases) {
    const c = structuredClone(base);
    mutate(c);
    assert.throws(
      () => parseConfig(c),
      (e: Error) => e instanceof ConfigError && msg.test(e.message),
    );
  }
});
