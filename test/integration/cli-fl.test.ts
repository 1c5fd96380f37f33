/**
 * The `cifer fl` commands end to end, as users run them (child processes), against a real node
 * process (TestNode, blobs enabled by default): init-model, create-task (the genesis weights reach
 * the node's blob store, the pool leaves the owner's balance exactly), join with two trainers,
 * status, train (its first update is on chain and its blob is the trained model; Ctrl-C stops it
 * cleanly), cancel (the escrow comes back). A second task runs `train` to its end: the node's
 * aggregator service is switched off, so the round's committee never reports and the task
 * fails (fl params shortened here), which the trainer reports and exits 0. A third task is issue
 * #6's: the trust rule, contribution payout, a join bond and an eval set encrypted for the node's
 * validator (which opens it with its consensus key); joining it takes the bond.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { CiferClient } from "../../client/cifer-client.ts";
import { getBlob } from "../../client/fl/blobs.ts";
import { decodeTxRaw } from "@cosmjs/proto-signing";
import { loadEd25519KeyFile } from "../../chain/consensus/priv-validator.ts";
import { homePaths } from "../../chain/node/home.ts";
import { type Dataset, DIGITS_PATH, loadCsvDataset, subset } from "../../client/fl/dataset.ts";
import { parseModelSpec, weightsOf } from "../../client/fl/model.ts";
import { decryptEvalSet } from "../../modules/fl/evalset/cipher.ts";
import { evalSetContext, unwrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import { ckksBlobBytes } from "../../modules/fl/ckks/params.ts";
import { Payout, Privacy, RoundStatus, Rule, TaskStatus } from "../../modules/fl/proto.ts";
import { assertOk, assertOneLineError, runCli, startCli } from "../helpers/cli.ts";
import { TestNode } from "../helpers/node-process.ts";

const CMD_TIMEOUT_MS = 60_000;
/** Rows of the digits each trainer holds. */
const ROWS = 300;
const POOL = 10_000_000n; // 10 CIF
/** Records of the owner's eval set: digits no trainer holds. */
const EVAL_ROWS = 40;

/** Rows `from`..`from + count - 1` of the digits as CSV text. */
function digitsCsv(digits: Dataset, from: number, count: number): string {
  const part = subset(
    digits,
    Array.from({ length: count }, (_, i) => from + i),
  );
  const rows: string[] = [];
  for (let i = 0; i < part.count; i++)
    rows.push([...part.x.subarray(i * part.features, (i + 1) * part.features), part.y[i]].join(","));
  return `${rows.join("\n")}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cifer fl against a running node", () => {
  let node: TestNode;
  let client: CiferClient;
  let tmp: string;
  let kr: string[];
  let devs: Awaited<ReturnType<typeof devAccounts>>;
  let modelDir: string;
  let weightsCid: string;
  let dataFile: string;
  let evalFile: string;
  let evalText: string;

  const run = (args: string[]) => runCli([...args, "--node", node.url], { timeoutMs: CMD_TIMEOUT_MS });
  const json = async (...args: string[]) => JSON.parse(assertOk(await run([...args, "-o", "json"])).stdout);
  const tx = async (...args: string[]) => {
    const res = await json("fl", ...args, ...kr, "--yes");
    assert.equal(res.code, 0);
    return res;
  };
  /** ucif the tx with this hash paid in fees. */
  const feeOf = async (hash: string) => BigInt((await json("query", "tx", hash)).fee.amount[0].amount);
  const balance = async (address: string) => BigInt((await client.getBalance(address, "ucif")).amount);

  /** `cifer fl train` on a task, polling every 200 ms, until it is stopped. */
  const startTrainer = (task: string, from: string) =>
    startCli(
      [
        "fl",
        "train",
        "--task",
        task,
        "--data",
        dataFile,
        "--from",
        from,
        "--poll-interval",
        "200",
        "--node",
        node.url,
        ...kr,
      ],
      { timeoutMs: CMD_TIMEOUT_MS },
    );
  /** Round 1's updates of the task once the trainer's is on chain (at most 40 s). */
  const firstUpdates = async (trainer: ReturnType<typeof startCli>, taskId: bigint) => {
    let updates: Awaited<ReturnType<typeof client.query.fl.updates>>["updates"] = [];
    for (let i = 0; i < 200 && updates.length === 0; i++) {
      await sleep(200);
      if (trainer.child.exitCode !== null) break;
      updates = (await client.query.fl.updates(taskId, 1)).updates;
    }
    assert.equal(
      updates.length,
      1,
      `no update on chain; stdout: ${trainer.stdout}; stderr: ${trainer.stderr}`,
    );
    return updates;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-fl-"));
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    devs = await devAccounts(3);
    node = await TestNode.create({
      // The node's own aggregator service off: this node is the only validator, so it would be
      // the committee, and whether it reports within aggregate_blocks would be a race. The paid
      // path, with the service, is test/integration/fl-demo.test.ts.
      config: (c) => {
        c.fl = { ...c.fl, enabled: false };
      },
      genesis: (g) => {
        // A round that misses its quorum, or whose committee stays silent, fails at once.
        const fl = g.app_state!.fl as { params: Record<string, string> };
        Object.assign(fl.params, { max_extensions: "0", aggregate_blocks: "2", max_attempts: "1" });
      },
    });
    await node.start();
    client = await CiferClient.connect(node.url);
    for (const [name, index] of [
      ["owner", 0],
      ["t1", 1],
      ["t2", 2],
    ] as const)
      assertOk(
        await runCli(["keys", "add", name, "--recover", "--index", String(index), ...kr], {
          input: DEV_MNEMONIC,
          timeoutMs: CMD_TIMEOUT_MS,
        }),
      );
    const digits = loadCsvDataset(DIGITS_PATH);
    dataFile = join(tmp, "digits-part.csv");
    writeFileSync(dataFile, digitsCsv(digits, 0, ROWS));
    evalText = digitsCsv(digits, 1000, EVAL_ROWS);
    evalFile = join(tmp, "digits-eval.csv");
    writeFileSync(evalFile, evalText);
  });

  after(async () => {
    client?.disconnect();
    await node?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("init-model writes the spec and seeded weights", async () => {
    modelDir = join(tmp, "model");
    const out = JSON.parse(
      assertOk(
        await runCli(
          [
            "fl",
            "init-model",
            "--inputs",
            "64",
            "--hidden",
            "16",
            "--classes",
            "10",
            "--feature-scale",
            "16",
            "--out",
            modelDir,
            "-o",
            "json",
          ],
          { timeoutMs: CMD_TIMEOUT_MS },
        ),
      ).stdout,
    );
    assert.equal(out.parameters, 64 * 16 + 16 + 16 * 10 + 10);
    weightsCid = out.weights_cid;
    assert.equal(weightsCid, cidOf(readFileSync(join(modelDir, "weights.bin"))));
  });

  test("create-task: the genesis weights are on the node, the pool leaves the owner exactly", async () => {
    const owner = devs[0]!.address;
    const before = await balance(owner);
    const res = await tx(
      "create-task",
      "--model",
      modelDir,
      "--reward",
      "10CIF",
      "--rounds",
      "2",
      "--round-blocks",
      "150",
      "--min-participants",
      "2",
      "--max-participants",
      "5",
      "--rule",
      "fedavg",
      "--committee-size",
      "1",
      "--from",
      "owner",
    );
    assert.equal(res.task_id, "1");
    assert.equal(res.genesis_weights_cid, weightsCid);
    assert.equal(before - (await balance(owner)), POOL + (await feeOf(res.txhash)));
    const { task } = await client.query.fl.task(1n);
    assert.equal(task.status, TaskStatus.Open);
    assert.equal(task.escrow, POOL.toString());
    assert.equal(task.globalModelCid, weightsCid);
    assert.deepEqual(
      await getBlob(node.url, weightsCid),
      new Uint8Array(readFileSync(join(modelDir, "weights.bin"))),
    );
  });

  test("join with two trainers; status shows the task, round 1 and its participants", async () => {
    await tx("join", "--task", "1", "--from", "t1");
    await tx("join", "--task", "1", "--from", "t2");
    const s = await json("fl", "status", "--task", "1");
    assert.equal(s.task.status, "running");
    assert.equal(s.task.rule, "fedavg");
    assert.equal(s.task.participantCount, 2);
    assert.deepEqual(
      s.participants.map((p: { address: string }) => p.address).sort(),
      [devs[1]!.address, devs[2]!.address].sort(),
    );
    assert.equal(s.rounds.length, 1);
    assert.equal(s.rounds[0].status, "collecting");
    const text = assertOk(await run(["fl", "status", "--task", "1"])).stdout;
    assert.match(text, /^status:\s+running$/m);
    assert.match(text, /^rounds:\s+0\/2 done \(current 1\)$/m);
    assert.match(text, /^escrow_left:\s+10000000ucif \(10 CIF\)$/m);
    assert.match(text, /^ROUND\s+STATUS\s+UPDATES\s+SAMPLES\s+COMMITTEE\s+ACCURACY\s+GLOBAL MODEL\s+PAID$/m);
    assert.match(text, /^1\s+collecting\s+0\s+0\s+-\s+-\s+-\s+-$/m);
    assert.match(text, /^round 1 updates:\nno updates yet$/m);
    assert.match(text, new RegExp(`^${devs[1]!.address}\\s+\\d+\\s+0\\s+0ucif`, "m"));
    // A second join is refused before anything is signed.
    const again = await run(["fl", "join", "--task", "1", "--from", "t1", ...kr, "--yes"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already joined task 1/);
  });

  test("train: the first update is on chain, its blob is the trained model; Ctrl-C stops cleanly", async () => {
    const trainer = startTrainer("1", "t1");
    try {
      const updates = await firstUpdates(trainer, 1n);
      const u = updates[0]!;
      assert.equal(u.participant, devs[1]!.address);
      assert.equal(u.samples, BigInt(ROWS));
      const { task, modelSpec } = await client.query.fl.task(1n);
      assert.equal(u.sizeBytes, task.updateBytes);
      const bytes = await getBlob(node.url, u.cid);
      weightsOf(parseModelSpec(modelSpec), bytes);
      assert.notEqual(u.cid, weightsCid, "trained weights differ from the genesis weights");
      // Let the trainer print its submission, then interrupt it while it waits for the deadline.
      for (let i = 0; i < 50 && !/submitted/.test(trainer.stderr); i++) await sleep(100);
      trainer.child.kill("SIGINT");
      const r = await trainer.done;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stdout, /^TensorFlow\.js backend: (wasm|cpu|tensorflow)$/m);
      assert.match(r.stderr, /round 1: submitted bafkrei\S+ \(300 samples, loss \d/);
      assert.match(r.stderr, /stopped \(interrupted\): 1 round submitted/);
      assert.doesNotMatch(r.stderr, /Error:/);
    } finally {
      trainer.child.kill("SIGKILL");
    }
    const s = await json("fl", "status", "--task", "1");
    assert.equal(s.rounds[0].updateCount, 1);
    assert.equal(s.rounds[0].status, "collecting");
  });

  test("cancel: the escrow comes back to the owner", async () => {
    const owner = devs[0]!.address;
    const before = await balance(owner);
    const res = await tx("cancel", "--task", "1", "--from", "owner");
    assert.equal(res.refunded, `${POOL}ucif`);
    assert.equal((await balance(owner)) - before, POOL - (await feeOf(res.txhash)));
    const { task } = await client.query.fl.task(1n);
    assert.equal(task.status, TaskStatus.Cancelled);
    assert.equal(task.escrow, "0");
    assert.equal(task.refunded, POOL.toString());
    assert.equal((await client.query.fl.round(1n, 1)).round.status, RoundStatus.Cancelled);
  });

  test("train joins by itself and follows its task to the end", async () => {
    const res = await tx(
      "create-task",
      "--model",
      modelDir,
      "--reward",
      "1CIF",
      "--rounds",
      "1",
      "--round-blocks",
      "40",
      "--min-participants",
      "1",
      "--max-participants",
      "3",
      "--rule",
      "median",
      "--committee-size",
      "1",
      "--from",
      "owner",
    );
    assert.equal(res.task_id, "2");
    const r = assertOk(
      await run([
        "fl",
        "train",
        "--task",
        "2",
        "--data",
        dataFile,
        "--from",
        "t2",
        "--epochs",
        "2",
        "--poll-interval",
        "200",
        ...kr,
      ]),
    );
    assert.match(r.stderr, /joined task 2/);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0]!, /^TensorFlow\.js backend: /);
    // No validator runs the aggregation service here: the committee stays silent and the task fails.
    assert.match(
      r.stdout,
      /^round 1: failed, update bafkrei\S+ \(300 samples, loss \d\S*\), no global model, reward 0ucif/m,
    );
    assert.equal(lines.at(-1), "done: task 2 failed; 1 round submitted, 0ucif (0 CIF) earned");
    const { task } = await client.query.fl.task(2n);
    assert.equal(task.status, TaskStatus.Failed);
    assert.equal(task.refunded, "1000000");
  });

  test("#6: trust, contribution payout, an eval set only the validator opens, a join bond", async () => {
    const owner = devs[0]!.address;
    const res = await tx(
      "create-task",
      "--model",
      modelDir,
      "--reward",
      "1CIF",
      "--rounds",
      "2",
      "--round-blocks",
      "40",
      "--min-participants",
      "2",
      "--max-participants",
      "3",
      "--rule",
      "trust",
      "--payout",
      "contribution",
      "--eval-data",
      evalFile,
      "--join-bond",
      "1000ucif",
      "--committee-size",
      "1",
      "--from",
      "owner",
    );
    assert.equal(res.task_id, "3");
    const { task } = await client.query.fl.task(3n);
    assert.equal(task.rule, Rule.Trust);
    assert.equal(task.payout, Payout.Contribution);
    assert.equal(task.joinBond, "1000");
    const e = task.evalSet!;
    assert.equal(e.cid, res.eval_set_cid);
    assert.equal(e.records, EVAL_ROWS);
    const { validators } = await client.query.staking.validators("BOND_STATUS_BONDED");
    assert.deepEqual(
      e.wraps.map((w) => w.validator),
      [validators[0]!.operatorAddress],
      "one wrap, for the node's validator",
    );
    // The blob on the node is ciphertext; the validator's consensus key opens it to the owner's CSV.
    const blob = await getBlob(node.url, e.cid);
    assert.ok(!Buffer.from(blob).includes(Buffer.from(evalText.split("\n")[0]!)));
    const { seed } = loadEd25519KeyFile(homePaths(node.home).privValidatorKey);
    const key = unwrapKey(e.wraps[0]!.wrap, seed, evalSetContext(await client.getChainId(), owner, e.cid));
    assert.equal(Buffer.from(decryptEvalSet(blob, key)).toString(), evalText);

    const trainer = devs[1]!.address;
    const before = await balance(trainer);
    const joined = await tx("join", "--task", "3", "--from", "t1");
    assert.equal(joined.bond, "1000ucif");
    const fee = BigInt(decodeTxRaw((await client.getTx(joined.txhash))!.tx).authInfo.fee!.amount[0]!.amount);
    assert.equal(before - (await balance(trainer)), 1000n + fee);
    assert.equal((await client.query.fl.task(3n)).task.heldBonds, "1000");

    const text = assertOk(await run(["fl", "status", "--task", "3"])).stdout;
    assert.match(text, /^rule:\s+trust$/m);
    assert.match(text, /^payout:\s+contribution$/m);
    assert.match(text, new RegExp(`^eval_set:\\s+${e.cid} \\(${EVAL_ROWS} records\\)$`, "m"));
    assert.match(text, new RegExp(`^evaluators:\\s+1 validator: ${validators[0]!.operatorAddress}$`, "m"));
    assert.match(text, /^join_bond:\s+1000ucif \(0\.001 CIF\) per trainer, 1000ucif \(0\.001 CIF\) held$/m);
    assert.match(
      text,
      new RegExp(`^${trainer}\\s+\\d+\\s+0\\s+0ucif \\(0 CIF\\)\\s+1000ucif \\(0\\.001 CIF\\)\\s+-$`, "m"),
    );
  });

  test("#6 ckks: keygen, create-task --privacy ckks, train uploads an encrypted update, publish-model waits for a paid round", async () => {
    const keys = join(tmp, "ckks");
    const made = JSON.parse(
      assertOk(
        await runCli(["fl", "ckks-keygen", "--out", keys, "-o", "json"], { timeoutMs: CMD_TIMEOUT_MS }),
      ).stdout,
    );
    assert.equal(statSync(made.secret_key).mode & 0o777, 0o600);
    const publicKey = new Uint8Array(readFileSync(made.public_key));
    const res = await tx(
      "create-task",
      "--model",
      modelDir,
      "--reward",
      "1CIF",
      "--rounds",
      "1",
      "--round-blocks",
      "200",
      "--min-participants",
      "1",
      "--max-participants",
      "2",
      "--rule",
      "fedavg",
      "--privacy",
      "ckks",
      "--ckks-public-key",
      made.public_key,
      "--committee-size",
      "1",
      "--from",
      "owner",
    );
    assert.equal(res.task_id, "4");
    assert.equal(res.ckks_public_key_cid, made.public_key_cid);
    const { task } = await client.query.fl.task(4n);
    assert.equal(task.privacy, Privacy.Ckks);
    assert.equal(task.ckksPublicKeyCid, cidOf(publicKey));
    assert.ok(Buffer.from(await getBlob(node.url, task.ckksPublicKeyCid)).equals(Buffer.from(publicKey)));
    assert.equal(task.updateBytes, ckksBlobBytes(task.paramCount));
    // The trainer's CLI encrypts under the task's key: the update on chain is a CKKS blob.
    const trainer = startTrainer("4", "t2");
    try {
      const updates = await firstUpdates(trainer, 4n);
      const blob = await getBlob(node.url, updates[0]!.cid);
      assert.equal(BigInt(blob.length), task.updateBytes);
      assert.equal(Buffer.from(blob.subarray(0, 8)).toString(), "CIFCKKS1");
      trainer.child.kill("SIGINT");
      assert.equal((await trainer.done).code, 130);
    } finally {
      trainer.child.kill("SIGKILL");
    }
    // Nothing to publish before the round is paid (the decryption itself is tested in
    // test/integration/fl-service.test.ts); the secret key is checked before any connection.
    const early = await run([
      "fl",
      "publish-model",
      "--task",
      "4",
      "--round",
      "1",
      "--secret-key",
      made.secret_key,
      "--from",
      "owner",
      ...kr,
      "--yes",
    ]);
    assertOneLineError(early, /round 1 of task 4 is not paid yet/);
    const wrongKey = await run([
      "fl",
      "publish-model",
      "--task",
      "4",
      "--round",
      "1",
      "--secret-key",
      made.public_key,
      "--from",
      "owner",
      ...kr,
      "--yes",
    ]);
    assertOneLineError(wrongKey, /--secret-key .*not a CKKS secret key/, { offline: true, exitCode: 2 });
    await tx("cancel", "--task", "4", "--from", "owner");
  });
});
