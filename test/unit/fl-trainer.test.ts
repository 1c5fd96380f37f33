/**
 * The trainer side of federated learning, in process: the CSV reader's refusals, seeded splits,
 * the weights blob layout, attacks, that local training on the digits really learns, and that a
 * trainer short of a task's join bond does not send a join the chain would refuse.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { flipLabels, gaussianNoise, signFlip } from "../../client/fl/attacks.ts";
import { initTf } from "../../client/fl/backend.ts";
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { CiferClient } from "../../client/cifer-client.ts";
import {
  type Dataset,
  DatasetError,
  DIGITS_PATH,
  loadCsvDataset,
  parseCsvDataset,
} from "../../client/fl/dataset.ts";
import { createMlp, ModelError, paramCount, weightsBytes, weightsOf } from "../../client/fl/model.ts";
import { holdOut, splitByLabelShards, splitIid } from "../../client/fl/split.ts";
import { accuracy, trainLocal } from "../../client/fl/train.ts";
import { FlTrainer, TrainerError } from "../../client/fl/trainer.ts";
import { type Task, TaskStatus } from "../../modules/fl/proto.ts";

const tmp = mkdtempSync(join(tmpdir(), "cifer-fl-trainer-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const TRAINING = { featureScale: 16, classes: 10, epochs: 1, batchSize: 16, learningRate: 0.1 };

describe("datasets", () => {
  test("the digits: 1,797 rows of 64 pixels in 0..16 and a label in 0..9", () => {
    const d = loadCsvDataset(DIGITS_PATH);
    assert.equal(d.count, 1797);
    assert.equal(d.features, 64);
    assert.equal(Math.max(...d.x), 16);
    assert.deepEqual([...new Set(d.y)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("plain and gzipped CSV read alike", () => {
    const text = "1,2,3,0\n4,5,6,1\n";
    writeFileSync(join(tmp, "a.csv"), text);
    writeFileSync(join(tmp, "a.csv.gz"), gzipSync(text));
    assert.deepEqual(loadCsvDataset(join(tmp, "a.csv")), loadCsvDataset(join(tmp, "a.csv.gz")));
    assert.deepEqual([...loadCsvDataset(join(tmp, "a.csv")).y], [0, 1]);
  });

  for (const [name, text, pattern] of [
    ["empty", "\n\n", /no rows/],
    ["a ragged row", "1,2,0\n1,0\n", /row 2: 2 columns, expected 3/],
    ["a word", "1,x,0\n", /row 1 column 2: not a finite number/],
    ["an empty cell", "1,,0\n", /row 1 column 2/],
    ["a fractional label", "1,2,0.5\n", /label must be an integer/],
    ["a negative label", "1,2,-1\n", /label must be an integer/],
    ["only a label", "3\n", /at least one feature/],
  ] as const) {
    test(`refused: ${name}`, () => assert.throws(() => parseCsvDataset(text), pattern));
  }

  test("a missing file is a DatasetError naming it", () =>
    assert.throws(
      () => loadCsvDataset(join(tmp, "nope.csv")),
      (e) => e instanceof DatasetError && /nope\.csv/.test(String(e)),
    ));
});

describe("splits", () => {
  const d = loadCsvDataset(DIGITS_PATH);

  test("hold-out and IID shares partition the data, the same for a seed, differently for another", () => {
    const { train, test: held } = holdOut(d, 0.2, 1);
    assert.equal(train.count + held.count, d.count);
    assert.equal(held.count, Math.round(d.count * 0.2));
    const parts = splitIid(train, 10, 3);
    assert.equal(
      parts.reduce((n, p) => n + p.count, 0),
      train.count,
    );
    assert.deepEqual(splitIid(train, 10, 3)[4], parts[4]);
    assert.notDeepEqual(splitIid(train, 10, 4)[4], parts[4]);
  });

  test("label shards: each trainer sees few labels, an IID share nearly all", () => {
    const { train } = holdOut(d, 0.2, 1);
    const labels = (p: { y: Int32Array }) => new Set(p.y).size;
    const shards = splitByLabelShards(train, 10, 3);
    assert.equal(shards.length, 10);
    for (const p of shards) assert.ok(labels(p) <= 4, `${labels(p)} labels`);
    for (const p of splitIid(train, 10, 3)) assert.ok(labels(p) >= 9);
  });
});

describe("weights and attacks", () => {
  const spec = {
    weightSpecs: [
      { name: "k", shape: [2, 3], dtype: "float32" as const },
      { name: "b", shape: [3], dtype: "float32" as const },
    ],
  };

  test("a weights blob is float32 little-endian in spec order, checked for size and finite values", () => {
    assert.equal(paramCount(spec), 9);
    const layers = [new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([7, 8, 9])];
    const bytes = weightsBytes(layers);
    assert.equal(bytes.length, 36);
    assert.equal(new DataView(bytes.buffer).getFloat32(4, true), 2);
    assert.deepEqual(weightsOf(spec, bytes), layers);
    assert.throws(() => weightsOf(spec, bytes.subarray(4)), /32 bytes, the model needs 36/);
    const bad = weightsBytes([new Float32Array([1, 2, 3, 4, Number.NaN, 6]), layers[1]!]);
    assert.throws(
      () => weightsOf(spec, bad),
      (e) => e instanceof ModelError && /weight 4 is not finite/.test(String(e)),
    );
    const inf = weightsBytes([layers[0]!, new Float32Array([7, Number.POSITIVE_INFINITY, 9])]);
    assert.throws(() => weightsOf(spec, inf), /weight 7 is not finite/);
  });

  test("sign flip reverses and scales the step; noise is seeded; label flip mirrors labels", () => {
    const g = new Float32Array([1, 1]);
    assert.deepEqual(signFlip(g, new Float32Array([2, 0.5]), 10), new Float32Array([-9, 6]));
    assert.deepEqual(gaussianNoise(g, 1, 5), gaussianNoise(g, 1, 5));
    assert.notDeepEqual(gaussianNoise(g, 1, 5), gaussianNoise(g, 1, 6));
    const d = parseCsvDataset("1,0\n1,3\n1,9\n");
    assert.deepEqual([...flipLabels(d, 10).y], [9, 6, 0]);
  });
});

describe("training with TensorFlow.js", () => {
  test("local training on digits learns (held-out accuracy from ~10% to > 85%) and leaks no tensors", async () => {
    const { tf, backend } = await initTf();
    assert.ok(["tensorflow", "wasm", "cpu"].includes(backend));
    const { train, test: held } = holdOut(loadCsvDataset(DIGITS_PATH), 0.2, 1);
    const { spec, weights } = await createMlp(tf, { inputs: 64, hidden: [32], seed: 7, training: TRAINING });
    assert.equal(weights.length, paramCount(spec) * 4);
    // Seeded initial weights: the genesis model of a task can be reproduced.
    assert.deepEqual(
      (await createMlp(tf, { inputs: 64, hidden: [32], seed: 7, training: TRAINING })).weights,
      weights,
    );
    const before = await accuracy(tf, spec, weights, held);
    const tensors = tf.memory().numTensors;
    const trained = await trainLocal(tf, spec, weights, train, { epochs: 5 });
    const after = await accuracy(tf, spec, trained, held);
    assert.ok(before < 0.3, `untrained accuracy ${before}`);
    // 5 epochs of SGD on 1,438 digits: a 64-32-10 MLP reaches ~95%; 85% leaves room for run-to-run noise.
    assert.ok(after > 0.85, `trained accuracy ${after}`);
    assert.equal(tf.memory().numTensors, tensors, "every tensor disposed");
  });
});

describe("joining a task with a join bond", () => {
  const task = {
    id: 4n,
    status: TaskStatus.Open,
    participantCount: 0,
    maxParticipants: 3,
    joinBond: "5000",
    rewardPool: { denom: "ucif", amount: "1000000" },
  } as Task;
  /** A client whose account holds `balance` ucif and has joined nothing; it counts what it sends. */
  const fakeClient = (balance: string) => {
    const sent: EncodeObject[][] = [];
    const client = {
      query: { fl: { participants: async () => ({ participants: [], pagination: undefined }) } },
      getBalance: async (_address: string, denom: string) => ({ denom, amount: balance }),
      signAndBroadcast: async (_address: string, messages: EncodeObject[]) => {
        sent.push(messages);
        return { code: 1, rawLog: "stop here", transactionHash: "AB", height: 1 };
      },
    };
    return { client: client as unknown as CiferClient, sent };
  };
  const trainer = (client: CiferClient) =>
    new FlTrainer({
      client,
      address: "cif1trainer",
      nodeUrl: "http://127.0.0.1:9",
      taskId: 4n,
      data: {} as Dataset,
    });

  test("short of the bond: refused before anything is sent, naming the bond and the balance", async () => {
    const { client, sent } = fakeClient("4999");
    await assert.rejects(
      trainer(client).ensureJoined(task),
      (e) =>
        e instanceof TrainerError &&
        e.message ===
          "joining task 4 takes a bond of 5000ucif (0.005 CIF) (returned when the task ends unless this trainer contributed nothing); cif1trainer has 4999ucif (0.004999 CIF)",
    );
    assert.equal(sent.length, 0);
  });

  test("with the bond in the balance, the join is sent", async () => {
    const { client, sent } = fakeClient("5000");
    await assert.rejects(trainer(client).ensureJoined(task), /joining task 4 failed \(code 1\): stop here/);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]![0]!.typeUrl, "/cifer.fl.v1.MsgJoinTask");
  });
});
