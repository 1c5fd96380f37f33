import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { toHexUpper, txHash, utf8 } from "../../chain/crypto/hash.ts";
import { LevelDB } from "../../chain/store/level-db.ts";
import { TxQueryError, TxQueryErrorCode } from "../../chain/txindex/errors.ts";
import { TxIndexer } from "../../chain/txindex/indexer.ts";

type Attrs = Record<string, string>;
type Ev = { type: string; attrs: Attrs; index?: boolean };

const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";
const BIG_HEIGHT = 1n << 40n;

/** Blocks of fake txs: height -> the events of each tx. */
const BLOCKS: Array<[bigint, Ev[][]]> = [
  [
    1n,
    [
      [
        { type: "message", attrs: { action: MSG_SEND, sender: "cif1alice" } },
        { type: "transfer", attrs: { recipient: "cif1bob", sender: "cif1alice", amount: "100ucif" } },
      ],
      [
        { type: "message", attrs: { action: MSG_SEND, sender: "cif1bob" } },
        { type: "transfer", attrs: { recipient: "cif1alice" } },
      ],
    ],
  ],
  [
    2n,
    [
      [
        { type: "message", attrs: { action: "/cifer.fl.v1.MsgSubmitUpdate", sender: "cif1alice" } },
        { type: "fl", attrs: { round: "10", deadline: "2024-06-01T12:00:00+02:00", memo: "a/b\u0000c" } },
      ],
      [
        // "cif1al" is a prefix of "cif1alice"; "a/b" a prefix of "a/b\0c".
        { type: "message", attrs: { sender: "cif1al" } },
        { type: "fl", attrs: { round: "2.5", memo: "a/b" } },
        { type: "transfer", attrs: { recipient: "cif1carol" } },
      ],
      [
        { type: "message", attrs: { sender: "cif1carol" } },
        { type: "transfer", attrs: { recipient: "x/1/2" } },
        { type: "secret", attrs: { key: "v" }, index: false },
        { type: "", attrs: { nokind: "v" } },
        { type: "tx", attrs: { height: "999", hash: "AA" } },
        { type: "big", attrs: { value: "z".repeat(513), ok: "z".repeat(512) } },
        // The same attribute twice in one tx is indexed once.
        { type: "transfer", attrs: { recipient: "x/1/2" } },
      ],
    ],
  ],
  [
    3n,
    [
      [
        { type: "message", attrs: { action: MSG_SEND, sender: "cif1bob" } },
        { type: "transfer", attrs: { recipient: "cif1alice", amount: "5ucif" } },
        { type: "fl", attrs: { round: "2", deadline: "2024-01-02T00:00:00Z", day: "2024-02-01" } },
      ],
    ],
  ],
  [4n, []],
  [
    5n,
    Array.from({ length: 7 }, (_, i) => [
      { type: "message", attrs: { action: "bulk", sender: i === 4 ? "cif1dave" : "cif1erin" } },
    ]),
  ],
  [BIG_HEIGHT, [[{ type: "message", attrs: { sender: "cif1big" } }]]],
];

const txBytes = (h: bigint, i: number) => utf8(`tx-${h}-${i}`);

function results(evs: Ev[][]): ExecTxResult[] {
  return evs.map((tx) =>
    ExecTxResult.fromPartial({
      events: tx.map((e) => ({
        type: e.type,
        attributes: Object.entries(e.attrs).map(([key, value]) => ({ key, value, index: e.index ?? true })),
      })),
    }),
  );
}

type Loc = [number, number];
const ALL: Loc[] = BLOCKS.flatMap(([h, txs]) => txs.map((_, i) => [Number(h), i] as Loc));
/** Every tx of block 1, and of block 2. */
const AT_1: Loc[] = [
  [1, 0],
  [1, 1],
];
const AT_2: Loc[] = [
  [2, 0],
  [2, 1],
  [2, 2],
];

describe("TxIndexer", () => {
  let dir: string;
  let db: LevelDB;
  let idx: TxIndexer;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cifer-txindex-"));
    db = new LevelDB(dir);
    await db.open();
    idx = new TxIndexer(db);
    for (const [h, txs] of BLOCKS) await db.write(blockOps(h, txs));
  });

  after(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The index writes of a block of fake txs. */
  function blockOps(h: bigint, txs: Ev[][]) {
    return idx.opsForBlock(
      h,
      txs.map((_, i) => txBytes(h, i)),
      results(txs),
    );
  }

  async function find(q: string, order: "asc" | "desc" = "asc", ix = idx): Promise<Loc[]> {
    const r = await ix.search(q, 1, 100, order);
    const locs = r.locs.map((l) => [Number(l.height), l.index] as Loc);
    assert.equal(r.total, locs.length);
    return locs;
  }

  async function rejects(p: Promise<unknown>, code: TxQueryErrorCode, message: RegExp): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof TxQueryError, `expected TxQueryError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    });
  }

  it("writes only put ops under x/, deterministically", () => {
    const [h, txs] = BLOCKS[1]!;
    const a = blockOps(h, txs);
    const b = blockOps(h, txs);
    assert.deepEqual(a, b);
    for (const op of a) {
      assert.equal(op.type, "put");
      assert.equal(Buffer.from(op.key.subarray(0, 2)).toString(), "x/");
    }
    const keys = a.map((op) => Buffer.from(op.key).toString("latin1"));
    assert.equal(new Set(keys).size, keys.length, "no duplicate keys");
    for (const absent of ["secret.key", "nokind", "tx.height", "tx.hash", "big.value"]) {
      assert.ok(!keys.some((k) => k.includes(absent)), `${absent} must not be indexed`);
    }
    assert.ok(
      keys.some((k) => k.includes("big.ok")),
      "a 512-byte value is indexed",
    );
    assert.deepEqual(idx.opsForBlock(4n, [], []), []);
    assert.throws(() => idx.opsForBlock(9n, [txBytes(9n, 0)], []), /1 txs but 0 results/);
  });

  it("looks a tx up by hash", async () => {
    assert.deepEqual(await idx.get(txHash(txBytes(2n, 1))), { height: 2n, index: 1 });
    assert.deepEqual(await idx.get(txHash(txBytes(BIG_HEIGHT, 0))), { height: BIG_HEIGHT, index: 0 });
    assert.equal(await idx.get(txHash(utf8("never committed"))), undefined);
    assert.equal(await idx.get(new Uint8Array(0)), undefined);
  });

  it("searches by tx.hash", async () => {
    const hex = toHexUpper(txHash(txBytes(2n, 1)));
    assert.deepEqual(await find(`tx.hash='${hex}'`), [[2, 1]]);
    assert.deepEqual(await find(`tx.hash = '${hex.toLowerCase()}'`), [[2, 1]]);
    assert.deepEqual(await find(`tx.hash='${hex}' AND tx.height=2 AND fl.memo='a/b'`), [[2, 1]]);
    assert.deepEqual(await find(`tx.hash='${hex}' AND tx.height=3`), []);
    assert.deepEqual(await find(`tx.hash='${hex}' AND message.sender='cif1alice'`), []);
    assert.deepEqual(await find(`tx.hash='${"00".repeat(32)}'`), []);
    await rejects(find("tx.hash='xyz'"), TxQueryErrorCode.INVALID_HASH, /not a hex string/);
    await rejects(find("tx.hash='ABC'"), TxQueryErrorCode.INVALID_HASH, /not a hex string/);
    await rejects(find("tx.hash > 5"), TxQueryErrorCode.UNSUPPORTED, /tx.hash takes only =/);
    await rejects(find("tx.hash EXISTS"), TxQueryErrorCode.UNSUPPORTED, /tx.hash takes only =/);
  });

  it("searches by tx.height with = and ranges", async () => {
    assert.deepEqual(await find("tx.height=2"), AT_2);
    assert.deepEqual(await find("tx.height>=2 AND tx.height<4"), [...AT_2, [3, 0]]);
    assert.deepEqual(await find("tx.height > 1.5 AND tx.height <= 2.5"), AT_2);
    assert.deepEqual(await find("tx.height < 2"), AT_1);
    assert.deepEqual(await find("tx.height > 5"), [[Number(BIG_HEIGHT), 0]]);
    assert.deepEqual(await find(`tx.height = ${BIG_HEIGHT}`), [[Number(BIG_HEIGHT), 0]]);
    assert.deepEqual(await find("tx.height = 2.5"), []);
    assert.deepEqual(await find("tx.height = 4"), []);
    assert.deepEqual(await find("tx.height > 3 AND tx.height < 3"), []);
    assert.deepEqual(await find("tx.height = 99999999999999999999999"), []);
    assert.deepEqual(await find("tx.height = 999"), [], "a tx.height event attribute is not indexed");
    assert.deepEqual(await find("tx.height EXISTS"), ALL);
    await rejects(find("tx.height CONTAINS '1'"), TxQueryErrorCode.UNSUPPORTED, /tx.height takes/);
    await rejects(find("tx.height = '2'"), TxQueryErrorCode.UNSUPPORTED, /tx.height = '2': tx.height takes/);
    await rejects(find("tx.height > DATE 2020-01-01"), TxQueryErrorCode.UNSUPPORTED, /tx.height takes/);
  });

  it("matches event attributes exactly, never by prefix", async () => {
    assert.deepEqual(await find("message.sender='cif1alice'"), [
      [1, 0],
      [2, 0],
    ]);
    assert.deepEqual(await find("message.sender='cif1al'"), [[2, 1]]);
    assert.deepEqual(await find("message.sender='cif1'"), []);
    assert.deepEqual(await find("fl.memo='a/b'"), [[2, 1]]);
    assert.deepEqual(await find("fl.memo='a/b\u0000c'"), [[2, 0]]);
    assert.deepEqual(await find("transfer.recipient='x/1/2'"), [[2, 2]]);
    assert.deepEqual(await find("transfer.recipient='x/1'"), []);
    assert.deepEqual(await find("fl.round=10"), [[2, 0]], "a number operand of = matches the value text");
    assert.deepEqual(await find(`message.action='${MSG_SEND}'`), [
      [1, 0],
      [1, 1],
      [3, 0],
    ]);
    assert.deepEqual(await find("message.sender='nobody'"), []);
    assert.deepEqual(await find("secret.key='v'"), [], "index=false attributes are not searchable");
    assert.deepEqual(await find("nokind='v'"), []);
    assert.deepEqual(await find(`big.ok='${"z".repeat(400)}'`), []);
  });

  it("intersects conditions per tx (AND)", async () => {
    assert.deepEqual(await find("message.sender='cif1alice' AND transfer.recipient='cif1bob'"), [[1, 0]]);
    assert.deepEqual(await find("message.sender='cif1bob' AND transfer.recipient='cif1alice'"), [
      [1, 1],
      [3, 0],
    ]);
    assert.deepEqual(
      await find("message.sender='cif1bob' AND transfer.recipient='cif1alice' AND tx.height>2"),
      [[3, 0]],
    );
    assert.deepEqual(await find("message.sender='cif1alice' AND transfer.recipient='cif1alice'"), []);
    assert.deepEqual(
      await find(`message.action='${MSG_SEND}' AND message.sender='cif1alice' AND tx.height=1`),
      [[1, 0]],
    );
    assert.deepEqual(await find("message.sender='cif1alice' AND message.sender='cif1bob'"), []);
  });

  it("supports CONTAINS", async () => {
    assert.deepEqual(await find("transfer.recipient CONTAINS 'alice'"), [
      [1, 1],
      [3, 0],
    ]);
    assert.deepEqual(await find("transfer.recipient CONTAINS '/1/'"), [[2, 2]]);
    assert.deepEqual(await find("fl.memo CONTAINS '\u0000'"), [[2, 0]]);
    assert.deepEqual(await find("message.sender CONTAINS 'cif1' AND tx.height=2"), AT_2);
    assert.deepEqual(await find("transfer.recipient CONTAINS 'dave'"), []);
  });

  it("supports EXISTS", async () => {
    assert.deepEqual(await find("fl.round EXISTS"), [
      [2, 0],
      [2, 1],
      [3, 0],
    ]);
    assert.deepEqual(await find("fl.round EXISTS AND message.sender='cif1bob'"), [[3, 0]]);
    assert.deepEqual(await find("transfer.amount EXISTS AND tx.height < 3"), [[1, 0]]);
    assert.deepEqual(await find("nothing.here EXISTS"), []);
    assert.deepEqual(await find("secret.key EXISTS"), []);
    assert.deepEqual(await find("big.value EXISTS"), [], "values over 512 bytes are not indexed");
  });

  it("compares numbers and times in ranges", async () => {
    // Numerically: "10" > "2.5" > "2", which byte order would not give.
    assert.deepEqual(await find("fl.round > 2"), [
      [2, 0],
      [2, 1],
    ]);
    assert.deepEqual(await find("fl.round >= 2 AND fl.round < 10"), [
      [2, 1],
      [3, 0],
    ]);
    assert.deepEqual(await find("fl.round <= 2.5 AND tx.height = 2"), [[2, 1]]);
    assert.deepEqual(await find("transfer.amount > 1"), [], "100ucif is not a number");
    assert.deepEqual(await find("fl.deadline > TIME 2024-03-01T00:00:00Z"), [[2, 0]]);
    assert.deepEqual(await find("fl.deadline <= TIME 2024-06-01T10:00:00Z"), [
      [2, 0],
      [3, 0],
    ]);
    assert.deepEqual(await find("fl.deadline < TIME 2024-06-01T10:00:00Z"), [[3, 0]]);
    assert.deepEqual(await find("fl.day < DATE 2024-03-01"), [[3, 0]]);
    assert.deepEqual(await find("fl.day > DATE 2024-03-01"), []);
  });

  it("orders by (height, index) asc or desc", async () => {
    const asc = await find("message.sender CONTAINS 'cif1'");
    assert.deepEqual(asc, ALL);
    assert.deepEqual(await find("message.sender CONTAINS 'cif1'", "desc"), [...ALL].reverse());
    assert.deepEqual(await find("tx.height >= 1", "desc"), [...ALL].reverse());
  });

  it("pages results and reports the total", async () => {
    const page = async (p: number, order: "asc" | "desc" = "asc") => {
      const r = await idx.search("message.action='bulk'", p, 3, order);
      return { total: r.total, locs: r.locs.map((l) => [Number(l.height), l.index]) };
    };
    assert.deepEqual(await page(1), {
      total: 7,
      locs: [
        [5, 0],
        [5, 1],
        [5, 2],
      ],
    });
    assert.deepEqual(await page(2), {
      total: 7,
      locs: [
        [5, 3],
        [5, 4],
        [5, 5],
      ],
    });
    assert.deepEqual(await page(3), { total: 7, locs: [[5, 6]] });
    assert.deepEqual(await page(1, "desc"), {
      total: 7,
      locs: [
        [5, 6],
        [5, 5],
        [5, 4],
      ],
    });
    assert.deepEqual(await page(3, "desc"), { total: 7, locs: [[5, 0]] });
    await rejects(
      page(4),
      TxQueryErrorCode.PAGE_OUT_OF_RANGE,
      /^page should be within \[1, 3\] range, given 4$/,
    );
    await rejects(
      page(0),
      TxQueryErrorCode.PAGE_OUT_OF_RANGE,
      /^page should be within \[1, 3\] range, given 0$/,
    );
    assert.deepEqual(await idx.search("message.sender='nobody'", 1, 30, "asc"), { total: 0, locs: [] });
    await rejects(
      idx.search("message.sender='nobody'", 2, 30, "asc"),
      TxQueryErrorCode.PAGE_OUT_OF_RANGE,
      /^page should be within \[1, 1\] range, given 2$/,
    );
    await rejects(idx.search("tx.height=1", 1, 0, "asc"), TxQueryErrorCode.INVALID_PER_PAGE, /per_page/);
    assert.deepEqual((await idx.search("message.action='bulk'", 1, 7, "asc")).locs.length, 7);
  });

  it("rejects malformed queries with a TxQueryError", async () => {
    await rejects(find("message.sender='cif1alice"), TxQueryErrorCode.SYNTAX, /unterminated string/);
    await rejects(find("message.sender != 'cif1alice'"), TxQueryErrorCode.SYNTAX, /invalid character "!"/);
    await rejects(find("message.sender LIKE 'cif1'"), TxQueryErrorCode.SYNTAX, /expected an operator/);
    await rejects(find(""), TxQueryErrorCode.EMPTY, /empty query/);
    await rejects(
      find(`message.sender='${"a".repeat(600)}'`),
      TxQueryErrorCode.TOO_LONG,
      /maximum query length/,
    );
  });

  it("bounds the work of a query", async () => {
    const small = new TxIndexer(db, { maxCandidates: 5 });
    await rejects(
      find("message.action='bulk'", "asc", small),
      TxQueryErrorCode.TOO_MANY_RESULTS,
      /message.action = 'bulk' matches more than 5 txs; narrow the query/,
    );
    await rejects(
      find("tx.height EXISTS", "asc", small),
      TxQueryErrorCode.TOO_MANY_RESULTS,
      /more than 5 txs/,
    );
    await rejects(
      find("message.sender CONTAINS 'cif1'", "asc", small),
      TxQueryErrorCode.TOO_MANY_RESULTS,
      /CONTAINS/,
    );
    // A broad condition is fine once another one narrows the candidates, in either order.
    assert.deepEqual(await find("message.action='bulk' AND message.sender='cif1dave'", "asc", small), [
      [5, 4],
    ]);
    assert.deepEqual(await find("message.sender='cif1dave' AND message.action='bulk'", "asc", small), [
      [5, 4],
    ]);
    assert.deepEqual(await find("message.sender CONTAINS 'e' AND message.sender='cif1dave'", "asc", small), [
      [5, 4],
    ]);
    assert.deepEqual(await find("tx.height=5 AND message.sender='cif1dave'", "asc", small), [[5, 4]]);
    assert.deepEqual(await find("tx.height=1", "asc", small), AT_1);

    const stingy = new TxIndexer(db, { maxScannedEntries: 3 });
    await rejects(
      find("message.action='bulk'", "asc", stingy),
      TxQueryErrorCode.TOO_MANY_RESULTS,
      /more than 3 index entries/,
    );
    assert.deepEqual(await find("message.sender='cif1dave'", "asc", stingy), [[5, 4]]);
  });
});
