/**
 * The `cifer fl` and `cifer query fl` commands without a node: argument parsers, model files, output
 * formatting and the progress line in process; and as users run them (child processes pointed at a
 * port nothing listens on, so a validation that was missing shows up as "cannot reach the node"
 * instead of the expected one-line error), --help on every fl command, and init-model's files.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { outcomeLine } from "../../client/cli/commands/fl-train.ts";
import { roundRewards } from "../../client/cli/commands/fl-status.ts";
import {
  agreementText,
  participantRow,
  roundRow,
  roundUpdateRow,
  ruleText,
  taskFields,
  taskJson,
  updateRow,
} from "../../client/cli/fl-format.ts";
import {
  parseBetaArg,
  parseEvalArgs,
  parseHiddenArg,
  parsePayoutArg,
  parseRuleArg,
  parseRuleParamsArgs,
  parseTaskIdArg,
  readModelArgs,
} from "../../client/cli/fl-options.ts";
import { UsageError } from "../../client/cli/errors.ts";
import { VALOPER_PREFIX } from "../../client/addresses.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { ProgressLine, progressBar } from "../../client/cli/progress.ts";
import { parseModelSpec, weightsOf } from "../../client/fl/model.ts";
import { checkDataFits, inputFeaturesOf } from "../../client/fl/trainer.ts";
import { parseModelSpec as parseChainModelSpec } from "../../modules/fl/model-spec.ts";
import {
  Payout,
  type Round,
  RoundStatus,
  Rule,
  type Stage,
  StageStatus,
  type Task,
  type Update,
} from "../../modules/fl/proto.ts";
import { MODEL_SPEC } from "../helpers/fl.ts";
import { assertOk, assertOneLineError, type CliRun, helpOf, runCli } from "../helpers/cli.ts";

const DEAD_NODE = "http://127.0.0.1:9"; // discard port: nothing answers
/** An account address (cif1...), where a validator's is expected. */
const DEV_ACCOUNT = toAddress(new Uint8Array(20).fill(7));
const RUN_TIMEOUT_MS = 60_000;
const TRAINING = { featureScale: 16, classes: 2, epochs: 1, batchSize: 4, learningRate: 0.1 };

const tmp = mkdtempSync(join(tmpdir(), "cifer-cli-fl-unit-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];

function cifer(args: string[], input = ""): Promise<CliRun> {
  return runCli(args, { input, env: { CIFER_NODE: DEAD_NODE }, timeoutMs: RUN_TIMEOUT_MS });
}

/** The tiny 3 -> 2 model of the fl tests, with the training settings trainers need. */
const TINY_SPEC = JSON.stringify({ ...JSON.parse(MODEL_SPEC), userDefinedMetadata: { cifer: TRAINING } });
const TINY_WEIGHTS = new Uint8Array(new Float32Array(8).fill(0.5).buffer);

function modelFiles(name: string, spec: string, weights: Uint8Array): { spec: string; weights: string } {
  const files = { spec: join(tmp, `${name}.json`), weights: join(tmp, `${name}.bin`) };
  writeFileSync(files.spec, spec);
  writeFileSync(files.weights, weights);
  return files;
}

const stage = (over: Partial<Stage>): Stage =>
  ({
    index: 0,
    status: StageStatus.Final,
    committee: [1, 2, 3, 4].map((i) => ({ validator: `v${i}`, power: 1n })),
    reports: [],
    agreed: ["v1", "v2", "v3"],
    excluded: [],
    ...over,
  }) as Stage;

describe("fl argument parsers (in process)", () => {
  test("task ids: positive uint64", () => {
    assert.equal(parseTaskIdArg("1"), 1n);
    assert.equal(parseTaskIdArg(" 18446744073709551615 "), 2n ** 64n - 1n);
    for (const bad of ["0", "-1", "1.5", "abc", "", "18446744073709551616", undefined])
      assert.throws(() => parseTaskIdArg(bad), /invalid --task .*expected a task id/, String(bad));
  });

  test("rules by name, trust included; trust takes no parameters", () => {
    assert.equal(parseRuleArg("median"), Rule.Median);
    assert.equal(parseRuleArg("Trimmed-Mean"), Rule.TrimmedMean);
    assert.equal(parseRuleArg("multikrum"), Rule.MultiKrum);
    assert.equal(parseRuleArg("trust"), Rule.Trust);
    for (const bad of ["fltrust", "avg", ""])
      assert.throws(
        () => parseRuleArg(bad),
        /expected one of fedavg, median, trimmed_mean, krum, multikrum, bulyan, trust/,
      );
    assert.deepEqual(parseRuleParamsArgs(Rule.Trust, {}, 2), { f: 0, m: 0, betaPpm: 0 });
    for (const [flags, name] of [
      [{ f: "1" }, "f \\(--f\\)"],
      [{ m: "2" }, "m \\(--m\\)"],
      [{ beta: "0.1" }, "beta \\(--beta\\)"],
    ] as const)
      assert.throws(
        () => parseRuleParamsArgs(Rule.Trust, flags, 5),
        new RegExp(`--rule trust: trust has no parameter ${name}`),
      );
  });

  test("payout, join bond, evaluators and eval data, with the combinations the chain refuses", () => {
    const spec = parseModelSpec(TINY_SPEC);
    const csv = (name: string, text: string) => {
      const path = join(tmp, name);
      writeFileSync(path, text);
      return path;
    };
    const evalFile = csv("eval-ok.csv", "1,2,3,0\n4,5,6,1\n\n7,8,9,0\n1,1,1,1\n");
    const v1 = toAddress(new Uint8Array(20).fill(1), VALOPER_PREFIX);
    const v2 = toAddress(new Uint8Array(20).fill(2), VALOPER_PREFIX);
    assert.deepEqual(parseEvalArgs(Rule.Median, {}, spec), {
      payout: Payout.Samples,
      joinBond: "",
      evalData: undefined,
      evaluators: undefined,
    });
    assert.equal(parsePayoutArg(" Contribution "), Payout.Contribution);
    const full = parseEvalArgs(
      Rule.Trust,
      { payout: "contribution", joinBond: "1.5CIF", evalData: evalFile, evaluators: `${v1}, ${v2}` },
      spec,
    );
    assert.equal(full.payout, Payout.Contribution);
    assert.equal(full.joinBond, "1500000");
    assert.deepEqual(full.evaluators, [v1, v2]);
    assert.equal(full.evalData?.dataset.count, 4);
    assert.equal(Buffer.from(full.evalData!.plain).toString(), "1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n");
    const refused: Array<[Rule, Record<string, string>, RegExp]> = [
      [
        Rule.Median,
        { payout: "tokens" },
        /^invalid --payout "tokens": expected one of samples, contribution$/,
      ],
      [Rule.Trust, {}, /^--rule trust needs --eval-data <file\.csv>/],
      [Rule.Median, { payout: "contribution" }, /^--payout contribution needs --eval-data/],
      [Rule.Median, { evaluators: v1 }, /^--evaluators needs --eval-data/],
      [Rule.Median, { joinBond: "5uatom" }, /^invalid --join-bond "5uatom": expected one amount of ucif/],
      [Rule.Median, { joinBond: "0ucif" }, /^--join-bond: invalid amount "0ucif": must be positive/],
      [Rule.Median, { evaluators: "cif1abc" }, /^invalid --evaluators address/],
      [Rule.Median, { evaluators: `${v1},${v1}` }, /is listed twice/],
      [Rule.Median, { evaluators: " , " }, /^invalid --evaluators: expected validator operator addresses/],
      [Rule.Median, { evalData: join(tmp, "none.csv") }, /^--eval-data: cannot read .*none\.csv/],
      [
        Rule.Median,
        { evalData: csv("eval-3.csv", "1,2,3,0\n4,5,6,1\n7,8,9,0\n") },
        /^--eval-data: .*eval-3\.csv: 3 records; an eval set has 4 to/,
      ],
      [
        Rule.Median,
        { evalData: csv("eval-wide.csv", "1,2,3,4,0\n".repeat(4)) },
        /^--eval-data: the data has 4 features per row, the task's model takes 3/,
      ],
      [
        Rule.Median,
        { evalData: csv("eval-label.csv", "1,2,3,5\n".repeat(4)) },
        /^--eval-data: the data has label 5, the task's model has classes 0\.\.1/,
      ],
    ];
    for (const [rule, flags, pattern] of refused)
      assert.throws(
        () => parseEvalArgs(rule, flags, spec),
        (e) => e instanceof UsageError && pattern.test(e.message),
        JSON.stringify(flags),
      );
  });

  test("beta: a fraction below 0.5, at most 6 decimals, in millionths", () => {
    assert.equal(parseBetaArg("0.2"), 200_000);
    assert.equal(parseBetaArg(".25"), 250_000);
    assert.equal(parseBetaArg("0"), 0);
    assert.equal(parseBetaArg("0.000001"), 1);
    for (const bad of ["1", "0.1234567", "-0.1", "abc", "", "."])
      assert.throws(() => parseBetaArg(bad), /invalid --beta/, bad);
  });

  test("rule parameters are checked as the chain checks them, at --min-participants", () => {
    assert.deepEqual(parseRuleParamsArgs(Rule.Krum, { f: "1" }, 5), { f: 1, m: 0, betaPpm: 0 });
    assert.throws(
      () => parseRuleParamsArgs(Rule.Krum, { f: "1" }, 4),
      /--rule krum: krum with f = 1 needs subgroups of more than 4 updates, --min-participants is 4/,
    );
    assert.throws(() => parseRuleParamsArgs(Rule.Median, { f: "1" }, 5), /median has no parameter f \(--f\)/);
    assert.throws(() => parseRuleParamsArgs(Rule.FedAvg, { beta: "0.1" }, 5), /no parameter beta \(--beta\)/);
    assert.throws(() => parseRuleParamsArgs(Rule.TrimmedMean, { beta: "0.5" }, 5), /beta < 0.5/);
    assert.throws(() => parseRuleParamsArgs(Rule.MultiKrum, { f: "1" }, 5), /1 <= m <= n - f/);
    assert.deepEqual(parseRuleParamsArgs(Rule.MultiKrum, { f: "1", m: "2" }, 5), { f: 1, m: 2, betaPpm: 0 });
    assert.throws(
      () => parseRuleParamsArgs(Rule.Bulyan, { f: "1" }, 6),
      /bulyan with f = 1 needs subgroups of at least 7/,
    );
  });

  test("hidden layers", () => {
    assert.deepEqual(parseHiddenArg("32"), [32]);
    assert.deepEqual(parseHiddenArg("64, 32"), [64, 32]);
    for (const bad of ["0", "a", "", "32,,8"]) assert.throws(() => parseHiddenArg(bad), /--hidden/, bad);
  });
});

describe("model files (in process)", () => {
  test("a valid spec and weights: compact spec text, the parameter count", () => {
    const f = modelFiles("ok", JSON.stringify(JSON.parse(TINY_SPEC), null, 2), TINY_WEIGHTS);
    const m = readModelArgs({ modelSpec: f.spec, weights: f.weights });
    assert.equal(m.specText, TINY_SPEC);
    assert.equal(m.paramCount, 8);
    assert.deepEqual(m.weights, TINY_WEIGHTS);
  });

  test("refusals name the file and the problem", () => {
    assert.throws(() => readModelArgs({}), /the model is missing: give --model DIR/);
    assert.throws(() => readModelArgs({ modelSpec: "a.json" }), /the model is missing/);
    assert.throws(
      () => readModelArgs({ model: tmp, weights: "w.bin" }),
      /either --model DIR or --model-spec/,
    );
    assert.throws(() => readModelArgs({ model: join(tmp, "nowhere") }), /cannot read model spec .*nowhere/);
    const cases: Array<[string, string, Uint8Array, RegExp]> = [
      ["notjson", "{", TINY_WEIGHTS, /notjson\.json is not JSON/],
      ["nometa", MODEL_SPEC, TINY_WEIGHTS, /no userDefinedMetadata\.cifer training settings/],
      [
        "inline",
        JSON.stringify({ ...JSON.parse(TINY_SPEC), weightData: "AAAA" }),
        TINY_WEIGHTS,
        /weights do not belong in the spec/,
      ],
      [
        "short",
        TINY_SPEC,
        TINY_WEIGHTS.subarray(0, 31),
        /short\.bin: weights have 31 bytes, the model needs 32/,
      ],
      [
        "nan",
        TINY_SPEC,
        new Uint8Array(new Float32Array([1, 2, Number.NaN, 4, 5, 6, 7, 8]).buffer),
        /weight 2 is not finite/,
      ],
    ];
    for (const [name, spec, weights, pattern] of cases) {
      const f = modelFiles(name, spec, weights);
      assert.throws(() => readModelArgs({ modelSpec: f.spec, weights: f.weights }), pattern, name);
    }
  });

  test("the data must fit the task's model: features and labels", () => {
    const spec = parseModelSpec(TINY_SPEC);
    assert.equal(inputFeaturesOf(spec), 3);
    const data = (features: number, labels: number[]) => ({
      x: new Float32Array(features * labels.length),
      y: Int32Array.from(labels),
      count: labels.length,
      features,
    });
    checkDataFits(spec, data(3, [0, 1, 1]));
    assert.throws(() => checkDataFits(spec, data(4, [0])), /4 features per row, the task's model takes 3/);
    assert.throws(() => checkDataFits(spec, data(3, [0, 2])), /label 2, the task's model has classes 0\.\.1/);
  });
});

describe("fl output (in process)", () => {
  test("committee agreement, rules, round rows", () => {
    assert.equal(agreementText([]), "-");
    assert.equal(agreementText([stage({})]), "3/4");
    assert.equal(
      agreementText([
        stage({ status: StageStatus.Aggregating, agreed: [], reports: [{} as never, {} as never] }),
      ]),
      "-/4 (2 reported)",
    );
    assert.equal(
      agreementText([
        stage({}),
        stage({ index: 1, agreed: ["v1"] }),
        stage({ index: 0xffff_ffff, status: StageStatus.Waiting }),
      ]),
      "sg0 3/4, sg1 1/4, root waiting",
    );
    assert.equal(ruleText(Rule.TrimmedMean, { f: 0, m: 0, betaPpm: 200_000 }), "trimmed_mean beta=0.2");
    assert.equal(ruleText(Rule.MultiKrum, { f: 1, m: 3, betaPpm: 0 }), "multikrum f=1 m=3");
    const round = {
      round: 2,
      status: RoundStatus.Paid,
      updateCount: 3,
      totalSamples: 900n,
      aggregateCid: "bafkreiabc",
      paidTrainers: "900",
      paidCommittee: "100",
    } as Round;
    assert.deepEqual(roundRow(round, [stage({})]), [
      "2",
      "paid",
      "3",
      "900",
      "3/4",
      "-",
      "bafkreiabc",
      "1000ucif",
    ]);
    assert.equal(roundRow({ ...round, evaluated: true, globalAccuracyPpm: 912_345 }, [])[5], "91.23%");
  });

  test("#6: scores of updates, bonds and contributions of participants, the task's eval set", () => {
    const u = { participant: "cif1a", cid: "bafkreiu", samples: 10n, height: 5n, subgroup: 0 } as Update;
    assert.deepEqual(updateRow(u).slice(5), ["-", "-", "-"]);
    const scored = {
      ...u,
      evaluated: true,
      trustPpm: 812_300,
      accuracyPpm: 905_000,
      contributionPpm: 250_000,
    };
    assert.deepEqual(updateRow(scored).slice(5), ["0.8123", "90.50%", "0.2500"]);
    assert.deepEqual(
      participantRow({
        taskId: 1n,
        address: "cif1a",
        joinedHeight: 3n,
        updates: 2,
        earned: "10",
        bond: "1000",
        contributionTotalPpm: 1_250_000n,
      }),
      ["cif1a", "3", "2", "10ucif (0.00001 CIF)", "1000ucif (0.001 CIF)", "1.2500"],
    );
    const task = {
      id: 1n,
      rule: Rule.Trust,
      payout: Payout.Contribution,
      privacy: 0,
      joinBond: "1000",
      heldBonds: "2000",
      evalSet: {
        cid: "bafkreie",
        records: 40,
        wraps: ["v1", "v2", "v3", "v4", "v5"].map((validator) => ({ validator, wrap: new Uint8Array() })),
      },
      roundBlocks: 10n,
      paramCount: 8n,
      updateBytes: 32n,
      createdHeight: 1n,
      endedHeight: 0n,
    } as Task;
    const f = taskFields(task, 0);
    assert.equal(f.payout, "contribution");
    assert.equal(f.eval_set, "bafkreie (40 records)");
    assert.equal(f.evaluators, "5 validators: v1, v2, v3 and 2 more");
    assert.equal(f.join_bond, "1000ucif (0.001 CIF) per trainer, 2000ucif (0.002 CIF) held");
    assert.equal(f.privacy, undefined);
    const plain = taskFields({ ...task, payout: Payout.Samples, evalSet: undefined, joinBond: "0" }, 0);
    assert.deepEqual(
      [plain.payout, plain.eval_set, plain.evaluators, plain.join_bond],
      ["samples", "none", undefined, "none"],
    );
    assert.deepEqual(taskJson(task).payout, "contribution");
  });

  test("a paid round's rewards per trainer: the chain's split, by samples or contribution", () => {
    const update = (participant: string, samples: bigint, contributionPpm: number, subgroup = 0) =>
      ({ participant, samples, contributionPpm, subgroup }) as Update;
    const updates = [update("cif1a", 100n, 750_000), update("cif1b", 300n, 250_000), update("cif1c", 50n, 0)];
    const stages = [stage({ agreed: ["v1"], excluded: ["cif1c"] })];
    const round = { status: RoundStatus.Paid, budget: "1000", paidTrainers: "900" } as Round;
    const bySamples = roundRewards({ payout: Payout.Samples } as Task, round, stages, updates, 100_000);
    assert.deepEqual(
      [...bySamples!],
      [
        ["cif1a", 225n],
        ["cif1b", 675n],
      ],
    );
    const byContribution = roundRewards(
      { payout: Payout.Contribution } as Task,
      round,
      stages,
      updates,
      100_000,
    );
    assert.deepEqual(
      [...byContribution!],
      [
        ["cif1a", 675n],
        ["cif1b", 225n],
      ],
    );
    assert.deepEqual(roundUpdateRow(updates[2]!, stages, 0n).slice(6), ["excluded", "0ucif (0 CIF)"]);
    assert.equal(
      roundRewards(
        { payout: Payout.Samples } as Task,
        { ...round, paidTrainers: "899" },
        stages,
        updates,
        100_000,
      ),
      undefined,
      "not what the chain paid: unknown",
    );
    assert.equal(
      roundRewards(
        { payout: Payout.Samples } as Task,
        { ...round, status: RoundStatus.Final },
        stages,
        updates,
        0,
      ),
      undefined,
    );
  });

  test("a round's summary line", () => {
    const update = { cid: "bafkreiu", samples: 300, loss: 0.123456 };
    assert.equal(
      outcomeLine({
        round: 1,
        status: "paid",
        update,
        globalCid: "bafkreig",
        excluded: false,
        reward: 1500000n,
      }),
      "round 1: paid, update bafkreiu (300 samples, loss 0.1235), global model bafkreig, reward 1500000ucif (1.5 CIF)",
    );
    assert.equal(
      outcomeLine({
        round: 2,
        status: "failed",
        update: { ...update, loss: undefined },
        globalCid: undefined,
        excluded: true,
        reward: 0n,
      }),
      "round 2: failed, update bafkreiu (300 samples), no global model, reward 0ucif (0 CIF), excluded by the committee",
    );
  });

  test("progress: redrawn on a terminal, each distinct line once elsewhere", () => {
    assert.equal(progressBar(1, 2, 4), "[##--]");
    assert.equal(progressBar(5, 0, 3), "[---]");
    const plain: string[] = [];
    const p = new ProgressLine({ write: (s) => plain.push(s) > 0 });
    p.set("waiting: a");
    p.set("waiting: a");
    p.set("waiting: b");
    p.log("done");
    assert.deepEqual(plain, ["waiting: a\n", "waiting: b\n", "done\n"]);
    const tty: string[] = [];
    const t = new ProgressLine({ write: (s) => tty.push(s) > 0, isTTY: true, columns: 30 });
    t.set("x".repeat(50));
    t.log("kept");
    assert.deepEqual(tty, [`\r\x1b[2K${"x".repeat(28)}…`, "\r\x1b[2K", "kept\n"]);
  });
});

describe("--help on every fl command", { concurrency: 3 }, () => {
  const paths = [
    ["fl"],
    ["fl", "init-model"],
    ["fl", "create-task"],
    ["fl", "join"],
    ["fl", "cancel"],
    ["fl", "train"],
    ["fl", "status"],
    ["fl", "ckks-keygen"],
    ["fl", "publish-model"],
    ["query", "fl"],
    ...["task", "tasks", "round", "updates", "participants", "params"].map((c) => ["query", "fl", c]),
  ];
  test("usage, examples, and no demo-only flag (in process)", () => {
    for (const path of paths) {
      const help = helpOf(path);
      const name = ["cifer", ...path].join(" ");
      assert.match(help, new RegExp(`^Usage: ${name}`), name);
      assert.match(help, /Examples:\n {2}\$ (CIFER_TF_BACKEND=cpu )?cifer /, name);
      assert.doesNotMatch(help, /--attack/, `${name}: the demo-only flag stays hidden`);
    }
  });
  test("cifer fl train --help: the process prints that text", async () => {
    const r = await cifer(["fl", "train", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helpOf(["fl", "train"]));
    assert.equal(r.stderr, "");
  });
});

describe("argument errors before any connection", { concurrency: 3 }, () => {
  const model = () => {
    const f = modelFiles("cli", TINY_SPEC, TINY_WEIGHTS);
    return ["--model-spec", f.spec, "--weights", f.weights];
  };
  const create = (over: Record<string, string>, extra: string[] = model()) => {
    const flags: Record<string, string> = {
      "--reward": "10CIF",
      "--rounds": "2",
      "--round-blocks": "10",
      "--min-participants": "2",
      "--max-participants": "4",
      "--rule": "median",
      "--committee-size": "3",
      "--from": "owner",
      ...over,
    };
    return ["fl", "create-task", ...extra, ...Object.entries(flags).flat(), ...kr, "--yes"];
  };
  const badCsv = join(tmp, "ragged.csv");
  const shortEval = join(tmp, "eval-short.csv");
  before(() => {
    writeFileSync(badCsv, "1,2,3,0\n1,2,1\n");
    writeFileSync(shortEval, "1,2,3,0\n4,5,6,1\n");
  });

  /** [name, arguments, the error, its exit code when not 2 (usage)]. */
  const cases: Array<[string, () => string[], RegExp, number?]> = [
    ["create-task: no model", () => create({}, []), /the model is missing/],
    [
      "create-task: --privacy ckks without a key",
      () => create({ "--rule": "fedavg", "--privacy": "ckks" }),
      /--privacy ckks needs --ckks-public-key/,
    ],
    [
      "create-task: --privacy ckks with a robust rule",
      () => create({ "--privacy": "ckks", "--ckks-public-key": shortEval }),
      /its rule is fedavg, not median/,
    ],
    [
      "create-task: --privacy ckks with an eval set",
      () =>
        create({
          "--rule": "fedavg",
          "--privacy": "ckks",
          "--ckks-public-key": shortEval,
          "--eval-data": shortEval,
        }),
      /takes no --eval-data/,
    ],
    [
      "create-task: --ckks-public-key that is not a key",
      () => create({ "--rule": "fedavg", "--privacy": "ckks", "--ckks-public-key": shortEval }),
      /--ckks-public-key .*not a CKKS public key/,
    ],
    [
      "create-task: --ckks-public-key without --privacy ckks",
      () => create({ "--ckks-public-key": shortEval }),
      /--ckks-public-key needs --privacy ckks/,
    ],
    [
      "publish-model: a secret key that is not one",
      () => [
        "fl",
        "publish-model",
        "--task",
        "1",
        "--round",
        "1",
        "--secret-key",
        shortEval,
        "--from",
        "owner",
        ...kr,
        "--yes",
      ],
      /--secret-key .*not a CKKS secret key/,
    ],
    ["create-task: unknown rule", () => create({ "--rule": "avg" }), /invalid --rule "avg"/],
    [
      "create-task: krum needs more participants",
      () => create({ "--rule": "krum", "--f": "1", "--min-participants": "3" }),
      /--rule krum: .*--min-participants is 3/,
    ],
    [
      "create-task: reward in another denom",
      () => create({ "--reward": "5uatom" }),
      /invalid --reward "5uatom"/,
    ],
    [
      "create-task: max below min",
      () => create({ "--max-participants": "1" }),
      /--max-participants 1 is below --min-participants 2/,
    ],
    ["create-task: zero rounds", () => create({ "--rounds": "0" }), /invalid --rounds 0: must be between 1/],
    [
      "create-task: a required option missing",
      () => create({}).filter((a, i, all) => a !== "--committee-size" && all[i - 1] !== "--committee-size"),
      /required option '--committee-size <n>' not specified/,
    ],
    ["create-task: no such key", () => create({ "--from": "nobody" }), /no key named "nobody"/, 1],
    [
      "create-task: trust without eval data",
      () => create({ "--rule": "trust" }),
      /--rule trust needs --eval-data <file\.csv>/,
    ],
    [
      "create-task: trust takes no f",
      () => create({ "--rule": "trust", "--f": "1", "--eval-data": shortEval }),
      /--rule trust: trust has no parameter f \(--f\)/,
    ],
    [
      "create-task: unknown payout",
      () => create({ "--payout": "equal" }),
      /invalid --payout "equal": expected one of samples, contribution/,
    ],
    [
      "create-task: contribution payout without eval data",
      () => create({ "--payout": "contribution" }),
      /--payout contribution needs --eval-data/,
    ],
    [
      "create-task: join bond in another denom",
      () => create({ "--join-bond": "5uatom" }),
      /invalid --join-bond "5uatom": expected one amount of ucif/,
    ],
    [
      "create-task: an account as evaluator",
      () => create({ "--eval-data": shortEval, "--evaluators": DEV_ACCOUNT }),
      /invalid --evaluators address: .*a validator's operator address starts with cifvaloper1/,
    ],
    [
      "create-task: an eval set of 2 records",
      () => create({ "--eval-data": shortEval }),
      /--eval-data: .*eval-short\.csv: 2 records; an eval set has 4 to 10000000/,
    ],
    ["join: task 0", () => ["fl", "join", "--task", "0", "--from", "t", ...kr], /invalid --task "0"/],
    [
      "cancel: task abc",
      () => ["fl", "cancel", "--task", "abc", "--from", "t", ...kr],
      /invalid --task "abc"/,
    ],
    ["status: task x", () => ["fl", "status", "--task", "x"], /invalid --task "x"/],
    [
      "train: no such data file",
      () => ["fl", "train", "--task", "1", "--data", join(tmp, "none.csv"), "--from", "t", ...kr],
      /--data: cannot read .*none\.csv/,
    ],
    [
      "train: a ragged CSV",
      () => ["fl", "train", "--task", "1", "--data", badCsv, "--from", "t", ...kr],
      /--data: .*row 2: 3 columns, expected 4/,
    ],
    [
      "train: zero rounds",
      () => ["fl", "train", "--task", "1", "--data", badCsv, "--rounds", "0", "--from", "t", ...kr],
      /invalid --rounds 0/,
    ],
    [
      "train: unknown attack",
      () => ["fl", "train", "--task", "1", "--data", badCsv, "--attack", "evil", "--from", "t", ...kr],
      /invalid --attack "evil": expected one of sign-flip, gaussian, label-flip/,
    ],
    [
      "train: poll interval",
      () => ["fl", "train", "--task", "1", "--data", badCsv, "--poll-interval", "5", "--from", "t", ...kr],
      /invalid --poll-interval 5: must be between 100 and 60000/,
    ],
    [
      "init-model: no inputs",
      () => ["fl", "init-model", "--classes", "2", "--out", tmp],
      /required option '--inputs <n>'/,
    ],
    [
      "init-model: a zero-unit layer",
      () => ["fl", "init-model", "--inputs", "4", "--hidden", "8,0", "--classes", "2", "--out", tmp],
      /--hidden layer size 0/,
    ],
    [
      "init-model: too large",
      () => ["fl", "init-model", "--inputs", "100000", "--hidden", "1000", "--classes", "2", "--out", tmp],
      /would have \d+ parameters; the chain accepts at most 10000000/,
    ],
    [
      "init-model: feature scale",
      () => ["fl", "init-model", "--inputs", "4", "--classes", "2", "--feature-scale", "0", "--out", tmp],
      /invalid --feature-scale "0": expected a positive number/,
    ],
    ["query fl round 0", () => ["query", "fl", "round", "1", "0"], /invalid round 0: must be between 1/],
    [
      "query fl tasks --status done",
      () => ["query", "fl", "tasks", "--status", "done"],
      /invalid --status "done": expected one of open, running/,
    ],
    ["query fl task x1", () => ["query", "fl", "task", "x1"], /invalid task id "x1"/],
  ];
  for (const [name, args, pattern, exitCode = 2] of cases) {
    test(name, async () => assertOneLineError(await cifer(args()), pattern, { offline: true, exitCode }));
  }
});

describe("init-model", () => {
  const init = (out: string, ...extra: string[]) =>
    cifer([
      "fl",
      "init-model",
      "--inputs",
      "64",
      "--hidden",
      "32",
      "--classes",
      "10",
      "--feature-scale",
      "16",
      "--out",
      out,
      ...extra,
    ]);

  test("writes a spec the chain accepts and seeded weights of its parameter count", async () => {
    const dir = join(tmp, "m1");
    const r = assertOk(await init(dir, "-o", "json"));
    const out = JSON.parse(r.stdout);
    const specText = readFileSync(join(dir, "model.json"), "utf8");
    const weights = new Uint8Array(readFileSync(join(dir, "weights.bin")));
    const { paramCount } = parseChainModelSpec(JSON.stringify(JSON.parse(specText)), 10_000_000n);
    assert.equal(paramCount, BigInt(64 * 32 + 32 + 32 * 10 + 10));
    assert.equal(weights.length, Number(paramCount) * 4);
    const spec = parseModelSpec(specText);
    assert.deepEqual(spec.userDefinedMetadata.cifer, {
      featureScale: 16,
      classes: 10,
      epochs: 1,
      batchSize: 16,
      learningRate: 0.1,
    });
    assert.equal(inputFeaturesOf(spec), 64);
    weightsOf(spec, weights);
    assert.equal(out.parameters, Number(paramCount));
    assert.equal(out.weights_cid, cidOf(weights));
    assert.match(out.tf_backend, /^(wasm|cpu|tensorflow)$/);
    // The files exist now: refused without --force, replaced (identically: same seed) with it.
    assertOneLineError(await init(dir), /model\.json exists; pass --force/, { exitCode: 2 });
    const again = JSON.parse(assertOk(await init(dir, "--force", "-o", "json")).stdout);
    assert.equal(again.weights_cid, out.weights_cid);
    const other = JSON.parse(assertOk(await init(join(tmp, "m2"), "--seed", "2", "-o", "json")).stdout);
    assert.notEqual(other.weights_cid, out.weights_cid);
  });

  test("train prints its TensorFlow.js backend, then fails on the dead node in one line", async () => {
    assertOk(await cifer(["keys", "add", "t", "--recover", ...kr], DEV_MNEMONIC));
    const csv = join(tmp, "ok.csv");
    writeFileSync(csv, "1,2,3,0\n4,5,6,1\n");
    const r = await cifer(["fl", "train", "--task", "1", "--data", csv, "--from", "t", ...kr]);
    assert.match(r.stdout, /^TensorFlow\.js backend: (wasm|cpu|tensorflow)\n$/);
    assertOneLineError(r, /cannot reach the node at http:\/\/127\.0\.0\.1:9/, { exitCode: 1 });
  });
});
