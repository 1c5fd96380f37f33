import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { utf8 } from "../../chain/crypto/hash.ts";
import { nextAppHash } from "../../chain/store/app-hash.ts";
import { CacheStore } from "../../chain/store/cache-store.ts";
import { iteratePrefix, prefixEnd } from "../../chain/store/kv.ts";
import { LevelDB } from "../../chain/store/level-db.ts";
import { PrefixStore } from "../../chain/store/prefix-store.ts";

const s = (b: Uint8Array) => Buffer.from(b).toString();
async function collect(it: AsyncIterable<[Uint8Array, Uint8Array]>) {
  const out: string[] = [];
  for await (const [k, v] of it) out.push(`${s(k)}=${s(v)}`);
  return out;
}

test("cache store merges its writes and deletes with the parent, in key order both ways", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cifer-store-"));
  const db = new LevelDB(join(dir, "db"));
  await db.open();
  try {
    await db.write(
      ["a/1", "a/3", "a/5", "b/1"].map((k) => ({ type: "put" as const, key: utf8(k), value: utf8(`p${k}`) })),
    );
    const c = new CacheStore(db.view(new Uint8Array()));
    c.set(utf8("a/2"), utf8("c2"));
    c.set(utf8("a/3"), utf8("c3"));
    c.delete(utf8("a/5"));
    c.set(utf8("a/9"), utf8("c9"));
    assert.deepEqual(await collect(iteratePrefix(c, utf8("a/"))), ["a/1=pa/1", "a/2=c2", "a/3=c3", "a/9=c9"]);
    assert.deepEqual(await collect(iteratePrefix(c, utf8("a/"), true)), [
      "a/9=c9",
      "a/3=c3",
      "a/2=c2",
      "a/1=pa/1",
    ]);
    assert.equal(await c.get(utf8("a/5")), undefined);
    const nested = new CacheStore(c);
    nested.delete(utf8("a/2"));
    assert.deepEqual(await collect(iteratePrefix(nested, utf8("a/"))), ["a/1=pa/1", "a/3=c3", "a/9=c9"]);
    nested.writeTo(c);
    assert.deepEqual(
      c.writes().map(([k, v]) => `${s(k)}=${v ? s(v) : "null"}`),
      ["a/2=null", "a/3=c3", "a/5=null", "a/9=c9"],
    );
    const p = new PrefixStore(c, utf8("a/"));
    assert.deepEqual(await collect(p.iterate(utf8(""), undefined)), ["1=pa/1", "3=c3", "9=c9"]);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("prefixEnd is the first key after every key with the prefix", () => {
  assert.deepEqual([...prefixEnd(Uint8Array.of(1, 2))!], [1, 3]);
  assert.deepEqual([...prefixEnd(Uint8Array.of(1, 0xff))!], [2]);
  assert.equal(prefixEnd(Uint8Array.of(0xff, 0xff)), undefined);
});

test("app hash depends on every write, its value, deletes and the previous hash", () => {
  const base = nextAppHash(new Uint8Array(32), 5n, [[utf8("k"), utf8("v")]]);
  const variants = [
    nextAppHash(new Uint8Array(32), 5n, [[utf8("k"), utf8("w")]]),
    nextAppHash(new Uint8Array(32), 5n, [[utf8("k"), null]]),
    nextAppHash(new Uint8Array(32), 6n, [[utf8("k"), utf8("v")]]),
    nextAppHash(new Uint8Array(32).fill(1), 5n, [[utf8("k"), utf8("v")]]),
    nextAppHash(new Uint8Array(32), 5n, [
      [utf8("k"), utf8("v")],
      [utf8("l"), utf8("")],
    ]),
  ];
  for (const v of variants) assert.notDeepEqual(v, base);
  assert.deepEqual(nextAppHash(new Uint8Array(32), 5n, [[utf8("k"), utf8("v")]]), base);
});
