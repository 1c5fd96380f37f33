import assert from "node:assert/strict";
import { test } from "node:test";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { startRpcServer } from "../../chain/rpc/server.ts";
import type { LogLevel } from "../../chain/node/config.ts";
import { fastifyLogger } from "../../chain/node/fastify-logger.ts";
import { createLogger } from "../../chain/node/logger.ts";

function capture(level: LogLevel) {
  const lines: string[] = [];
  const log = createLogger(level, "node", (l) => lines.push(l));
  const records = () =>
    lines.map((l) => {
      assert.ok(l.endsWith("\n") && !l.slice(0, -1).includes("\n"), "one line per record");
      return JSON.parse(l) as Record<string, unknown>;
    });
  return { log, records };
}

test("every line is one JSON object with level, time, module and msg", () => {
  const { log, records } = capture("debug");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  log.child("p2p").info("peer up", { peer: "ab", height: 5n });
  log.warn("multi\nline message", { err: new Error("boom"), module: "evil", level: "x", msg: "y" });
  log.error("cannot encode", { cyclic });
  const [a, b, c] = records();
  assert.deepEqual(Object.keys(a!).slice(0, 4), ["level", "time", "module", "msg"]);
  assert.equal(a!.module, "p2p");
  assert.equal(a!.height, "5");
  assert.match(a!.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // Fields never overwrite the four keys; Errors keep their message.
  assert.equal(b!.level, "warn");
  assert.equal(b!.module, "node");
  assert.equal(b!.msg, "multi\nline message");
  assert.equal(b!.err, "boom");
  // A field JSON cannot encode does not lose the line.
  assert.equal(c!.msg, "cannot encode");
  assert.match(c!.log_error as string, /circular/i);
});

test("levels below the configured one are dropped", () => {
  const { log, records } = capture("warn");
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.deepEqual(
    records().map((r) => r.level),
    ["warn", "error"],
  );
});

test("Fastify's request log goes through the node's logger at debug", async () => {
  for (const level of ["debug", "info"] as const) {
    const { log, records } = capture(level);
    const backend = { onCommit: () => () => {} } as unknown as RpcBackend;
    const srv = await startRpcServer(backend, {
      port: 0,
      loggerInstance: fastifyLogger(log.child("rpc"), level),
    });
    try {
      await (await fetch(`${srv.address}/health`)).text();
    } finally {
      await srv.close();
    }
    const rpc = records().filter((r) => r.module === "rpc");
    const requestLines = rpc.filter((r) => r.msg === "incoming request" || r.msg === "request completed");
    if (level === "info") {
      assert.equal(requestLines.length, 0);
      continue;
    }
    const incoming = requestLines.find((r) => r.msg === "incoming request" && r.url === "/health");
    assert.ok(incoming, "incoming request logged");
    assert.equal(incoming.level, "debug");
    assert.equal(incoming.method, "GET");
    const done = requestLines.find((r) => r.msg === "request completed" && r.reqId === incoming.reqId);
    assert.ok(done, "completion logged with the same reqId");
    assert.equal(done.status, 200);
  }
});
