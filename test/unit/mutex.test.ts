import assert from "node:assert/strict";
import { test } from "node:test";
import { PriorityMutex } from "../../chain/util/mutex.ts";

test("priority mutex: one holder at a time, urgent waiters before normal ones, each in arrival order", async () => {
  const m = new PriorityMutex();
  const log: string[] = [];
  let holders = 0;
  const job = (name: string) => async () => {
    holders++;
    assert.equal(holders, 1, "never two holders");
    log.push(name);
    await new Promise((r) => setTimeout(r, 1));
    holders--;
    return name;
  };
  const runs = [
    m.run(job("n1")),
    m.run(job("n2")),
    m.run(job("u1"), true),
    m.run(job("n3")),
    m.run(job("u2"), true),
  ];
  assert.equal(m.waiting, 4);
  assert.deepEqual(await Promise.all(runs), ["n1", "n2", "u1", "n3", "u2"]);
  assert.deepEqual(log, ["n1", "u1", "u2", "n2", "n3"]);
  assert.equal(m.waiting, 0);
});

test("priority mutex: a failing holder releases the lock", async () => {
  const m = new PriorityMutex();
  const failed = m.run(async () => {
    throw new Error("boom");
  });
  const next = m.run(async () => "ran");
  await assert.rejects(failed, /boom/);
  assert.equal(await next, "ran");
});
