/** `cifer fl init-model`: a seeded MLP's spec and initial weights, ready for `cifer fl create-task`. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { cidOf } from "../../../chain/blobs/cid.ts";
import { DEFAULT_FL_PARAMS } from "../../../modules/fl/params.ts";
import { createMlp } from "../../fl/model.ts";
import { CliError, UsageError } from "../errors.ts";
import { MODEL_FILE, parseHiddenArg, parsePositiveNumberArg, WEIGHTS_FILE } from "../fl-options.ts";
import { printFields, printJson } from "../io.ts";
import { outputOf, outputOption, parseIntArg, withExamples } from "../options.ts";
import { loadTf } from "../tf.ts";

type InitModelFlags = {
  inputs: string;
  hidden: string;
  classes: string;
  featureScale: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  seed: string;
  out: string;
  force?: boolean;
  output?: string;
};

/** Parameters of a dense network: a weight matrix and a bias per layer. */
function mlpParams(inputs: number, hidden: number[], classes: number): number {
  let n = 0;
  let prev = inputs;
  for (const units of [...hidden, classes]) {
    n += prev * units + units;
    prev = units;
  }
  return n;
}

export function registerFlModelCommands(fl: Command): void {
  const init = fl
    .command("init-model")
    .description(
      "write a task's model: DIR/model.json (the TensorFlow.js layers spec with the training settings every trainer uses) and DIR/weights.bin (seeded initial weights, float32 little-endian); nothing is sent anywhere",
    )
    .addOption(
      new Option(
        "--inputs <n>",
        "input features per sample (CSV columns before the label)",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option("--hidden <units>", "units of each hidden ReLU layer, e.g. 32 or 64,32").default("32"),
    )
    .addOption(new Option("--classes <n>", "output classes (labels 0..n-1)").makeOptionMandatory())
    .addOption(
      new Option(
        "--feature-scale <x>",
        "trainers divide every feature by this (16 for 0..16 pixels)",
      ).default("1"),
    )
    .addOption(new Option("--epochs <n>", "local epochs per round").default("1"))
    .addOption(new Option("--batch-size <n>", "local mini-batch size").default("16"))
    .addOption(new Option("--learning-rate <x>", "SGD learning rate").default("0.1"))
    .addOption(new Option("--seed <n>", "seed of the initial weights (same seed, same weights)").default("1"))
    .addOption(
      new Option("--out <dir>", "directory to write model.json and weights.bin to").makeOptionMandatory(),
    )
    .option("--force", "overwrite model.json and weights.bin if they exist")
    .addOption(outputOption());
  withExamples(init, [
    "cifer fl init-model --inputs 64 --hidden 32 --classes 10 --feature-scale 16 --out ./digits-model",
    "cifer fl init-model --inputs 64 --hidden 64,32 --classes 10 --feature-scale 16 --epochs 2 --learning-rate 0.05 --seed 7 --out ./m2",
  ]);
  init.action(async (opts: InitModelFlags) => {
    const inputs = parseIntArg(opts.inputs, "--inputs", 1, 1_000_000);
    const hidden = parseHiddenArg(opts.hidden);
    const classes = parseIntArg(opts.classes, "--classes", 2, 100_000);
    const training = {
      featureScale: parsePositiveNumberArg(opts.featureScale, "--feature-scale"),
      classes,
      epochs: parseIntArg(opts.epochs, "--epochs", 1, 10_000),
      batchSize: parseIntArg(opts.batchSize, "--batch-size", 1, 1_000_000),
      learningRate: parsePositiveNumberArg(opts.learningRate, "--learning-rate"),
    };
    const seed = parseIntArg(opts.seed, "--seed", 0, 2 ** 31 - 1);
    const params = mlpParams(inputs, hidden, classes);
    if (params > Number(DEFAULT_FL_PARAMS.maxParamCount))
      throw new UsageError(
        `the model would have ${params} parameters; the chain accepts at most ${DEFAULT_FL_PARAMS.maxParamCount} by default`,
      );
    const dir = resolve(opts.out);
    const specPath = join(dir, MODEL_FILE);
    const weightsPath = join(dir, WEIGHTS_FILE);
    if (!opts.force)
      for (const p of [specPath, weightsPath])
        if (existsSync(p)) throw new UsageError(`${p} exists; pass --force to overwrite it`);
    const format = outputOf(opts);

    const tf = await loadTf();
    const { spec, weights } = await createMlp(tf.tf, { inputs, hidden, training, seed });
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(specPath, `${JSON.stringify(spec, null, 2)}\n`);
      writeFileSync(weightsPath, weights);
    } catch (e) {
      throw new CliError(`cannot write the model to ${dir}: ${(e as Error).message}`);
    }
    const out = {
      model_spec: specPath,
      weights: weightsPath,
      parameters: weights.length / 4,
      update_bytes: weights.length,
      weights_cid: cidOf(weights),
      layers: [inputs, ...hidden, classes].join(" -> "),
      tf_backend: tf.backend,
    };
    if (format === "json") printJson(out);
    else printFields(out);
  });
}
