import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import WebSocket from "ws";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { TestNode } from "../helpers/node-process.ts";

// CometBFT's /websocket on a real node process: the unmodified CosmJS websocket client receives
// NewBlock and Tx events; raw sockets check bad frames and the limits.

const MAX_SUBS = 3;
const MAX_PER_IP = 4;
const WAIT_MS = 30_000;

interface Listener<T> {
  next: (v: T) => void;
  error: (e: unknown) => void;
  complete: () => void;
}
/** The part of CosmJS's event streams (xstream) the tests use. */
interface Stream<T> {
  addListener(l: Listener<T>): void;
  removeListener(l: Listener<T>): void;
}

/** The first `n` events of a stream (bounded wait); the listener is removed afterwards. */
function take<T>(stream: Stream<T>, n: number, what: string, timeoutMs = WAIT_MS): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const listener: Listener<T> = {
      next: (v: T) => {
        got.push(v);
        if (got.length === n) finish();
      },
      error: (e: unknown) => finish(new Error(`${what}: stream error ${String(e)}`)),
      complete: () => finish(new Error(`${what}: stream completed after ${got.length} events`)),
    };
    const timer = setTimeout(
      () => finish(new Error(`${what}: ${got.length}/${n} events after ${timeoutMs} ms`)),
      timeoutMs,
    );
    function finish(err?: Error) {
      clearTimeout(timer);
      setImmediate(() => stream.removeListener(listener));
      if (err) reject(err);
      else resolve(got);
    }
    stream.addListener(listener);
  });
}

/**
 * Disconnects a CosmJS WebsocketClient so that it stays disconnected. In CosmJS 0.39 the
 * ReconnectingSocket under it reacts to its own disconnect() like to a dropped connection: it
 * schedules a reconnect (100 ms, then up to every 5 s, forever), which reopens the socket or, once
 * the node is gone, keeps the test process alive. The pending reconnect is cancelled here.
 */
function disconnectForGood(client: WebsocketClient): void {
  client.disconnect();
  const socket = (client as unknown as { socket: { reconnectTimeout: NodeJS.Timeout | null } }).socket;
  if (socket.reconnectTimeout) clearTimeout(socket.reconnectTimeout);
  socket.reconnectTimeout = null;
}

/** A raw websocket client that collects every JSON message it receives. */
class RawClient {
  readonly messages: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      this.messages.push(JSON.parse(d.toString()));
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const c = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("websocket did not open")), WAIT_MS);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return c;
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  async until<T>(pick: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends `frame` and waits for the answer with `id`. */
  async call(frame: string, id: unknown): Promise<Record<string, unknown>> {
    const from = this.messages.length;
    this.ws.send(frame);
    return this.until(
      () => this.messages.slice(from).find((m) => m.id === id && !("result" in m && hasQuery(m))),
      `answer to ${frame.slice(0, 80)}`,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await this.until(() => this.closed, "close");
  }
}

const hasQuery = (m: Record<string, unknown>) =>
  typeof m.result === "object" && m.result !== null && "query" in m.result;
const req = (id: number, method: string, params: unknown = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });

describe("/websocket on a running node", () => {
  let node: TestNode;
  let wsUrl: string;
  const raws: RawClient[] = [];
  const open = async () => {
    const c = await RawClient.open(`${wsUrl}/websocket`);
    raws.push(c);
    return c;
  };

  before(async () => {
    node = await TestNode.create({
      blockIntervalMs: 200,
      config: (c) => {
        c.rpc!.max_subscriptions_per_client = MAX_SUBS;
        c.rpc!.websocket_max_connections_per_ip = MAX_PER_IP;
      },
    });
    await node.start();
    wsUrl = `ws://127.0.0.1:${node.rpcPort}`;
  });

  after(async () => {
    for (const c of raws) c.ws.terminate();
    await node?.destroy();
  });

  test("connections over the per-IP limit are closed with 1013", async () => {
    const conns: RawClient[] = [];
    for (let i = 0; i < MAX_PER_IP; i++) conns.push(await open());
    for (const [i, c] of conns.entries()) {
      const res = await c.call(req(i, "health"), i);
      assert.deepEqual(res.result, {});
    }
    const extra = await open();
    const closed = await extra.until(() => extra.closed, "the extra connection to be closed");
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /too many websocket connections from this address \(limit 4\)/);
    for (const c of conns) await c.close();
    // The server frees the slots when it sees the closes: a new connection is accepted again.
    await node.waitFor(
      async () => {
        const c = await open();
        const ok = await c.call(req(1, "health"), 1).then(
          () => !c.closed,
          () => false,
        );
        await c.close();
        return ok;
      },
      WAIT_MS,
      "a websocket slot to be free again",
    );
  });

  test("bad frames and unknown methods get JSON-RPC errors; regular methods work", async () => {
    const c = await open();
    const parse = await c.call("{not json", null);
    assert.equal((parse.error as { code: number }).code, -32700);
    const batch = await c.call("[]", null);
    assert.equal((batch.error as { code: number }).code, -32600);
    const unknown = await c.call(req(7, "no_such_method"), 7);
    assert.equal((unknown.error as { code: number }).code, -32601);
    const badQuery = await c.call(req(8, "subscribe", { query: "tm.event = = 'x'" }), 8);
    assert.equal((badQuery.error as { code: number }).code, -32603);
    assert.match((badQuery.error as { data: string }).data, /failed to parse query/);
    const noQuery = await c.call(req(9, "subscribe", {}), 9);
    assert.equal((noQuery.error as { code: number }).code, -32602);
    const status = await c.call(req(10, "status"), 10);
    const height = Number(
      (status.result as { sync_info: { latest_block_height: string } }).sync_info.latest_block_height,
    );
    assert.ok(height >= 1);
    assert.equal(c.closed, undefined, "the connection survives bad frames");
    await c.close();
  });

  test("subscriptions over the per-client limit are refused; unsubscribe frees one", async () => {
    const c = await open();
    for (let i = 0; i < MAX_SUBS; i++) {
      const res = await c.call(
        req(100 + i, "subscribe", { query: `tm.event='Tx' AND tx.height>${i}` }),
        100 + i,
      );
      assert.deepEqual(res.result, {});
    }
    const again = await c.call(req(200, "subscribe", { query: "tm.event='Tx' AND tx.height>0" }), 200);
    assert.equal((again.error as { data: string }).data, "already subscribed");
    const over = await c.call(req(201, "subscribe", { query: "tm.event='NewBlock'" }), 201);
    assert.equal((over.error as { code: number }).code, -32603);
    assert.equal((over.error as { data: string }).data, `max_subscriptions_per_client ${MAX_SUBS} reached`);
    const unsub = await c.call(req(202, "unsubscribe", { query: "tm.event='Tx' AND tx.height>0" }), 202);
    assert.deepEqual(unsub.result, {});
    const missing = await c.call(req(203, "unsubscribe", { query: "tm.event='Tx' AND tx.height>0" }), 203);
    assert.equal((missing.error as { data: string }).data, "subscription not found");
    const ok = await c.call(req(204, "subscribe", { query: "tm.event='NewBlock'" }), 204);
    assert.deepEqual(ok.result, {});
    // Events of that subscription carry its id and query.
    const ev = await c.until(
      () => c.messages.find((m) => m.id === 204 && hasQuery(m)),
      "a NewBlock event for subscription 204",
    );
    const result = ev.result as { query: string; data: { type: string }; events: Record<string, string[]> };
    assert.equal(result.query, "tm.event='NewBlock'");
    assert.equal(result.data.type, "tendermint/event/NewBlock");
    assert.deepEqual(result.events["tm.event"], ["NewBlock"]);
    const all = await c.call(req(205, "unsubscribe_all"), 205);
    assert.deepEqual(all.result, {});
    await c.close();
  });

  test("CosmJS Comet38Client over WebsocketClient receives NewBlock, NewBlockHeader and Tx events", async () => {
    const errors: unknown[] = [];
    const ws = new WebsocketClient(wsUrl, (e) => errors.push(e));
    const comet = await Comet38Client.create(ws);
    let signer: SigningStargateClient | undefined;
    try {
      const blocks = await take(comet.subscribeNewBlock(), 3, "NewBlock");
      const heights = blocks.map((b) => b.header.height);
      for (let i = 1; i < heights.length; i++)
        assert.equal(heights[i], heights[0]! + i, `heights ${heights}`);
      assert.equal(blocks[0]!.header.chainId, "cifer-local-1");
      const headers = await take(comet.subscribeNewBlockHeader(), 2, "NewBlockHeader");
      assert.equal(headers[1]!.height, headers[0]!.height + 1);

      // A regular method over the same socket.
      const status = await comet.status();
      assert.ok(status.syncInfo.latestBlockHeight >= heights[2]!);

      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
        prefix: "cif",
        hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
      });
      const [alice, bob] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
      signer = await SigningStargateClient.connectWithSigner(node.url, wallet, {
        gasPrice: GasPrice.fromString("0.0025ucif"),
        broadcastPollIntervalMs: 200,
        broadcastTimeoutMs: WAIT_MS,
      });
      const txs = comet.subscribeTx(`message.sender='${alice}'`);
      const first = take(txs, 1, "Tx");
      // The subscription is registered before its first event can exist: wait for the subscribe answer
      // by making one more call on the same socket (requests are answered in order).
      await comet.health();
      const res = await signer.sendTokens(
        alice,
        bob,
        [{ denom: "ucif", amount: "4321" }],
        { amount: [{ denom: "ucif", amount: "5000" }], gas: "200000" },
        "websocket test",
      );
      assertIsDeliverTxSuccess(res);
      const [ev] = await first;
      assert.equal(toHex(ev!.hash).toUpperCase(), res.transactionHash);
      assert.equal(ev!.height, res.height);
      assert.equal(ev!.result.code, 0);
      const sent = ev!.result.events.filter(
        (e) =>
          e.type === "transfer" &&
          e.attributes.some((a) => a.key === "recipient" && a.value === bob) &&
          e.attributes.some((a) => a.key === "amount" && a.value === "4321ucif"),
      );
      assert.equal(sent.length, 1);
      assert.deepEqual(errors, []);
    } finally {
      signer?.disconnect();
      disconnectForGood(ws);
    }
  });
});
