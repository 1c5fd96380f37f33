import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { TestNode } from "../helpers/node-process.ts";

// The examples in examples/ run as the README says, against a real node (CIFER_NODE), unchanged.

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
let node: TestNode;

before(async () => {
  node = await TestNode.create({ blockIntervalMs: 200 });
  await node.start();
});
after(() => node?.destroy());

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(root, "examples", name)], {
    cwd: root,
    env: { ...process.env, CIFER_NODE: node.url },
    timeout: 60_000,
  });
  return stdout;
}

test("examples/send-tokens.ts sends and shows both balances", async () => {
  const out = await example("send-tokens.ts");
  assert.match(out, /connected to http:\/\/127\.0\.0\.1:\d+: chain /);
});

test("examples/delegate-tokens.ts delegates, unbonds and withdraws rewards", async () => {
  const out = await example("delegate-tokens.ts");
  assert.match(out, /delegated 10 CIF: tx [0-9A-F]{64}/);
  assert.match(out, /unbonding 4 CIF: back on \d{4}-/);
  const paid = /withdrew (\d+)ucif in block \d+/.exec(out);
  assert.ok(paid && BigInt(paid[1]!) > 0n, out);
});

test("examples/verify-access.ts: the data owner's server allows the buyer only", async () => {
  const out = await example("verify-access.ts");
  assert.match(out, /minted \$Data (\d+) and listed it/);
  assert.match(out, /bought access for 5000000 ucif \(max 5000000\)/); // the linear curve's b, first sale
  assert.match(out, /^buyer: +allowed: grant \d+, valid until block [1-9]\d* \(checked at \d+\)$/m);
  assert.match(out, /^non-buyer: +denied: no valid grant at block \d+$/m);
  assert.match(out, /^forged: +denied: bad signature$/m);
  assert.match(out, /^replayed: +denied: unknown or used nonce$/m);
});
