import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { clientKey, RateLimiter } from "../../chain/rpc/rate-limiter.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";

describe("RateLimiter memory bound", () => {
  test("a new key beyond maxKeys evicts the least recently used one", () => {
    const l = new RateLimiter({ requestsPerSecond: 1e-6, burst: 1, maxKeys: 3 });
    assert.equal(l.take("a", 1), true);
    assert.equal(l.take("b", 1), true);
    assert.equal(l.take("c", 1), true);
    assert.equal(l.take("a", 1), false); // a is empty, and now the most recently used
    assert.equal(l.take("d", 1), true); // evicts b, the least recently used
    assert.equal(l.size, 3);
    assert.equal(l.take("a", 1), false, "a was kept: still limited");
    assert.equal(l.take("b", 1), true, "b was evicted: it starts again with a full bucket");
    assert.equal(l.size, 3);
  });

  test("many distinct clients never grow it past maxKeys", () => {
    const l = new RateLimiter({ requestsPerSecond: 1, burst: 10, maxKeys: 100 });
    for (let i = 0; i < 20_000; i++) l.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 1);
    assert.equal(l.size, 100);
  });

  test("IPv6 clients are limited per /64, IPv4 per address", () => {
    assert.equal(clientKey("10.1.2.3"), "10.1.2.3");
    assert.equal(clientKey("::ffff:10.1.2.3"), "10.1.2.3");
    assert.equal(clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
    assert.equal(clientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  test("the limiter itself keys by clientKey: one bucket per IPv6 /64, refunds included", () => {
    const l = new RateLimiter({ requestsPerSecond: 1e-6, burst: 2 });
    assert.equal(l.take("2001:db8:1:2::1", 2), true);
    assert.equal(l.take("2001:db8:1:2::2", 1), false, "same /64: same bucket");
    assert.equal(l.take("2001:db8:1:3::1", 1), true, "another /64: its own bucket");
    l.refund("2001:db8:1:2:ffff::9", 1);
    assert.equal(l.take("2001:db8:1:2::1", 1), true, "the refund went to the shared bucket");
    assert.equal(l.take("::ffff:10.0.0.1", 1), true);
    assert.equal(l.take("10.0.0.1", 1), true);
    assert.equal(l.take("10.0.0.1", 1), false, "an IPv4-mapped address shares the IPv4 bucket");
  });

  test("bad limits are refused", () => {
    assert.throws(() => new RateLimiter({ requestsPerSecond: 1, burst: 1, maxKeys: 0 }), /maxKeys/);
    assert.throws(() => new RateLimiter({ requestsPerSecond: 0, burst: 1 }), /requestsPerSecond/);
  });
});

const backend = { onCommit: () => () => {} } as unknown as RpcBackend;

async function withServer(
  opts: Omit<Parameters<typeof startRpcServer>[1], "port">,
  f: (srv: RpcServer) => Promise<void>,
): Promise<void> {
  const srv = await startRpcServer(backend, { port: 0, ...opts });
  try {
    await f(srv);
  } finally {
    await srv.close();
  }
}

/** Raw socket to the server; resolves when connected. */
function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Everything the server sends until it closes the socket (bounded by `ms`). */
function readUntilClosed(s: Socket, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = "";
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false });
    }, ms);
    s.on("data", (d) => {
      data += d.toString();
    });
    s.on("error", () => {});
    s.once("close", () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
  });
}

describe("RPC server limits", () => {
  test("headers (and so URLs) beyond max_header_bytes get 431", async () => {
    await withServer({ maxHeaderBytes: 2048 }, async (srv) => {
      const ok = await fetch(`${srv.address}/health?x=${"a".repeat(500)}`);
      assert.equal(ok.status, 200);
      await ok.text();
      const big = await fetch(`${srv.address}/health?x=${"a".repeat(4000)}`);
      assert.equal(big.status, 431);
      await big.text();
    });
  });

  test("connections beyond max_open_connections are closed", async () => {
    await withServer({ maxOpenConnections: 2 }, async (srv) => {
      const held = [await rawSocket(srv.port), await rawSocket(srv.port)];
      try {
        const extra = await rawSocket(srv.port);
        extra.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        const r = await readUntilClosed(extra, 10_000);
        assert.equal(r.closed, true);
        assert.equal(r.data, "", "the extra connection gets no answer");
      } finally {
        for (const s of held) s.destroy();
      }
      // Once the held connections are gone, new ones are served again.
      for (let i = 0; i < 50; i++) {
        const res = await fetch(`${srv.address}/health`).catch(() => undefined);
        if (res?.status === 200) {
          await res.text();
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail("the server never served again after the held connections closed");
    });
  });

  test("a request not sent in full within the request timeout is answered 408 and closed", async () => {
    await withServer({ requestTimeoutMs: 500 }, async (srv) => {
      const s = await rawSocket(srv.port);
      s.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
      const r = await readUntilClosed(s, 15_000);
      assert.equal(r.closed, true);
      assert.match(r.data, /^HTTP\/1\.1 408/);
    });
  });

  test("CORS preflight answers the configured methods and headers", async () => {
    await withServer(
      {
        corsAllowedOrigins: ["https://app.example"],
        corsAllowedMethods: ["GET", "POST"],
        corsAllowedHeaders: ["Content-Type", "X-Custom"],
      },
      async (srv) => {
        const pre = await fetch(srv.address, {
          method: "OPTIONS",
          headers: { origin: "https://app.example", "access-control-request-method": "POST" },
        });
        assert.equal(pre.status, 204);
        assert.equal(pre.headers.get("access-control-allow-methods"), "GET, POST");
        assert.equal(pre.headers.get("access-control-allow-headers"), "Content-Type, X-Custom");
        assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example");
      },
    );
  });

  test("a JSON-RPC batch is charged one token per request", async () => {
    await withServer({ rateLimit: { requestsPerSecond: 0.001, burst: 5 } }, async (srv) => {
      const batch = (n: number) =>
        JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "health" })));
      const post = (body: string) =>
        fetch(srv.address, { method: "POST", headers: { "content-type": "application/json" }, body });
      const a = await post(batch(4));
      assert.equal(a.status, 200);
      assert.equal(((await a.json()) as unknown[]).length, 4);
      const b = await post(batch(2));
      assert.equal(b.status, 429);
      const j = (await b.json()) as { error: { code: number; data: string } };
      assert.equal(j.error.code, -32000);
      assert.match(j.error.data, /rate limit/);
    });
  });
});
