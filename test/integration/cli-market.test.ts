/**
 * `cifer market mint-model --weights` end to end, as users run it (child processes), against a real
 * node process (TestNode, blobs enabled by default): the weights are uploaded to the node's blob
 * store by a plain `PUT /blobs` (no FL task), the $Model is minted by their CID and sha256, `cifer
 * query market asset` shows them, and `GET /blobs/<cid>` on the node returns the same bytes, which is
 * what an escrow's validator committee fetches. Weights of the wrong size are refused before the node
 * is asked anything: nothing is uploaded.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { assertOk, assertOneLineError, runCli } from "../helpers/cli.ts";
import { MODEL_SPEC } from "../helpers/fl.ts";
import { TestNode } from "../helpers/node-process.ts";

const CMD_TIMEOUT_MS = 60_000;

describe("cifer market mint-model --weights against a running node", () => {
  let node: TestNode;
  let tmp: string;
  let kr: string[];
  let specFile: string;
  let weightsFile: string;
  /** MODEL_SPEC's 8 parameters (3x2 kernel, 2 biases), float32 little-endian. */
  const weights = new Uint8Array(new Float32Array([0.5, -1, 0.25, 2, -0.125, 1.5, 0.1, -0.3]).buffer);

  const run = (args: string[]) => runCli([...args, "--node", node.url], { timeoutMs: CMD_TIMEOUT_MS });
  const json = async (...args: string[]) => JSON.parse(assertOk(await run([...args, "-o", "json"])).stdout);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-market-"));
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    specFile = join(tmp, "model.json");
    writeFileSync(specFile, MODEL_SPEC);
    weightsFile = join(tmp, "weights.bin");
    writeFileSync(weightsFile, weights);
    node = await TestNode.create({
      // Nothing here needs the FL committee's service: one fewer worker on a busy CI machine.
      config: (c) => {
        c.fl = { ...c.fl, enabled: false };
      },
    });
    await node.start();
    assertOk(
      await runCli(["keys", "add", "alice", "--recover", "--index", "0", ...kr], {
        input: DEV_MNEMONIC,
        timeoutMs: CMD_TIMEOUT_MS,
      }),
    );
  });

  after(async () => {
    await node?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the weights reach the node's blob store and the $Model names them", async () => {
    const cid = cidOf(weights);
    const hash = createHash("sha256").update(weights).digest("hex");
    // Not on the node before the command.
    assert.equal((await fetch(`${node.url}/blobs/${cid}`, { method: "HEAD" })).status, 404);

    const res = await json(
      "market",
      "mint-model",
      "--weights",
      weightsFile,
      "--spec",
      specFile,
      "--from",
      "alice",
      ...kr,
      "--yes",
    );
    assert.equal(res.code, 0);
    assert.equal(res.model_cid, cid);
    assert.match(res.asset_id, /^[1-9][0-9]*$/);

    const text = assertOk(await run(["query", "market", "asset", res.asset_id])).stdout;
    assert.match(text, new RegExp(`model_cid: +${cid}$`, "m"));
    assert.match(text, new RegExp(`model_hash: +${hash}$`, "m"));
    assert.match(text, new RegExp(`owner: +${(await devAccounts(1))[0]!.address}$`, "m"));
    const { asset } = await json("query", "market", "asset", res.asset_id);
    assert.equal(asset.kind, "model");
    assert.equal(asset.model.modelCid, cid);
    assert.equal(asset.model.modelHash, hash);
    assert.equal(asset.model.modelSpec, JSON.stringify(JSON.parse(MODEL_SPEC)));

    const got = await fetch(`${node.url}/blobs/${cid}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(got.status, 200);
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), weights);
  });

  test("weights of another size than the spec's: one line, exit 2, nothing uploaded", async () => {
    const short = join(tmp, "short.bin");
    writeFileSync(short, weights.subarray(0, 28));
    const r = await run([
      "market",
      "mint-model",
      "--weights",
      short,
      "--spec",
      specFile,
      "--from",
      "alice",
      ...kr,
      "--yes",
    ]);
    assertOneLineError(r, /--weights \S*short\.bin has 28 bytes, but the --spec model needs exactly 32/, {
      offline: true,
      exitCode: 2,
    });
    const head = await fetch(`${node.url}/blobs/${cidOf(weights.subarray(0, 28))}`, { method: "HEAD" });
    assert.equal(head.status, 404);
  });
});
