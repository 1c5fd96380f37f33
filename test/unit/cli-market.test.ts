/**
 * The `cifer market` and `cifer query market` commands without a node: the argument parsers (exact
 * fractions in millionths, portfolio items, curves, hashes, CIDs, a dataset's streamed sha256), every
 * refused input as the command itself refuses it (the program run in process, pointed at a port
 * nothing listens on, so a validation that was missing shows up as "cannot reach the node" instead
 * of the expected error), --help on every market command, and two runs as users run them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Command, CommanderError } from "commander";
import { cidOf } from "../../chain/blobs/cid.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { VALOPER_PREFIX } from "../../client/addresses.ts";
import { checkTestSetFits } from "../../client/cli/commands/market-escrow.ts";
import {
  hashFileArg,
  loadTestSetArg,
  parseAssetKindArg,
  parseCidArg,
  parseCurveArgs,
  parseEscrowStatusArg,
  parseExponentArg,
  parseFractionArg,
  parseHashArg,
  parsePortfolioItemsArg,
  parseUcifArg,
} from "../../client/cli/commands/market-options.ts";
import { errorMessage, exitCodeOf, UsageError } from "../../client/cli/errors.ts";
import { assetRow, curveText, fractionText, grantRow } from "../../client/cli/market-format.ts";
import { buildProgram } from "../../client/cli/program.ts";
import { Keyring } from "../../client/keys/keyring.ts";
import { type Asset, AssetKind, CurveKind, EscrowStatus } from "../../modules/market/proto.ts";
import { MODEL_SPEC } from "../helpers/fl.ts";
import { assertOneLineError, type CliRun, commandPaths, helpOf, runCli } from "../helpers/cli.ts";

const DEAD_NODE = "http://127.0.0.1:9"; // discard port: nothing answers
const RUN_TIMEOUT_MS = 60_000;
/** An account address (cif1...), where a validator's is expected. */
const ACCOUNT = toAddress(new Uint8Array(20).fill(7));
const VALOPER = toAddress(new Uint8Array(20).fill(1), VALOPER_PREFIX);
const CID = cidOf(new TextEncoder().encode("model weights"));
const HASH_OF_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

const tmp = mkdtempSync(join(tmpdir(), "cifer-cli-market-unit-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

/** An in-process run of the CLI: what it threw (undefined if nothing) and what commander printed. */
interface InProcessRun {
  error: unknown;
  stdout: string;
  stderr: string;
}

async function cifer(args: string[]): Promise<InProcessRun> {
  const program = buildProgram();
  const out = { stdout: "", stderr: "" };
  const capture = (c: Command) => {
    c.configureOutput({
      ...c.configureOutput(),
      writeOut: (s) => (out.stdout += s),
      writeErr: (s) => (out.stderr += s),
    });
    for (const sub of c.commands) capture(sub);
  };
  capture(program);
  try {
    await program.parseAsync([...args, "--node", DEAD_NODE], { from: "user" });
    return { error: undefined, ...out };
  } catch (error) {
    return { error, ...out };
  }
}

/**
 * Refused before any connection, as main.ts reports it: one line (commander's own usage errors are
 * printed by commander in one line; the others are UsageErrors, exit code 2).
 */
function assertRefused(r: InProcessRun, pattern: RegExp): void {
  assert.ok(r.error, `expected a refusal, got none; stdout: ${r.stdout}`);
  if (r.error instanceof CommanderError) {
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
    return;
  }
  const message = errorMessage(r.error);
  assert.doesNotMatch(message, /cannot reach the node/, "validated before any network access");
  assert.match(message, pattern);
  assert.ok(r.error instanceof UsageError, `${message}: a usage error`);
  assert.equal(exitCodeOf(r.error), 2);
}

describe("market argument parsers (in process)", () => {
  test("fractions are exact millionths, read as decimal strings", () => {
    const cases: Array<[string, number]> = [
      ["0.25", 250_000],
      [".5", 500_000],
      ["1", 1_000_000],
      ["1.0000000", 1_000_000],
      ["0.000001", 1],
      ["0.1234560", 123_456],
      [" 0.3 ", 300_000],
      ["0.7", 700_000],
      ["00.5", 500_000],
    ];
    for (const [text, ppm] of cases) assert.equal(parseFractionArg(text, "--x"), ppm, text);
    assert.equal(parseFractionArg("0", "--x", { allowZero: true }), 0);
    assert.equal(parseFractionArg("0.000", "--x", { allowZero: true }), 0);
    const refused: Array<[string, RegExp]> = [
      ["0.1234567", /invalid --x "0.1234567": at most 6 decimals/],
      ["1.000001", /invalid --x "1.000001": more than 1/],
      ["2", /more than 1/],
      ["10", /expected a decimal fraction between 0 and 1/],
      ["0", /must be above 0/],
      ["-0.5", /expected a decimal fraction/],
      ["abc", /expected a decimal fraction/],
      ["", /expected a decimal fraction/],
      [".", /expected a decimal fraction/],
      ["1/2", /expected a decimal fraction/],
      ["1e-3", /expected a decimal fraction/],
      ["0,5", /expected a decimal fraction/],
    ];
    for (const [text, pattern] of refused)
      assert.throws(
        () => parseFractionArg(text, "--x"),
        (e) => e instanceof UsageError && pattern.test(e.message),
        text,
      );
    assert.equal(fractionText(250_000), "0.25");
    assert.equal(fractionText(1_000_000), "1");
    assert.equal(fractionText(1), "0.000001");
    assert.equal(fractionText(0), "0");
  });

  test("portfolio items: sorted by id, weights summing to exactly 1 where floats would not", () => {
    // In floating point 0.7 + 0.2 + 0.1 is 0.9999999999999999: the weights are parsed as decimals.
    assert.notEqual(0.7 + 0.2 + 0.1, 1);
    assert.deepEqual(parsePortfolioItemsArg(["3:0.7", "1:0.2", "2:0.1"]), [
      { dataId: 1n, weightPpm: 200_000 },
      { dataId: 2n, weightPpm: 100_000 },
      { dataId: 3n, weightPpm: 700_000 },
    ]);
    assert.deepEqual(
      parsePortfolioItemsArg(["1:0.333333", "2:0.333333", "3:0.333334"]).map((i) => i.weightPpm),
      [333_333, 333_333, 333_334],
    );
    assert.deepEqual(parsePortfolioItemsArg(["9:1"]), [{ dataId: 9n, weightPpm: 1_000_000 }]);
    const refused: Array<[string[] | undefined, RegExp]> = [
      [["1:0.333333", "2:0.333333", "3:0.333333"], /weights sum to 0\.999999, not 1/],
      [["1:0.5", "2:0.6"], /weights sum to 1\.1, not 1/],
      [["1:0.5", "1:0.5"], /data asset 1 is listed twice/],
      [["1-0.5", "2:0.5"], /invalid --item "1-0\.5": expected DATA_ID:WEIGHT/],
      [["0:0.5", "2:0.5"], /invalid --item "0:0\.5" data id "0"/],
      [["1:0", "2:1"], /invalid --item "1:0" weight "0": must be above 0/],
      [["1:0.5000001", "2:0.4999999"], /at most 6 decimals/],
      [[], /at least one --item/],
      [undefined, /at least one --item/],
    ];
    for (const [items, pattern] of refused)
      assert.throws(
        () => parsePortfolioItemsArg(items),
        (e) => e instanceof UsageError && pattern.test(e.message),
        String(items),
      );
  });

  test("curves, exponents and ucif amounts", () => {
    assert.deepEqual(parseCurveArgs({ curve: "linear", m: "1000", b: "1.5CIF" }), {
      kind: CurveKind.Linear,
      m: "1000",
      b: "1500000",
      exponentNum: 0,
      exponentDen: 0,
    });
    assert.deepEqual(parseCurveArgs({ curve: "Power", m: "0.001CIF", b: "0", exponent: "3/2" }), {
      kind: CurveKind.Power,
      m: "1000",
      b: "0",
      exponentNum: 3,
      exponentDen: 2,
    });
    assert.deepEqual(parseExponentArg("2"), { num: 2, den: 1 });
    assert.deepEqual(parseExponentArg(" 16 / 1 "), { num: 16, den: 1 });
    assert.equal(parseUcifArg("0", "--b"), 0n);
    assert.equal(parseUcifArg("007", "--b"), 7n);
    assert.equal(parseUcifArg("2500ucif", "--b"), 2500n);
    const refused: Array<[() => unknown, RegExp]> = [
      [
        () => parseCurveArgs({ curve: "cubic", m: "1", b: "1" }),
        /invalid --curve "cubic": expected linear or power/,
      ],
      [() => parseCurveArgs({ curve: "linear", m: "0", b: "0" }), /--m and --b are both 0/],
      [
        () => parseCurveArgs({ curve: "linear", m: "1", b: "1", exponent: "2" }),
        /--exponent is for --curve power only/,
      ],
      [() => parseCurveArgs({ curve: "power", m: "1", b: "1" }), /--curve power needs --exponent NUM\/DEN/],
      [() => parseExponentArg("1/0"), /invalid --exponent denominator 0: must be between 1 and 64/],
      [() => parseExponentArg("1/65"), /must be between 1 and 64/],
      [() => parseExponentArg("0/1"), /invalid --exponent numerator 0/],
      [() => parseExponentArg("33/2"), /invalid --exponent 33\/2: above 16/],
      [() => parseExponentArg("1.5"), /expected NUM\/DEN or an integer/],
      [() => parseUcifArg("5uatom", "--m"), /invalid --m "5uatom": expected one amount of ucif/],
      [() => parseUcifArg("1".repeat(31), "--m"), /at most 30 digits/],
    ];
    for (const [fn, pattern] of refused)
      assert.throws(fn, (e) => e instanceof UsageError && pattern.test(e.message), pattern.source);
  });

  test("hashes, CIDs, kinds and statuses", () => {
    assert.equal(parseHashArg(HASH_OF_ABC.toUpperCase()), HASH_OF_ABC);
    assert.throws(() => parseHashArg("abc"), /invalid --hash "abc": expected a sha256 as 64 hex digits/);
    const parsed = parseCidArg(CID, "--cid");
    assert.equal(parsed.cid, CID);
    // The CID of "model weights" names its sha256.
    assert.equal(parsed.digestHex, createHash("sha256").update("model weights").digest("hex"));
    assert.throws(() => parseCidArg("QmNotACid", "--cid"), /invalid --cid: /);
    assert.equal(parseAssetKindArg("Model"), AssetKind.Model);
    assert.equal(parseAssetKindArg(undefined), AssetKind.Unspecified);
    assert.throws(() => parseAssetKindArg("unspecified"), /expected one of data, portfolio, model/);
    assert.equal(parseEscrowStatusArg("refunded"), EscrowStatus.Refunded);
    assert.throws(
      () => parseEscrowStatusArg("open"),
      /expected one of committing, revealing, passed, failed, released, refunded/,
    );
  });

  test("a dataset's sha256 and size, streamed", async () => {
    assert.deepEqual(await hashFileArg(file("abc.bin", "abc")), { hash: HASH_OF_ABC, size: 3n });
    // Larger than one read chunk (64 KiB): 1 MiB of zeros, whose sha256 is well known.
    const big = join(tmp, "zeros.bin");
    writeFileSync(big, new Uint8Array(1024 * 1024));
    assert.deepEqual(await hashFileArg(big), {
      hash: "30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58",
      size: 1_048_576n,
    });
    await assert.rejects(hashFileArg(file("empty.bin", "")), /--file .*empty\.bin is empty/);
    await assert.rejects(hashFileArg(tmp), /is not a regular file/);
    await assert.rejects(hashFileArg(join(tmp, "none.bin")), /cannot read --file: .*ENOENT/);
  });
});

describe("an escrow's test set against the model (in process)", () => {
  test("features against the input shape; labels against the classes when the spec has them", () => {
    const three = loadTestSetArg(file("fit3.csv", "1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n")).dataset;
    const four = loadTestSetArg(file("fit4.csv", "1,2,3,4,0\n4,5,6,4,1\n7,8,9,4,0\n1,1,1,4,1\n")).dataset;
    const label2 = loadTestSetArg(file("fit-l2.csv", "1,2,3,0\n4,5,6,2\n7,8,9,0\n1,1,1,1\n")).dataset;
    checkTestSetFits(MODEL_SPEC, three);
    checkTestSetFits(MODEL_SPEC, label2); // no training settings: the classes are unknown
    assert.throws(
      () => checkTestSetFits(MODEL_SPEC, four),
      /--test-set: the data has 4 features per row, the model takes 3/,
    );
    const withClasses = JSON.stringify({
      ...JSON.parse(MODEL_SPEC),
      userDefinedMetadata: {
        cifer: { featureScale: 1, classes: 2, epochs: 1, batchSize: 4, learningRate: 0.1 },
      },
    });
    checkTestSetFits(withClasses, three);
    assert.throws(
      () => checkTestSetFits(withClasses, label2),
      /--test-set: the data has label 2, .*classes 0\.\.1/,
    );
    checkTestSetFits("not json", four); // a spec the client cannot read: the committee decides
  });
});

describe("market output (in process)", () => {
  test("curves, rows of assets and grants", () => {
    assert.equal(
      curveText({ kind: CurveKind.Power, m: "1000", b: "5", exponentNum: 3, exponentDen: 2 }),
      "power: P(s) = 1000*s^(3/2) + 5 ucif",
    );
    assert.equal(
      curveText({ kind: CurveKind.Linear, m: "10", b: "500", exponentNum: 0, exponentDen: 0 }),
      "linear: P(s) = 10*s + 500 ucif",
    );
    const portfolio = {
      id: 4n,
      kind: AssetKind.Portfolio,
      owner: ACCOUNT,
      creator: ACCOUNT,
      createdHeight: 10n,
      data: undefined,
      portfolio: {
        items: [
          { dataId: 1n, weightPpm: 250_000 },
          { dataId: 2n, weightPpm: 750_000 },
        ],
        curatorSharePpm: 100_000,
      },
      model: undefined,
      listing: {
        curve: { kind: CurveKind.Linear, m: "10", b: "500", exponentNum: 0, exponentDen: 0 },
        sales: 3n,
        active: true,
        accessBlocks: 0n,
        licence: "",
        revenue: "1530",
      },
      uses: 3n,
      earned: "0",
    } satisfies Asset;
    assert.deepEqual(assetRow(portfolio), ["4", "portfolio", ACCOUNT, "linear", "3", "3", "1:0.25 2:0.75"]);
    assert.deepEqual(
      grantRow({
        id: 7n,
        assetId: 4n,
        holder: ACCOUNT,
        price: "530",
        height: 12n,
        expires: 0n,
        licence: "",
        escrowId: 0n,
      }),
      ["7", "4", ACCOUNT, "530ucif", "12", "never", "-"],
    );
  });
});

const MARKET_PATHS = [
  ["market"],
  ...[
    "mint-data",
    "transfer",
    "disclose",
    "portfolio",
    "mint-model",
    "list",
    "delist",
    "buy",
    "escrow",
    "review",
    "rate",
  ].map((c) => ["market", c]),
  ["market", "escrow", "open"],
  ["market", "escrow", "settle"],
  ["query", "market"],
  ...[
    "params",
    "asset",
    "assets",
    "price",
    "access",
    "grants",
    "escrow",
    "escrows",
    "reviews",
    "reviewer",
    "model-of-task",
  ].map((c) => ["query", "market", c]),
];

describe("--help on every market command", () => {
  test("the command tree holds every market command, each with usage and examples (in process)", () => {
    const all = commandPaths(buildProgram()).map((p) => p.join(" "));
    for (const path of MARKET_PATHS) {
      const name = ["cifer", ...path].join(" ");
      assert.ok(all.includes(path.join(" ")), name);
      const help = helpOf(path);
      assert.match(help, new RegExp(`^Usage: ${name}`), name);
      assert.match(help, /Examples:\n {2}\$ cifer /, name);
    }
    assert.equal(
      all.filter((p) => p.startsWith("market") || p.startsWith("query market")).length,
      MARKET_PATHS.length,
      "no market command left untested",
    );
  });
});

describe("argument errors before any connection (in process)", () => {
  const testCsv = file("test.csv", "1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n");
  const shortCsv = file("short.csv", "1,2,3,0\n4,5,6,1\n");
  const spec = file("spec.json", MODEL_SPEC);
  const notJson = file("spec.txt", "not json");
  /** Weights of MODEL_SPEC (8 float32 = 32 bytes) with `values` in place of the first ones. */
  const weightsFile = (name: string, count: number, values: number[] = []) => {
    const w = new Float32Array(count).fill(0.5);
    w.set(values);
    const path = join(tmp, name);
    writeFileSync(path, new Uint8Array(w.buffer));
    return path;
  };
  const goodWeights = weightsFile("weights.bin", 8);
  const nanWeights = weightsFile("nan.bin", 8, [0.1, 0.2, 0.3, 0.4, 0.5, Number.NaN]);
  const infWeights = weightsFile("inf.bin", 8, [Number.NEGATIVE_INFINITY]);
  before(async () => {
    mkdirSync(join(tmp, "keyring"), { recursive: true, mode: 0o700 });
    await new Keyring({ dir: join(tmp, "keyring"), backend: "test" }).add("t", { mnemonic: DEV_MNEMONIC });
  });
  const tx = (...args: string[]) => ["market", ...args, "--from", "t", ...kr, "--yes"];
  const mintData = (...args: string[]) => tx("mint-data", "--schema", "csv", "--license", "CC0", ...args);
  const escrowOpen = (over: Record<string, string>) => {
    const flags: Record<string, string> = {
      "--model": "2",
      "--max-price": "5CIF",
      "--threshold": "0.9",
      "--test-set": testCsv,
      ...over,
    };
    return tx("escrow", "open", "1", ...Object.entries(flags).flat());
  };
  const curve = (...args: string[]) => tx("list", "1", ...args);

  /** [name, arguments, the one-line error]. */
  const cases: Array<[string, string[], RegExp]> = [
    ["mint-data: no dataset", mintData(), /give --file PATH \(hashed here, never uploaded\) or --hash HEX/],
    [
      "mint-data: --file and --hash",
      mintData("--file", "x", "--hash", HASH_OF_ABC),
      /either --file or --hash, not both/,
    ],
    ["mint-data: --size with --file", mintData("--file", "x", "--size", "3"), /--size is read from --file/],
    ["mint-data: a bad hash", mintData("--hash", "123"), /invalid --hash "123": expected a sha256/],
    ["mint-data: a bad size", mintData("--hash", HASH_OF_ABC, "--size", "1k"), /invalid --size "1k"/],
    [
      "mint-data: an empty schema",
      tx("mint-data", "--schema", " ", "--license", "CC0", "--hash", HASH_OF_ABC),
      /--schema must not be empty/,
    ],
    [
      "mint-data: no license",
      tx("mint-data", "--schema", "csv", "--hash", HASH_OF_ABC),
      /required option '--license <text>' not specified/,
    ],
    [
      "mint-data: a bad sample cid",
      mintData("--hash", HASH_OF_ABC, "--sample-cid", "Qm1"),
      /invalid --sample-cid: /,
    ],
    ["mint-data: no such file", mintData("--file", join(tmp, "none.csv")), /cannot read --file: .*ENOENT/],
    ["mint-data: an empty file", mintData("--file", file("empty.csv", "")), /--file .*empty\.csv is empty/],
    ["transfer: asset 0", tx("transfer", "0", "--to", ACCOUNT), /invalid asset id "0": expected an asset id/],
    ["transfer: a bad recipient", tx("transfer", "1", "--to", "cif1bad"), /invalid --to address/],
    [
      "disclose: nothing to change",
      tx("disclose", "1"),
      /nothing to change: give --abstract, --sample-cid and\/or --statistics/,
    ],
    ["disclose: a bad sample cid", tx("disclose", "1", "--sample-cid", "bafy"), /invalid --sample-cid/],
    [
      "portfolio: weights summing to 0.9",
      tx("portfolio", "--item", "1:0.5", "--item", "2:0.4", "--curator-share", "0.1"),
      /the --item weights sum to 0\.9, not 1/,
    ],
    [
      "portfolio: weights summing to 1.25",
      tx("portfolio", "--item", "1:0.75", "--item", "2:0.5", "--curator-share", "0"),
      /weights sum to 1\.25, not 1/,
    ],
    [
      "portfolio: an item twice",
      tx("portfolio", "--item", "1:0.5", "--item", "1:0.5", "--curator-share", "0"),
      /data asset 1 is listed twice/,
    ],
    [
      "portfolio: a curator share above 1",
      tx("portfolio", "--item", "1:1", "--curator-share", "1.5"),
      /invalid --curator-share "1\.5": more than 1/,
    ],
    [
      "portfolio: no item",
      tx("portfolio", "--curator-share", "0.1"),
      /required option '--item <data-id:weight>' not specified/,
    ],
    ["mint-model: nothing", tx("mint-model"), /give --task ID .* or --cid CID with --spec FILE/],
    [
      "mint-model: --task and --cid",
      tx("mint-model", "--task", "1", "--cid", CID),
      /give either --task or --cid \/ --weights with --spec, not both/,
    ],
    [
      "mint-model: --task and --weights",
      tx("mint-model", "--task", "1", "--weights", goodWeights),
      /give either --task or --cid \/ --weights with --spec, not both/,
    ],
    [
      "mint-model: --weights and --cid",
      tx("mint-model", "--weights", goodWeights, "--cid", CID, "--spec", spec),
      /give either --weights FILE \(uploaded here, minted by its CID\) or --cid CID \(weights already stored\), not both/,
    ],
    [
      "mint-model: --weights without --spec",
      tx("mint-model", "--weights", goodWeights),
      /--weights needs --spec FILE/,
    ],
    [
      "mint-model: --weights with --hash",
      tx("mint-model", "--weights", goodWeights, "--hash", HASH_OF_ABC, "--spec", spec),
      /--hash is computed here from --weights: give it only with --cid/,
    ],
    [
      "mint-model: weights one float32 short of the spec",
      tx("mint-model", "--weights", weightsFile("short.bin", 7), "--spec", spec),
      /^--weights \S*short\.bin has 28 bytes, but the --spec model needs exactly 32 \(8 float32 parameters x 4 bytes\)$/,
    ],
    [
      "mint-model: weights one float32 over the spec",
      tx("mint-model", "--weights", weightsFile("long.bin", 9), "--spec", spec),
      /^--weights \S*long\.bin has 36 bytes, but the --spec model needs exactly 32 /,
    ],
    [
      "mint-model: a NaN in the weights",
      tx("mint-model", "--weights", nanWeights, "--spec", spec),
      /^--weights \S*nan\.bin: weight 5 is not finite \(NaN\)$/,
    ],
    [
      "mint-model: an infinity in the weights",
      tx("mint-model", "--weights", infWeights, "--spec", spec),
      /^--weights \S*inf\.bin: weight 0 is not finite \(-Infinity\)$/,
    ],
    [
      "mint-model: a weights file that does not exist",
      tx("mint-model", "--weights", join(tmp, "missing.bin"), "--spec", spec),
      /^cannot read --weights: ENOENT/,
    ],
    [
      "mint-model: a weights directory",
      tx("mint-model", "--weights", tmp, "--spec", spec),
      /^--weights \S+ is not a regular file$/,
    ],
    ["mint-model: task 0", tx("mint-model", "--task", "0"), /invalid --task "0"/],
    ["mint-model: --cid without --spec", tx("mint-model", "--cid", CID), /--cid needs --spec FILE/],
    [
      "mint-model: a hash that is not the CID's",
      tx("mint-model", "--cid", CID, "--hash", HASH_OF_ABC, "--spec", spec),
      /--hash ba7816bf.* is not the sha256 the CID names/,
    ],
    [
      "mint-model: a spec that is not JSON",
      tx("mint-model", "--cid", CID, "--spec", notJson),
      /--spec .*spec\.txt is not JSON/,
    ],
    [
      "mint-model: trained on an asset twice",
      tx("mint-model", "--task", "1", "--trained-on", "2,2"),
      /invalid --trained-on: asset 2 is listed twice/,
    ],
    ["list: an unknown curve", curve("--curve", "cubic", "--m", "1", "--b", "1"), /invalid --curve "cubic"/],
    [
      "list: an exponent on a linear curve",
      curve("--curve", "linear", "--m", "1", "--b", "1", "--exponent", "2"),
      /--exponent is for --curve power only/,
    ],
    [
      "list: a power curve without exponent",
      curve("--curve", "power", "--m", "1", "--b", "1"),
      /--curve power needs --exponent/,
    ],
    [
      "list: exponent 1/0",
      curve("--curve", "power", "--m", "1", "--b", "1", "--exponent", "1/0"),
      /--exponent denominator 0/,
    ],
    ["list: a free curve", curve("--curve", "linear", "--m", "0", "--b", "0"), /--m and --b are both 0/],
    [
      "list: a slope in another denom",
      curve("--curve", "linear", "--m", "3uatom", "--b", "1"),
      /invalid --m "3uatom"/,
    ],
    [
      "list: access blocks",
      curve("--curve", "linear", "--m", "1", "--b", "1", "--access-blocks", "x"),
      /invalid --access-blocks "x": expected an integer/,
    ],
    ["delist: asset abc", tx("delist", "abc"), /invalid asset id "abc"/],
    [
      "buy: a max price in another denom",
      tx("buy", "1", "--max-price", "5uatom"),
      /invalid --max-price "5uatom": expected one amount of ucif/,
    ],
    [
      "buy: a zero max price",
      tx("buy", "1", "--max-price", "0ucif"),
      /--max-price: invalid amount "0ucif": must be positive/,
    ],
    ["buy: no max price", tx("buy", "1"), /required option '--max-price <amount>' not specified/],
    [
      "escrow open: threshold 0",
      escrowOpen({ "--threshold": "0" }),
      /invalid --threshold "0": must be above 0/,
    ],
    [
      "escrow open: threshold 1.5",
      escrowOpen({ "--threshold": "1.5" }),
      /invalid --threshold "1\.5": more than 1/,
    ],
    ["escrow open: threshold 90%", escrowOpen({ "--threshold": "90%" }), /invalid --threshold "90%"/],
    ["escrow open: model 0", escrowOpen({ "--model": "0" }), /invalid --model "0"/],
    [
      "escrow open: deadline 0",
      escrowOpen({ "--deadline-blocks": "0" }),
      /invalid --deadline-blocks 0: must be between 1/,
    ],
    [
      "escrow open: an account as validator",
      escrowOpen({ "--validators": ACCOUNT }),
      /invalid --validators address: .*operator address starts with cifvaloper1/,
    ],
    [
      "escrow open: a validator twice",
      escrowOpen({ "--validators": `${VALOPER},${VALOPER}` }),
      /is listed twice/,
    ],
    [
      "escrow open: no test set file",
      escrowOpen({ "--test-set": join(tmp, "none.csv") }),
      /--test-set: cannot read .*none\.csv/,
    ],
    [
      "escrow open: a test set of 2 records",
      escrowOpen({ "--test-set": shortCsv }),
      /--test-set: .*short\.csv: 2 records; an eval set has 4 to/,
    ],
    ["escrow settle: escrow x", tx("escrow", "settle", "x"), /invalid escrow id "x": expected an escrow id/],
    ["review: rating 6", tx("review", "1", "--rating", "6"), /invalid --rating 6: must be between 1 and 5/],
    ["review: rating 0", tx("review", "1", "--rating", "0"), /invalid --rating 0: must be between 1 and 5/],
    [
      "review: a bad examples cid",
      tx("review", "1", "--rating", "3", "--examples-cid", "x"),
      /invalid --examples-cid/,
    ],
    [
      "rate: both",
      tx("rate", "1", "--helpful", "--unhelpful"),
      /give exactly one of --helpful and --unhelpful/,
    ],
    ["rate: neither", tx("rate", "1"), /give exactly one of --helpful and --unhelpful/],
    ["rate: review 0", tx("rate", "0", "--helpful"), /invalid review id "0"/],
    ["query market asset x1", ["query", "market", "asset", "x1"], /invalid asset id "x1"/],
    [
      "query market assets --kind foo",
      ["query", "market", "assets", "--kind", "foo"],
      /invalid --kind "foo": expected one of data, portfolio, model/,
    ],
    [
      "query market assets --owner",
      ["query", "market", "assets", "--owner", "cif1x"],
      /invalid --owner address/,
    ],
    ["query market price 0", ["query", "market", "price", "0"], /invalid asset id "0"/],
    ["query market access: a bad address", ["query", "market", "access", "1", "nobody"], /invalid address/],
    [
      "query market grants: no filter",
      ["query", "market", "grants"],
      /give exactly one of --holder ADDRESS and --asset ID/,
    ],
    [
      "query market grants: both filters",
      ["query", "market", "grants", "--holder", ACCOUNT, "--asset", "1"],
      /give exactly one of --holder/,
    ],
    ["query market grants --asset 0", ["query", "market", "grants", "--asset", "0"], /invalid --asset "0"/],
    ["query market escrow 0", ["query", "market", "escrow", "0"], /invalid escrow id "0"/],
    [
      "query market escrows --status open",
      ["query", "market", "escrows", "--status", "open"],
      /invalid --status "open": expected one of committing/,
    ],
    ["query market reviews -", ["query", "market", "reviews", "1.5"], /invalid asset id "1\.5"/],
    ["query market reviewer: a validator", ["query", "market", "reviewer", VALOPER], /invalid address/],
    ["query market model-of-task 0", ["query", "market", "model-of-task", "0"], /invalid task id "0"/],
  ];
  for (const [name, args, pattern] of cases)
    test(name, async () => assertRefused(await cifer(args), pattern));

  test("a key that is not in the keyring: one line, exit 1 (as every tx command)", async () => {
    const r = await cifer(["market", "delist", "1", "--from", "nobody", ...kr]);
    assert.doesNotMatch(errorMessage(r.error), /cannot reach the node/);
    assert.match(errorMessage(r.error), /no key named "nobody"/);
    assert.equal(exitCodeOf(r.error), 1);
  });

  test("mint-model --weights of the right size and finite passes every offline check", async () => {
    const r = await cifer(tx("mint-model", "--weights", goodWeights, "--spec", spec));
    assert.match(errorMessage(r.error), /cannot reach the node at http:\/\/127\.0\.0\.1:9/);
  });

  test("transfer to one's own address: refused once the key is known, before connecting", async () => {
    const me = new Keyring({ dir: join(tmp, "keyring"), backend: "test" }).show("t").address;
    assertRefused(await cifer(tx("transfer", "1", "--to", me)), /--to is t's own address/);
  });
});

describe("as users run them", { concurrency: 2 }, () => {
  const run = (args: string[]): Promise<CliRun> =>
    runCli(args, { env: { CIFER_NODE: DEAD_NODE }, timeoutMs: RUN_TIMEOUT_MS });
  test("cifer market portfolio with weights summing to 0.9: one line, exit 2", async () => {
    const r = await run([
      "market",
      "portfolio",
      "--item",
      "1:0.5",
      "--item",
      "2:0.4",
      "--curator-share",
      "0.1",
      "--from",
      "t",
      ...kr,
    ]);
    assertOneLineError(r, /the --item weights sum to 0\.9, not 1/, { offline: true, exitCode: 2 });
  });
  test("cifer query market --help: the process prints that text", async () => {
    const r = await run(["query", "market", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helpOf(["query", "market"]));
    assert.equal(r.stderr, "");
  });
});
