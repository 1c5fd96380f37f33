import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { trainWithAttack } from "../../client/fl/attacks.ts";
import { initTf, type Tf } from "../../client/fl/backend.ts";
import { DIGITS_PATH, loadCsvDataset, subset } from "../../client/fl/dataset.ts";
import { createMlp, type ModelSpec } from "../../client/fl/model.ts";
import { splitIid } from "../../client/fl/split.ts";
import type { EvaluateRequest } from "../../modules/fl/service/evaluate-job.ts";
import { runEvaluation } from "../../modules/fl/service/evaluate-job.ts";
import { Evaluator } from "../../modules/fl/service/evaluator.ts";
import { layerSizes } from "../../modules/fl/weights.ts";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

// A committee member's scoring of a stage (modules/fl/service/evaluate-job.ts) on real digits with
// TensorFlow.js: honest updates get a positive FLTrust weight, a sign-flipped x10 one gets 0;
// accuracies are measured on the test split; the evaluation worker gives the same kind of answer
// off the event loop.

let tf: Tf;
let spec: ModelSpec;
let req: EvaluateRequest;
const evaluator = new Evaluator();

before(async () => {
  ({ tf } = await initTf());
  const csv = gunzipSync(readFileSync(DIGITS_PATH)).toString("utf8");
  const all = loadCsvDataset(DIGITS_PATH);
  const m = await createMlp(tf, {
    inputs: 64,
    hidden: [32],
    training: { featureScale: 16, classes: 10, epochs: 2, batchSize: 32, learningRate: 0.1 },
    seed: 3,
  });
  spec = m.spec;
  // Trainers' data: the first 1,200 digits in 3 parts; the eval set the rest (597 records).
  const parts = splitIid(
    subset(
      all,
      Array.from({ length: 1200 }, (_, i) => i),
    ),
    3,
    1,
  );
  const rows = csv.split("\n").filter((l) => l.trim() !== "");
  const evalCsv = rows.slice(1200).join("\n");
  const n = rows.length - 1200;
  const updates = [
    { id: "honest-a", bytes: await trainWithAttack(tf, spec, m.weights, parts[0]!, undefined, 1) },
    { id: "honest-b", bytes: await trainWithAttack(tf, spec, m.weights, parts[1]!, undefined, 2) },
    { id: "attacker", bytes: await trainWithAttack(tf, spec, m.weights, parts[2]!, "sign-flip", 3) },
    { id: "broken", bytes: new Uint8Array(12) },
  ];
  req = {
    modelSpec: JSON.stringify(spec),
    sizes: layerSizes(spec.weightSpecs),
    global: m.weights,
    updates,
    evalCsv,
    validation: Array.from({ length: 150 }, (_, i) => i),
    test: Array.from({ length: n - 150 }, (_, i) => 150 + i),
  };
});
after(() => evaluator.close());

test("honest updates are trusted, the sign-flipped one and a broken blob score 0", async () => {
  const out = await runEvaluation(req);
  const by = new Map(out.scores.map((s) => [s.id, s]));
  assert.ok(by.get("honest-a")!.trustPpm > 100_000, `honest a ${by.get("honest-a")!.trustPpm}`);
  assert.ok(by.get("honest-b")!.trustPpm > 100_000, `honest b ${by.get("honest-b")!.trustPpm}`);
  assert.equal(by.get("attacker")!.trustPpm, 0);
  assert.equal(by.get("broken")!.trustPpm, 0);
  assert.match(by.get("broken")!.invalid ?? "", /bytes/);
  // The untrained model is near chance (10 classes); an honest round of training is better by far
  // (37% measured with 400 samples and 2 epochs); the attack is worse than honest.
  assert.ok(out.globalAccuracyPpm < 250_000, `global ${out.globalAccuracyPpm}`);
  for (const id of ["honest-a", "honest-b"])
    assert.ok(
      by.get(id)!.accuracyPpm > out.globalAccuracyPpm + 100_000,
      `${id} accuracy ${by.get(id)!.accuracyPpm}, global ${out.globalAccuracyPpm}`,
    );
  assert.ok(by.get("attacker")!.accuracyPpm < by.get("honest-a")!.accuracyPpm);
  assert.ok(out.referenceNormNano > 0n);
});

test("the evaluation worker answers the same way off the event loop", async () => {
  const out = await evaluator.run(req);
  const by = new Map(out.scores.map((s) => [s.id, s]));
  assert.equal(by.get("attacker")!.trustPpm, 0);
  assert.ok(by.get("honest-a")!.trustPpm > 100_000);
  assert.ok(["wasm", "cpu", "tensorflow"].includes(out.backend));
});
