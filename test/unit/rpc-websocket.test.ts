import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block } from "cosmjs-types/tendermint/types/block";
import WebSocket from "ws";
import { toBase64, toHexUpper, txHash } from "../../chain/crypto/hash.ts";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { EventQueryError, matchesEvent, parseEventQuery } from "../../chain/rpc/event-query.ts";
import { blockEvents, type CommittedBlockView } from "../../chain/rpc/events.ts";
import { startRpcServer } from "../../chain/rpc/server.ts";

const attrs = {
  "tm.event": ["Tx"],
  "tx.height": ["12"],
  "message.sender": ["cif1alice", "cif1bob"],
  "transfer.amount": ["4321ucif"],
  "fl.deadline": ["2026-01-02T03:04:05Z"],
  "fl.day": ["2026-01-02"],
};
const matches = (q: string) => matchesEvent(parseEventQuery(q), attrs);

describe("subscription queries", () => {
  test("tm.event and attribute conditions, AND-ed", () => {
    assert.ok(matches("tm.event='Tx'"));
    assert.ok(!matches("tm.event='NewBlock'"));
    assert.ok(matches("tm.event='Tx' AND message.sender='cif1bob'"), "any value of the key may match");
    assert.ok(!matches("tm.event='Tx' AND message.sender='cif1carol'"));
    assert.ok(!matches("tm.event='Tx' AND missing.key='x'"));
    assert.ok(matches("message.sender EXISTS"));
    assert.ok(!matches("missing.key EXISTS"));
    assert.ok(matches("transfer.amount CONTAINS 'ucif'"));
  });

  test("numbers and times compare by value", () => {
    assert.ok(matches("tx.height=12"));
    assert.ok(matches("tx.height=12.0"));
    assert.ok(matches("tx.height>11 AND tx.height<=12"));
    assert.ok(!matches("tx.height>12"));
    assert.ok(!matches("transfer.amount>1"), "a value that is not a number never matches a range");
    assert.ok(matches("fl.deadline > TIME 2026-01-01T00:00:00Z"));
    assert.ok(matches("fl.day < DATE 2026-01-03"));
    assert.ok(!matches("fl.day > DATE 2026-01-03"));
  });

  test("syntax errors name the problem", () => {
    assert.throws(() => parseEventQuery("tm.event = = 'x'"), EventQueryError);
    assert.throws(() => parseEventQuery(""), /failed to parse query: empty query/);
    assert.throws(() => parseEventQuery(`a.b='${"x".repeat(600)}'`), /maximum query length/);
  });
});

// ------------------------------------------------------------------ event shapes

const tx = Uint8Array.from([1, 2, 3, 4]);
function committed(height: bigint, txs: Uint8Array[] = [tx]): CommittedBlockView {
  const block = Block.fromPartial({
    header: {
      version: { block: 11n, app: 0n },
      chainId: "cifer-test-1",
      height,
      time: { seconds: 1_700_000_000n, nanos: 0 },
      proposerAddress: new Uint8Array(20).fill(7),
    },
    data: { txs },
  });
  const results = ResponseFinalizeBlock.fromPartial({
    events: [{ type: "mint", attributes: [{ key: "amount", value: "10", index: true }] }],
    txResults: txs.map(() =>
      ExecTxResult.fromPartial({
        code: 0,
        gasWanted: 200_000n,
        gasUsed: 0n,
        events: [
          { type: "message", attributes: [{ key: "sender", value: "cif1alice", index: true }] },
          { type: "", attributes: [{ key: "skipped", value: "x" }] },
        ],
      }),
    ),
    appHash: new Uint8Array(32).fill(9),
  });
  return {
    block,
    blockId: {
      hash: new Uint8Array(32).fill(1),
      partSetHeader: { total: 1, hash: new Uint8Array(32).fill(2) },
    },
    results,
  };
}

describe("event shapes (CometBFT 0.38)", () => {
  test("NewBlock, NewBlockHeader, then one Tx per tx", () => {
    const evs = blockEvents(committed(5n, [tx, Uint8Array.from([9])]));
    assert.deepEqual(
      evs.map((e) => e.data.type),
      [
        "tendermint/event/NewBlock",
        "tendermint/event/NewBlockHeader",
        "tendermint/event/Tx",
        "tendermint/event/Tx",
      ],
    );
    const nb = evs[0]!;
    assert.deepEqual(Object.keys(nb.data.value), ["block", "block_id", "result_finalize_block"]);
    assert.equal((nb.data.value.block as { header: { height: string } }).header.height, "5");
    assert.deepEqual(nb.events, { "mint.amount": ["10"], "tm.event": ["NewBlock"] });
    const rfb = nb.data.value.result_finalize_block as Record<string, unknown>;
    assert.deepEqual(Object.keys(rfb), ["events", "tx_results", "app_hash"], "empty fields are omitted");
    assert.deepEqual(evs[1]!.events, { "tm.event": ["NewBlockHeader"] });
    assert.equal((evs[1]!.data.value.header as { height: string }).height, "5");
  });

  test("Tx: TxResult {height, index, tx, result} with cmtjson omitempty; reserved attributes", () => {
    const [, , first, second] = blockEvents(committed(7n, [tx, Uint8Array.from([9])]));
    assert.deepEqual(first!.data.value, {
      TxResult: {
        height: "7",
        tx: toBase64(tx),
        result: {
          gas_wanted: "200000",
          events: [
            { type: "message", attributes: [{ key: "sender", value: "cif1alice", index: true }] },
            { type: "", attributes: [{ key: "skipped", value: "x" }] },
          ].map((e) => (e.type === "" ? { attributes: e.attributes } : e)),
        },
      },
    });
    assert.equal((second!.data.value.TxResult as { index: number }).index, 1);
    assert.deepEqual(first!.events, {
      "message.sender": ["cif1alice"],
      "tx.hash": [toHexUpper(txHash(tx))],
      "tx.height": ["7"],
      "tm.event": ["Tx"],
    });
  });
});

// ------------------------------------------------------------------ a client that does not read

describe("slow websocket client", () => {
  test("is disconnected once its unread events pass the buffer limit", async () => {
    let listener: ((c: CommittedBlockView) => void) | undefined;
    let stopped = false;
    const backend = {
      onCommit: (l: (c: CommittedBlockView) => void) => {
        listener = l;
        return () => {
          stopped = true;
        };
      },
    } as unknown as RpcBackend;
    const server = await startRpcServer(backend, {
      port: 0,
      rateLimit: false,
      websocket: { maxBufferedBytes: 256 * 1024 },
    });
    const ws = new WebSocket(`${server.address.replace("http", "ws")}/websocket`);
    try {
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      const subscribed = new Promise<void>((resolve) => ws.once("message", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      ws.send(
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='Tx'" } }),
      );
      await subscribed;
      assert.ok(listener, "the hub listens to commits once a subscription exists");
      ws.pause();
      // Blocks with a 64 KiB tx until the server gives up on the client (bounded number of blocks).
      const big = new Uint8Array(64 * 1024).fill(0x41);
      for (let h = 1n; h <= 2000n && !stopped; h++) {
        listener(committed(h, [big]));
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(stopped, "the slow client's subscription was dropped");
      ws.resume();
      let timer: NodeJS.Timeout | undefined;
      const { code, reason } = await Promise.race([
        closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the server did not close the slow client")), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.ok(code === 1008 || code === 1006, `close code ${code}`);
      if (code === 1008) assert.match(reason, /client too slow/);
    } finally {
      ws.terminate();
      await server.close();
    }
  });
});
