import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { SDK_CODESPACE, SdkCode } from "../../chain/app/errors.ts";
import { cidOf } from "../../chain/blobs/cid.ts";
import { ed25519Agreement } from "../../chain/crypto/x25519.ts";
import { createLogger } from "../../chain/node/logger.ts";
import type { ServiceAccount } from "../../chain/node/service-account.ts";
import type { ServiceBlobs, ServiceQuery } from "../../chain/node/services.ts";
import type { QueryAnswer } from "../../chain/rpc/backend.ts";
import { parseGasPrice } from "../../chain/types/gas-price.ts";
import { initTf, type Tf } from "../../client/fl/backend.ts";
import { DIGITS_PATH, parseCsvDataset } from "../../client/fl/dataset.ts";
import { createMlp, type ModelSpec } from "../../client/fl/model.ts";
import { accuracy, trainLocal } from "../../client/fl/train.ts";
import { encryptEvalSet } from "../../modules/fl/evalset/cipher.ts";
import { evalSetContext, wrapKey } from "../../modules/fl/evalset/key-wrap.ts";
import { FlServiceError, FlServiceErrorCode } from "../../modules/fl/service/errors.ts";
import { runAccuracy } from "../../modules/fl/service/evaluate-job.ts";
import { AccuracyEvaluator } from "../../modules/fl/service/evaluator.ts";
import { SheetStore } from "../../modules/fl/service/sheets.ts";
import { escrowCommitment } from "../../modules/market/escrow-commit.ts";
import {
  type Asset,
  AssetKind,
  encode,
  type Escrow,
  EscrowStatus,
  MsgCommitEscrowScore,
  MsgRevealEscrowScore,
  QueryAssetRequest,
  QueryAssetResponse,
  QueryEscrowsRequest,
  QueryEscrowsResponse,
} from "../../modules/market/proto.ts";
import { parseMarketServiceConfig } from "../../modules/market/service/config.ts";
import { MarketServiceError, MarketServiceErrorCode } from "../../modules/market/service/errors.ts";
import { EscrowWork } from "../../modules/market/service/escrow-work.ts";
import { type EscrowJob, escrowJobKey, escrowJobsFor } from "../../modules/market/service/jobs.ts";
import { isUnserved, MarketQueries } from "../../modules/market/service/queries.ts";
import { EscrowRecords } from "../../modules/market/service/records.ts";

// The validators' escrow evaluator (modules/market/service): which escrows owe what from a
// validator; a model's accuracy on a whole test set (real digits, TensorFlow.js) as accuracy()
// gives it, in process and in the evaluation worker; the kept accuracy and salt; and a member's
// commit then reveal of an escrow, end to end against fake chain queries, blobs and account.

const ME = "cifvaloper1me";
const ME_ACCOUNT = "cif1me";
const OTHER = "cifvaloper1other";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "cifer-market-svc-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function escrow(over: Partial<Escrow> = {}): Escrow {
  return {
    id: 1n,
    buyer: "cif1buyer",
    assetId: 2n,
    modelId: 3n,
    maxPrice: "1000",
    thresholdPpm: 800_000,
    evalSet: undefined,
    status: EscrowStatus.Committing,
    openedHeight: 10n,
    deadline: 500n,
    phaseEnd: 100n,
    committee: [OTHER, ME],
    commits: [],
    reveals: [],
    medianAccuracyPpm: 0,
    paid: "",
    refunded: "",
    grantId: 0n,
    reason: "",
    ...over,
  };
}

const commit = (validator: string) => ({ validator, commitment: new Uint8Array(32), height: 20n });
const reveal = (validator: string) => ({ validator, accuracyPpm: 900_000, height: 120n });

describe("job selection", () => {
  const jobs = (escrows: Escrow[], height = 50n) => escrowJobsFor({ escrows, validator: ME, height });

  test("a committing escrow with this validator on its committee and no commitment of its own owes a commit", () => {
    assert.deepEqual(jobs([escrow({ commits: [commit(OTHER)] })]), [
      { escrowId: 1n, phase: "commit", deadline: 100n, committeeSize: 2 },
    ]);
    assert.equal(escrowJobKey(jobs([escrow()])[0]!), "1/commit");
  });

  test("a revealing escrow it committed to and has not revealed owes a reveal", () => {
    const e = escrow({
      status: EscrowStatus.Revealing,
      phaseEnd: 130n,
      commits: [commit(ME), commit(OTHER)],
      reveals: [reveal(OTHER)],
    });
    assert.deepEqual(jobs([e], 110n), [{ escrowId: 1n, phase: "reveal", deadline: 130n, committeeSize: 2 }]);
    assert.equal(escrowJobKey(jobs([e], 110n)[0]!), "1/reveal");
  });

  test("nothing once done: committed while committing, revealed while revealing", () => {
    assert.deepEqual(jobs([escrow({ commits: [commit(ME)] })]), []);
    const revealed = escrow({ status: EscrowStatus.Revealing, commits: [commit(ME)], reveals: [reveal(ME)] });
    assert.deepEqual(jobs([revealed]), []);
    // Recorded under the operator's account instead: still done.
    const byAccount = escrowJobsFor({
      escrows: [escrow({ commits: [commit(ME_ACCOUNT)] })],
      validator: ME,
      account: ME_ACCOUNT,
      height: 50n,
    });
    assert.deepEqual(byAccount, []);
  });

  test("nothing when not a member, nor a reveal without a commitment", () => {
    assert.deepEqual(jobs([escrow({ committee: [OTHER] })]), []);
    assert.deepEqual(jobs([escrow({ status: EscrowStatus.Revealing, commits: [commit(OTHER)] })]), []);
  });

  test("nothing once the phase is over: a tx lands at height + 1 at the earliest, below phase_end", () => {
    assert.equal(jobs([escrow()], 98n).length, 1);
    assert.deepEqual(jobs([escrow()], 99n), []);
    assert.deepEqual(jobs([escrow()], 100n), []);
    assert.deepEqual(jobs([escrow()], 250n), []);
  });

  test("nothing of decided escrows; each escrow of a list on its own", () => {
    for (const status of [
      EscrowStatus.Passed,
      EscrowStatus.Failed,
      EscrowStatus.Released,
      EscrowStatus.Refunded,
    ])
      assert.deepEqual(jobs([escrow({ status, commits: [commit(ME)] })]), [], EscrowStatus[status]);
    const list = [
      escrow({ id: 4n }),
      escrow({ id: 5n, committee: [OTHER] }),
      escrow({ id: 6n, status: EscrowStatus.Revealing, commits: [commit(ME)] }),
    ];
    assert.deepEqual(jobs(list).map(escrowJobKey), ["4/commit", "6/reveal"]);
  });
});

describe("kept accuracies", () => {
  test("a record round-trips through the disk, 0600, and is pruned once its escrow is decided", () => {
    const dir = join(tempDir(), "market-escrows");
    const records = new EscrowRecords(dir);
    assert.equal(records.load(7n), undefined);
    const salt = new Uint8Array(randomBytes(32));
    records.save(7n, { accuracyPpm: 912_345, salt });
    records.save(12n, { accuracyPpm: 0, salt: new Uint8Array(32) });
    // Another process (a restart) reads what was written.
    const again = new EscrowRecords(dir);
    assert.deepEqual(again.load(7n), { accuracyPpm: 912_345, salt });
    assert.deepEqual(again.load(12n), { accuracyPpm: 0, salt: new Uint8Array(32) });
    assert.deepEqual(
      again.escrowIds().sort((a, b) => Number(a - b)),
      [7n, 12n],
    );
    assert.deepEqual(readdirSync(dir).sort(), ["12-commit.json", "7-commit.json"]);
    assert.equal(statSync(join(dir, "7-commit.json")).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "7-commit.json"), "utf8")), {
      accuracyPpm: 912_345,
      salt: Buffer.from(salt).toString("hex"),
    });
    again.prune((id) => id !== 7n);
    assert.equal(again.load(7n), undefined);
    assert.equal(again.load(12n)?.accuracyPpm, 0);
  });

  test("fl's score sheets keep their format on the shared store", () => {
    const dir = tempDir();
    const sheets = new SheetStore(dir);
    const sheet = {
      scores: [{ participant: "cif1p", trustPpm: 5, accuracyPpm: 6 }],
      referenceNormNano: 123_456_789_012n,
      globalAccuracyPpm: 7,
    };
    const salt = new Uint8Array(32).fill(9);
    sheets.save("3/1/0/0", sheet, salt);
    sheets.save("4/1/0/0", sheet, salt);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "3-1-0-0.json"), "utf8")), {
      scores: sheet.scores,
      referenceNormNano: "123456789012",
      globalAccuracyPpm: 7,
      salt: "09".repeat(32),
    });
    assert.deepEqual(sheets.load("3/1/0/0"), { sheet, salt });
    sheets.prune(new Set([4n]));
    assert.equal(sheets.load("3/1/0/0"), undefined);
    assert.deepEqual(sheets.load("4/1/0/0"), { sheet, salt });
  });
});

describe("config", () => {
  test("defaults, and the section's name in refusals", () => {
    const c = parseMarketServiceConfig(undefined, { home: "/h", minimumGasPrices: [] });
    assert.equal(c.enabled, true);
    assert.equal(c.operatorKeyFile, "/h/config/operator_key.json");
    assert.equal(c.maxConcurrentJobs, 2);
    assert.equal(c.fetchTimeoutMs, 60_000);
    assert.deepEqual(c.gasPrice, parseGasPrice("0.0025ucif"));
    const own = parseMarketServiceConfig(
      { enabled: false },
      {
        home: "/h",
        minimumGasPrices: [parseGasPrice("0.5ucif")],
      },
    );
    assert.equal(own.enabled, false);
    assert.deepEqual(own.gasPrice, parseGasPrice("0.5ucif"));
    assert.throws(
      () => parseMarketServiceConfig({ max_concurrent_jobs: 0 }, { home: "/h", minimumGasPrices: [] }),
      (e) =>
        e instanceof MarketServiceError &&
        e.code === MarketServiceErrorCode.CONFIG &&
        /^market\.max_concurrent_jobs/.test(e.message),
    );
  });
});

describe("market queries", () => {
  test("escrows are read across pages; a chain without the market module answers nothing", async () => {
    const pages: Array<{ key: string; status: EscrowStatus }> = [];
    const q: ServiceQuery = async (path, data) => {
      assert.equal(path, "/cifer.market.v1.Query/Escrows");
      const req = QueryEscrowsRequest.decode(data);
      const key = Buffer.from(req.pagination?.key ?? []).toString();
      pages.push({ key, status: req.status });
      const next = key === "" ? "p2" : "";
      return answer(
        encode(
          QueryEscrowsResponse,
          QueryEscrowsResponse.fromPartial({
            escrows: [escrow({ id: key === "" ? 1n : 2n })],
            pagination: { nextKey: Buffer.from(next), total: 0n },
          }),
        ),
      );
    };
    const got = await new MarketQueries(q).escrows(EscrowStatus.Revealing);
    assert.deepEqual(
      got.map((e) => e.id),
      [1n, 2n],
    );
    assert.deepEqual(pages, [
      { key: "", status: EscrowStatus.Revealing },
      { key: "p2", status: EscrowStatus.Revealing },
    ]);
    const unserved: ServiceQuery = async (path) => ({
      code: SdkCode.UnknownRequest,
      codespace: SDK_CODESPACE,
      log: `unknown query path: ${path}`,
      value: new Uint8Array(),
      height: 0n,
    });
    await assert.rejects(new MarketQueries(unserved).escrows(EscrowStatus.Committing), isUnserved);
  });
});

const answer = (value: Uint8Array): QueryAnswer => ({ code: 0, codespace: "", log: "", value, height: 5n });

describe("a model's accuracy on a whole test set (digits, TensorFlow.js)", () => {
  let tf: Tf;
  let spec: ModelSpec;
  let weights: Uint8Array;
  /** The last 797 digits, the test set: normalized as a buyer's client writes it. */
  let csv: string;
  const evaluator = new AccuracyEvaluator();
  const seed = new Uint8Array(32).fill(5);
  const me = ed25519Agreement(seed);

  before(async () => {
    ({ tf } = await initTf());
    const rows = gunzipSync(readFileSync(DIGITS_PATH))
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const m = await createMlp(tf, {
      inputs: 64,
      hidden: [16],
      training: { featureScale: 16, classes: 10, epochs: 2, batchSize: 32, learningRate: 0.1 },
      seed: 11,
    });
    spec = m.spec;
    weights = await trainLocal(tf, spec, m.weights, parseCsvDataset(rows.slice(0, 1000).join("\n")));
    csv = rows.slice(1000).join("\n");
  });
  after(() => evaluator.close());

  test("runAccuracy gives floor(accuracy() x 1e6) over every record", async () => {
    const share = await accuracy(tf, spec, weights, parseCsvDataset(csv));
    const out = await runAccuracy({ kind: "accuracy", modelSpec: JSON.stringify(spec), weights, csv });
    assert.equal(out.records, 797);
    assert.equal(out.accuracyPpm, Math.floor(share * 1_000_000));
    assert.equal(out.invalid, undefined);
    // Trained on 1,000 digits: far above chance (10 classes), so the number is a real measurement.
    assert.ok(out.accuracyPpm > 500_000, `accuracy ${out.accuracyPpm}`);
    // A share of 797 records: correct / 797, in millionths.
    const correct = Math.round(share * 797);
    assert.equal(out.accuracyPpm, Math.floor((correct * 1_000_000) / 797));
  });

  test("the evaluation worker answers the same off the event loop", async () => {
    const inline = await runAccuracy({ kind: "accuracy", modelSpec: JSON.stringify(spec), weights, csv });
    const out = await evaluator.run({ kind: "accuracy", modelSpec: JSON.stringify(spec), weights, csv });
    assert.equal(out.accuracyPpm, inline.accuracyPpm);
    assert.equal(out.records, 797);
  });

  test("a model that cannot run on the test set scores 0; a test set that cannot be parsed fails", async () => {
    const bad = await runAccuracy({
      kind: "accuracy",
      modelSpec: JSON.stringify(spec),
      weights: new Uint8Array(12),
      csv,
    });
    assert.equal(bad.accuracyPpm, 0);
    assert.match(bad.invalid ?? "", /bytes/);
    const noSettings = await runAccuracy({
      kind: "accuracy",
      modelSpec: JSON.stringify({ ...spec, userDefinedMetadata: undefined }),
      weights,
      csv,
    });
    assert.equal(noSettings.accuracyPpm, 0);
    assert.match(noSettings.invalid ?? "", /training settings/);
    await assert.rejects(
      runAccuracy({ kind: "accuracy", modelSpec: JSON.stringify(spec), weights, csv: "1,2,x\n" }),
      (e) =>
        e instanceof FlServiceError && e.code === FlServiceErrorCode.EVALUATION && /test set/.test(e.message),
    );
  });

  test("a member commits its accuracy, keeps it across a restart, and reveals what it committed", async () => {
    const chainId = "cifer-test";
    const plain = new TextEncoder().encode(csv);
    const sealed = encryptEvalSet(plain);
    const evalCid = cidOf(sealed.blob);
    const modelCid = cidOf(weights);
    const e = escrow({
      id: 9n,
      evalSet: {
        cid: evalCid,
        records: 797,
        wraps: [
          {
            validator: ME,
            wrap: wrapKey(
              sealed.key,
              ed25519.getPublicKey(seed),
              evalSetContext(chainId, "cif1buyer", evalCid),
            ),
          },
        ],
      },
    });
    const stored = new Map([
      [evalCid, sealed.blob],
      [modelCid, weights],
    ]);
    const blobs = {
      has: (cid: string) => stored.has(cid),
      get: async (cid: string) => stored.get(cid),
      fetch: async () => Promise.reject(new Error("no peers")),
    } as unknown as ServiceBlobs;
    const modelAsset: Partial<Asset> = {
      id: 3n,
      kind: AssetKind.Model,
      owner: "cif1seller",
      model: {
        modelCid,
        modelHash: "",
        modelSpec: JSON.stringify(spec),
        provenance: undefined,
        trainedOn: [],
      },
    };
    const query: ServiceQuery = async (path, data) => {
      assert.equal(path, "/cifer.market.v1.Query/Asset");
      assert.equal(QueryAssetRequest.decode(data).assetId, 3n);
      return answer(encode(QueryAssetResponse, QueryAssetResponse.fromPartial({ asset: modelAsset })));
    };
    const sent: Any[] = [];
    const account = {
      address: ME_ACCOUNT,
      send: async (msgs: Any[]) => {
        sent.push(...msgs);
        return { hash: new Uint8Array(32).fill(sent.length), gasLimit: 200_000n, code: 0 };
      },
    } as unknown as ServiceAccount;
    const recordsDir = join(tempDir(), "market-escrows");
    const work = () =>
      new EscrowWork({
        chainId,
        validator: ME,
        operator: ME_ACCOUNT,
        me,
        blobs,
        market: new MarketQueries(query),
        account,
        evaluator: new AccuracyEvaluator({ inline: true }),
        recordsDir,
        fetchTimeoutMs: 1000,
        signal: new AbortController().signal,
        log: createLogger("error", "test", () => {}),
        latestHeight: () => 50n,
      });
    const job: EscrowJob = { escrowId: 9n, phase: "commit", deadline: 100n, committeeSize: 2 };
    await work().run(job, e);
    const kept = new EscrowRecords(recordsDir).load(9n)!;
    const share = await accuracy(tf, spec, weights, parseCsvDataset(csv));
    assert.equal(kept.accuracyPpm, Math.floor(share * 1_000_000));
    assert.equal(kept.salt.length, 32);
    assert.equal(sent[0]!.typeUrl, "/cifer.market.v1.MsgCommitEscrowScore");
    const c = MsgCommitEscrowScore.decode(sent[0]!.value);
    assert.equal(c.validator, ME_ACCOUNT);
    assert.equal(c.escrowId, 9n);
    assert.deepEqual(
      c.commitment,
      escrowCommitment({ escrowId: 9n, validator: ME, accuracyPpm: kept.accuracyPpm, salt: kept.salt }),
    );
    // Restarted before its commitment landed: the kept accuracy and salt are committed again as they are.
    await work().run(job, e);
    assert.deepEqual(MsgCommitEscrowScore.decode(sent[1]!.value).commitment, c.commitment);
    await work().run({ ...job, phase: "reveal", deadline: 130n }, { ...e, status: EscrowStatus.Revealing });
    assert.equal(sent[2]!.typeUrl, "/cifer.market.v1.MsgRevealEscrowScore");
    assert.deepEqual(MsgRevealEscrowScore.decode(sent[2]!.value), {
      validator: ME_ACCOUNT,
      escrowId: 9n,
      accuracyPpm: kept.accuracyPpm,
      salt: kept.salt,
    });
    // Too late: the phase ends at the next height.
    await assert.rejects(work().run({ ...job, deadline: 51n }, e), (err) => {
      return err instanceof MarketServiceError && err.code === MarketServiceErrorCode.LATE;
    });
    // Not wrapped for this validator: it cannot evaluate (and nothing is kept or sent).
    const notMine = { ...e, id: 10n, evalSet: { ...e.evalSet!, wraps: [] } };
    await assert.rejects(work().run({ ...job, escrowId: 10n }, notMine), (err) => {
      return err instanceof MarketServiceError && err.code === MarketServiceErrorCode.EVAL_SET;
    });
    assert.equal(new EscrowRecords(recordsDir).load(10n), undefined);
    // A reveal with nothing kept.
    await assert.rejects(
      work().run({ escrowId: 11n, phase: "reveal", deadline: 130n, committeeSize: 2 }, e),
      (err) => {
        return err instanceof MarketServiceError && err.code === MarketServiceErrorCode.NO_RECORD;
      },
    );
    assert.equal(sent.length, 3);
  });
});
