import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fromBase64 } from "@cosmjs/encoding";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { cidOf } from "../../chain/blobs/cid.ts";
import { BlobErrorCode, isBlobError } from "../../chain/blobs/errors.ts";
import { loadOperatorKeyFile, writeOperatorKeyFile } from "../../chain/node/operator-key.ts";
import type { QueryAnswer } from "../../chain/rpc/backend.ts";
import { parseGasPrice } from "../../chain/types/gas-price.ts";
import { weightsOf } from "../../client/fl/model.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import { aggregateHash } from "../../modules/fl/aggregation/encoding.ts";
import {
  DisputeStatus,
  encode,
  QueryParticipantsResponse,
  QueryRoundResponse,
  QueryTaskResponse,
  Payout,
  Privacy,
  ROOT_STAGE,
  type Round,
  RoundStatus,
  Rule,
  type Stage,
  StageStatus,
  type Task,
  TaskStatus,
} from "../../modules/fl/proto.ts";
import { runAggregation } from "../../modules/fl/service/aggregate-job.ts";
import { Aggregator } from "../../modules/fl/service/aggregator.ts";
import { parseFlServiceConfig } from "../../modules/fl/service/config.ts";
import { FlServiceError, FlServiceErrorCode } from "../../modules/fl/service/errors.ts";
import { excludedList } from "../../modules/fl/service/excluded.ts";
import { jobKey, jobsFor, rootInputsOf } from "../../modules/fl/service/jobs.ts";
import { pinPlan, taskBlobs, taskPinHolder } from "../../modules/fl/service/pins.ts";
import { rootInputId, rootInputs } from "../../modules/fl/service/root.ts";
import { aggregationRuleOf } from "../../modules/fl/service/rule.ts";
import { flUploadCheck, UPLOADS_PER_ROUND } from "../../modules/fl/service/upload-check.ts";
import { formatUploadAuth, UPLOAD_AUTH_HEADER, uploadSignDoc } from "../../modules/fl/upload-auth.ts";
import { checkedWeights, WeightsError, WeightsStreamCheck } from "../../modules/fl/weights.ts";
import { blob } from "../helpers/fl.ts";

const ME = "cifvaloper1me";
const OTHER = "cifvaloper1other";

function task(over: Partial<Task> = {}): Task {
  return {
    id: 7n,
    owner: "cif1owner",
    genesisWeightsCid: blob("genesis").cid,
    rewardPool: { denom: "ucif", amount: "1000" },
    rounds: 2,
    roundBlocks: 10n,
    minParticipants: 2,
    maxParticipants: 10,
    rule: Rule.Median,
    ruleParams: { f: 0, m: 0, betaPpm: 0 },
    committeeSize: 3,
    subgroupSize: 0,
    paramCount: 4n,
    updateBytes: 16n,
    status: TaskStatus.Running,
    currentRound: 1,
    participantCount: 3,
    escrow: "1000",
    paid: "0",
    refunded: "0",
    heldDeposits: "0",
    globalModelCid: blob("global").cid,
    createdHeight: 1n,
    endedHeight: 0n,
    nextWake: 0n,
    privacy: Privacy.Plain,
    payout: Payout.Samples,
    evalSet: undefined,
    joinBond: "0",
    heldBonds: "0",
    ckksPublicKeyCid: "",
    ...over,
  };
}

function round(over: Partial<Round> = {}): Round {
  return {
    taskId: 7n,
    round: 1,
    status: RoundStatus.Aggregating,
    startHeight: 10n,
    deadline: 20n,
    extensions: 0,
    updateCount: 3,
    totalSamples: 6n,
    subgroupCount: 1,
    finalHeight: 0n,
    disputeEnd: 0n,
    aggregateCid: "",
    aggregateHash: "",
    budget: "500",
    paidTrainers: "0",
    paidCommittee: "0",
    evaluated: false,
    globalAccuracyPpm: 0,
    modelCid: "",
    modelHash: "",
    publishDeadline: 0n,
    evalSeed: new Uint8Array(),
    ...over,
  };
}

const member = (validator: string) => ({ validator, power: 10n });
const report = (validator: string, label = "agg") => ({
  validator,
  cid: blob(label).cid,
  hash: blob(label).hash,
  excluded: [],
  height: 21n,
});

function stage(over: Partial<Stage> = {}): Stage {
  return {
    taskId: 7n,
    round: 1,
    index: 0,
    status: StageStatus.Aggregating,
    attempt: 1,
    committee: [member(ME), member(OTHER)],
    aggregateDeadline: 80n,
    reports: [],
    updateCount: 3,
    samples: 6n,
    aggregateCid: "",
    aggregateHash: "",
    excluded: [],
    acceptedSamples: 0n,
    agreed: [],
    finalHeight: 0n,
    dispute: undefined,
    commitDeadline: 0n,
    revealDeadline: 0n,
    commits: [],
    reveals: [],
    evaluation: undefined,
    ...over,
  };
}

const jobs = (stages: Stage[], o: { t?: Partial<Task>; r?: Partial<Round>; height?: bigint } = {}) =>
  jobsFor({ task: task(o.t), round: round(o.r), stages, validator: ME, height: o.height ?? 30n });

describe("job selection", () => {
  test("a stage aggregating with this validator on its committee and no report of its own", () => {
    const [j, ...rest] = jobs([stage()]);
    assert.deepEqual(rest, []);
    assert.deepEqual(j, {
      taskId: 7n,
      round: 1,
      stage: 0,
      attempt: 1,
      dispute: false,
      deadline: 80n,
      committeeSize: 2,
    });
    assert.equal(jobKey(j!), "7/1/0/1");
  });

  test("nothing owed: reported, not a member, deadline reached, task or round not current", () => {
    assert.deepEqual(jobs([stage({ reports: [report(ME)] })]), []);
    assert.deepEqual(jobs([stage({ committee: [member(OTHER)] })]), []);
    // A tx can land at height + 1 at the earliest: at 79 a deadline of 80 is already too late.
    assert.equal(jobs([stage()], { height: 78n }).length, 1);
    assert.deepEqual(jobs([stage()], { height: 79n }), []);
    assert.deepEqual(jobs([stage({ status: StageStatus.Final })]), []);
    assert.deepEqual(jobs([stage({ status: StageStatus.Waiting })]), []);
    assert.deepEqual(jobs([stage()], { t: { status: TaskStatus.Cancelled } }), []);
    assert.deepEqual(jobs([stage()], { t: { currentRound: 2 } }), []);
    assert.deepEqual(jobs([stage()], { r: { status: RoundStatus.Collecting } }), []);
  });

  test("a new attempt is a new job; the root stage and disputes are jobs too", () => {
    const retried = jobs([stage({ attempt: 2, reports: [] })]);
    assert.equal(jobKey(retried[0]!), "7/1/0/2");
    const root = jobs([
      stage({ status: StageStatus.Final }),
      stage({ index: 1, status: StageStatus.Final }),
      stage({ index: ROOT_STAGE }),
    ]);
    assert.deepEqual(
      root.map((j) => jobKey(j)),
      ["7/1/root/1"],
    );
    const dispute = {
      status: DisputeStatus.Open,
      opener: "cif1x",
      deposit: "10",
      openedHeight: 25n,
      deadline: 60n,
      committee: [member(ME), member("cifvaloper1c"), member("cifvaloper1d")],
      reports: [],
      resultHash: "",
    };
    const disputed = jobs(
      [stage({ status: StageStatus.Final, attempt: 2, committee: [member(OTHER)], dispute })],
      {
        r: { status: RoundStatus.Final },
      },
    );
    assert.deepEqual(disputed, [
      { taskId: 7n, round: 1, stage: 0, attempt: 2, dispute: true, deadline: 60n, committeeSize: 3 },
    ]);
    assert.equal(jobKey(disputed[0]!), "7/1/0/2/dispute");
    const answered = { ...dispute, reports: [report(ME)] };
    assert.deepEqual(jobs([stage({ status: StageStatus.Final, dispute: answered })]), []);
    const closed = { ...dispute, status: DisputeStatus.Rejected };
    assert.deepEqual(jobs([stage({ status: StageStatus.Final, dispute: closed })]), []);
  });

  test("root inputs: every subgroup final, in subgroup order", () => {
    const s = (index: number, status = StageStatus.Final) =>
      stage({ index, status, aggregateCid: blob(`g${index}`).cid, acceptedSamples: BigInt(index + 1) });
    assert.equal(
      rootInputsOf([s(0), s(1, StageStatus.Aggregating), stage({ index: ROOT_STAGE })]),
      undefined,
    );
    const inputs = rootInputsOf([stage({ index: ROOT_STAGE }), s(10), s(2)])!;
    assert.deepEqual(
      inputs.map((x) => x.index),
      [2, 10],
    );
    assert.deepEqual(rootInputs(inputs), [
      { id: "subgroup-0000000002", cid: blob("g2").cid, samples: 3n },
      { id: "subgroup-0000000010", cid: blob("g10").cid, samples: 11n },
    ]);
  });
});

describe("what a report contains", () => {
  test("excluded: unusable + rule-excluded, deduplicated, sorted as the chain sorts", () => {
    assert.deepEqual(
      excludedList({
        unusable: ["cif1d", "cif1b"],
        ruleExcluded: ["cif1b", "cif1a"],
        updaters: ["cif1a", "cif1b", "cif1c", "cif1d"],
      }),
      ["cif1a", "cif1b", "cif1d"],
    );
    assert.deepEqual(excludedList({ unusable: [], ruleExcluded: [], updaters: ["cif1a"] }), []);
    assert.throws(
      () => excludedList({ unusable: ["cif1z"], ruleExcluded: [], updaters: ["cif1a", "cif1b"] }),
      /cif1z is not an updater/,
    );
    assert.throws(
      () => excludedList({ unusable: ["cif1a"], ruleExcluded: ["cif1b"], updaters: ["cif1a", "cif1b"] }),
      /keeps at least one/,
    );
  });

  test("the on-chain rule maps to the library's", () => {
    const p = (f: number, m: number, betaPpm: number) => ({ f, m, betaPpm });
    assert.deepEqual(aggregationRuleOf(Rule.FedAvg, p(0, 0, 0)), { kind: "fedavg" });
    assert.deepEqual(aggregationRuleOf(Rule.Median, undefined), { kind: "median" });
    assert.deepEqual(aggregationRuleOf(Rule.TrimmedMean, p(0, 0, 100_000)), {
      kind: "trimmed_mean",
      beta: 0.1,
    });
    assert.deepEqual(aggregationRuleOf(Rule.TrimmedMean, p(0, 0, 499_999)), {
      kind: "trimmed_mean",
      beta: 0.499999,
    });
    assert.deepEqual(aggregationRuleOf(Rule.Krum, p(1, 0, 0)), { kind: "krum", f: 1 });
    assert.deepEqual(aggregationRuleOf(Rule.MultiKrum, p(1, 3, 0)), { kind: "multikrum", f: 1, m: 3 });
    assert.deepEqual(aggregationRuleOf(Rule.Bulyan, p(2, 0, 0)), { kind: "bulyan", f: 2 });
    for (const r of [Rule.Trust, Rule.Unspecified])
      assert.throws(
        () => aggregationRuleOf(r, p(0, 0, 0)),
        (e) => e instanceof FlServiceError && e.code === FlServiceErrorCode.UNSUPPORTED_RULE,
      );
  });

  test("the root: FedAvg of the subgroup aggregates by accepted samples, in subgroup order", () => {
    const g = (v: number[]) => [Float32Array.from(v)];
    // Subgroups 2 and 10: with unpadded ids "10" would sort before "2".
    const a = g([1, 2, 3]);
    const b = g([0.1, 0.7, -5]);
    const res = aggregate(
      [
        { id: rootInputId(10), samples: 3n, layers: b },
        { id: rootInputId(2), samples: 1n, layers: a },
      ],
      { kind: "fedavg" },
    );
    assert.deepEqual(res.selected, [rootInputId(2), rootInputId(10)]);
    // Canonical arithmetic: float64 sum in subgroup order, one division, one float32 rounding.
    const want = Float32Array.from([0, 1, 2].map((i) => (0 + a[0]![i]! * 1 + b[0]![i]! * 3) / 4));
    assert.deepEqual(res.layers[0], want);
  });

  test("runAggregation: invalid inputs are reported, the rest aggregated, encoded and hashed", () => {
    const bytes = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
    const out = runAggregation({
      rule: { kind: "krum", f: 1 },
      sizes: [2, 2],
      inputs: [
        { id: "a", samples: 1n, bytes: bytes([1, 1, 1, 1]) },
        { id: "b", samples: 1n, bytes: bytes([1.1, 1, 1, 1]) },
        { id: "c", samples: 1n, bytes: bytes([1, 1.1, 1, 1]) },
        { id: "d", samples: 1n, bytes: bytes([1, 1, 1.1, 1]) },
        { id: "e", samples: 1n, bytes: bytes([90, 90, 90, 90]) },
        { id: "nan", samples: 1n, bytes: bytes([1, Number.NaN, 1, 1]) },
        { id: "short", samples: 1n, bytes: bytes([1, 1, 1]) },
      ],
    });
    assert.deepEqual(
      out.invalid.map((i) => i.id),
      ["nan", "short"],
    );
    assert.match(out.invalid[0]!.reason, /weight 1 is not finite/);
    assert.match(out.invalid[1]!.reason, /12 bytes, the model needs 16/);
    assert.equal(out.selected.length, 1);
    assert.ok(out.ruleExcluded.includes("e"));
    assert.equal(out.hash, Buffer.from(aggregateHash([new Float32Array(out.bytes.buffer)])).toString("hex"));
    assert.throws(
      () =>
        runAggregation({
          rule: { kind: "median" },
          sizes: [1],
          inputs: [{ id: "x", samples: 1n, bytes: bytes([Infinity]) }],
        }),
      (e) => e instanceof FlServiceError && e.code === FlServiceErrorCode.NO_VALID_UPDATES,
    );
    assert.throws(
      () =>
        runAggregation({
          rule: { kind: "bulyan", f: 1 },
          sizes: [1],
          inputs: [{ id: "x", samples: 1n, bytes: bytes([1]) }],
        }),
      (e) => e instanceof FlServiceError && e.code === FlServiceErrorCode.AGGREGATION,
    );
  });

  test("the worker thread gives the bytes the calling thread gives, and takes the inputs' buffers", async () => {
    const n = 50_000;
    const mk = (seed: number) => {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) f[i] = Math.sin(seed + i * 0.001);
      return new Uint8Array(f.buffer);
    };
    const inputs = () =>
      [1, 2, 3, 4, 5].map((s) => ({ id: `cif1p${s}`, samples: BigInt(s * 10), bytes: mk(s) }));
    const inline = await new Aggregator({ inline: true }).run({
      rule: { kind: "median" },
      sizes: [n / 2, n / 2],
      inputs: inputs(),
    });
    const agg = new Aggregator();
    try {
      const given = inputs();
      // A pooled (small) Buffer must be copied, not transferred: the pool is shared.
      const pooled = Buffer.from([1, 2, 3, 4]);
      const small = await agg.run({
        rule: { kind: "fedavg" },
        sizes: [1],
        inputs: [{ id: "x", samples: 1n, bytes: pooled }],
      });
      assert.equal(pooled.length, 4, "the pooled buffer is intact");
      assert.equal(small.bytes.length, 4);
      const out = await agg.run({ rule: { kind: "median" }, sizes: [n / 2, n / 2], inputs: given });
      assert.deepEqual(out.bytes, inline.bytes);
      assert.equal(out.hash, inline.hash);
      assert.equal(given[0]!.bytes.byteLength, 0, "transferred, not copied");
      await assert.rejects(
        agg.run({ rule: { kind: "krum", f: 1 }, sizes: [n], inputs: inputs().slice(0, 2) }),
        (e) => e instanceof FlServiceError && e.code === FlServiceErrorCode.AGGREGATION,
      );
    } finally {
      await agg.close();
    }
    await assert.rejects(agg.run({ rule: { kind: "fedavg" }, sizes: [1], inputs: [] }), /closed/);
  });
});

describe("weights checks (shared with the trainer SDK and the upload check)", () => {
  test("streamed in any chunking, the check says what the whole-blob check says", () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => i / 3);
    const bytes = new Uint8Array(values.buffer);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(4 * 37, Number.NaN, true);
    const chunked = (b: Uint8Array, seed: number) => {
      const s = new WeightsStreamCheck(256);
      let at = 0;
      let k = seed;
      while (at < b.length) {
        k = (k * 1103515245 + 12345) % 2 ** 31;
        const len = 1 + (k % 11);
        s.write(b.subarray(at, at + len));
        at += len;
      }
      s.end();
    };
    for (let seed = 1; seed < 40; seed++) {
      chunked(bytes, seed);
      assert.throws(() => chunked(nan, seed), /weight 37 is not finite \(NaN\)/, `seed ${seed}`);
    }
    assert.throws(() => checkedWeights([64], nan), /weight 37 is not finite/);
    const over = new WeightsStreamCheck(8);
    assert.throws(
      () => over.write(new Uint8Array(9)),
      (e) => e instanceof WeightsError && e.code === "SIZE",
    );
    const under = new WeightsStreamCheck(8);
    under.write(new Uint8Array(7));
    assert.throws(() => under.end(), /7 bytes, the model needs 8/);
  });

  test("the trainer SDK's weightsOf is the same check", () => {
    const spec = { weightSpecs: [{ name: "k", shape: [2, 2], dtype: "float32" as const }] };
    const b = new Uint8Array(Float32Array.from([1, 2, 3, Number.POSITIVE_INFINITY]).buffer);
    assert.throws(() => weightsOf(spec, b), /weight 3 is not finite \(Infinity\)/);
    // An unaligned view is copied, not misread.
    const padded = new Uint8Array(17);
    padded.set(new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer), 1);
    assert.deepEqual(checkedWeights([4], padded.subarray(1))[0], Float32Array.from([1, 2, 3, 4]));
  });
});

describe("pins of live tasks", () => {
  test("a task pins its genesis weights, global model, and the current round's updates and aggregates", () => {
    const t = task();
    const got = taskBlobs({
      task: t,
      updates: [
        {
          taskId: 7n,
          round: 1,
          participant: "cif1a",
          cid: blob("u1").cid,
          sizeBytes: 16n,
          samples: 1n,
          height: 12n,
          subgroup: 0,
          evaluated: false,
          trustPpm: 0,
          accuracyPpm: 0,
          contributionPpm: 0,
        },
      ],
      stages: [stage({ aggregateCid: blob("agg").cid, reports: [report(OTHER, "other")] })],
    });
    assert.deepEqual(
      [...got].sort(),
      [t.genesisWeightsCid, t.globalModelCid, blob("u1").cid, blob("agg").cid, blob("other").cid].sort(),
    );
  });

  test("the plan unpins what ended tasks and past rounds held, pins what is new, and leaves other holders alone", () => {
    const h7 = taskPinHolder(7n);
    const h8 = taskPinHolder(8n);
    const plan = pinPlan(
      [
        { cid: "c-old", holders: [h7] },
        { cid: "c-keep", holders: [h7, "manual"] },
        { cid: "c-ended", holders: [h8] },
        { cid: "c-manual", holders: ["manual"] },
      ],
      new Map([[h7, new Set(["c-keep", "c-new"])]]),
    );
    assert.deepEqual(plan.unpin, [
      { cid: "c-old", holder: h7 },
      { cid: "c-ended", holder: h8 },
    ]);
    assert.deepEqual(plan.pin, [{ cid: "c-new", holder: h7 }]);
  });
});

describe("config", () => {
  const home = "/home/v";
  const min = [parseGasPrice("0.01ucif")];
  test("defaults: enabled, the operator key in config/, the node's own gas price", () => {
    const c = parseFlServiceConfig(undefined, { home, minimumGasPrices: min });
    assert.equal(c.enabled, true);
    assert.equal(c.operatorKeyFile, "/home/v/config/operator_key.json");
    assert.deepEqual(c.gasPrice, min[0]);
    assert.equal(c.maxConcurrentJobs, 2);
    assert.equal(c.fetchTimeoutMs, 20_000);
    assert.deepEqual(
      parseFlServiceConfig({}, { home, minimumGasPrices: [] }).gasPrice,
      parseGasPrice("0.0025ucif"),
    );
    assert.deepEqual(
      parseFlServiceConfig({}, { home, minimumGasPrices: [parseGasPrice("0ucif")] }).gasPrice,
      parseGasPrice("0.0025ucif"),
    );
  });

  test("explicit values and clear refusals", () => {
    const c = parseFlServiceConfig(
      {
        enabled: false,
        operator_key_file: "/keys/op.json",
        gas_price: "0.5ucif",
        max_concurrent_jobs: 4,
        fetch_timeout_ms: 1000,
      },
      { home, minimumGasPrices: min },
    );
    assert.equal(c.enabled, false);
    assert.equal(c.operatorKeyFile, "/keys/op.json");
    assert.deepEqual(c.gasPrice, parseGasPrice("0.5ucif"));
    assert.equal(c.maxConcurrentJobs, 4);
    const bad = (raw: unknown, re: RegExp) =>
      assert.throws(
        () => parseFlServiceConfig(raw, { home, minimumGasPrices: min }),
        (e) => e instanceof FlServiceError && e.code === FlServiceErrorCode.CONFIG && re.test(e.message),
      );
    bad([], /^fl: expected an object/);
    bad({ enabled: "yes" }, /fl\.enabled: expected true or false/);
    bad({ max_concurrent_jobs: 0 }, /fl\.max_concurrent_jobs: must be between 1 and 16/);
    bad({ fetch_timeout_ms: "soon" }, /fl\.fetch_timeout_ms/);
    bad({ gas_price: "cheap" }, /fl\.gas_price: invalid gas price/);
    bad({ operator_key_file: "" }, /operator_key_file: must not be empty/);
  });
});

describe("the upload check of PUT /blobs?task=", async () => {
  const CHAIN = "cifer-test-1";
  const wallet = await DirectSecp256k1Wallet.fromKey(new Uint8Array(32).fill(3), "cif");
  const trainer = (await wallet.getAccounts())[0]!.address;
  const outsiderWallet = await DirectSecp256k1Wallet.fromKey(new Uint8Array(32).fill(4), "cif");
  const outsider = (await outsiderWallet.getAccounts())[0]!.address;
  const notFound: QueryAnswer = {
    code: 22,
    codespace: "sdk",
    log: "rpc error: code = NotFound desc = task 9 does not exist",
    height: 5n,
    value: new Uint8Array(),
  };
  const ok = (value: Uint8Array): QueryAnswer => ({ code: 0, codespace: "", log: "", height: 5n, value });
  /** A node's query handler over one task (or none), its current round and one participant. */
  const check = (t: Task | undefined, r: Partial<Round> = {}) =>
    flUploadCheck({
      chainId: CHAIN,
      query: async (path) => {
        if (!t) return notFound;
        if (path.endsWith("/Task")) return ok(encode(QueryTaskResponse, { task: t, modelSpec: "{}" }));
        if (path.endsWith("/Round"))
          return ok(
            encode(QueryRoundResponse, {
              round: round({ status: RoundStatus.Collecting, ...r }),
              stages: [],
            }),
          );
        if (path.endsWith("/Participants"))
          return ok(
            encode(QueryParticipantsResponse, {
              participants: [
                {
                  taskId: t.id,
                  address: trainer,
                  joinedHeight: 2n,
                  updates: 0,
                  earned: "0",
                  bond: "0",
                  contributionTotalPpm: 0n,
                },
              ],
              pagination: undefined,
            }),
          );
        throw new Error(`unexpected query ${path}`);
      },
    });
  const bytes16 = (seed: number) => new Uint8Array(Float32Array.from([seed, 2, 3, 4]).buffer);
  /** The query and headers of an upload of `cid`, signed by `w` for `signed` (default: the same claim). */
  const upload = async (
    q: { task: string; round: string; cid: string },
    w = wallet,
    signed: { chainId?: string; round?: number } = {},
  ) => {
    const address = (await w.getAccounts())[0]!.address;
    const { signature } = await w.signDirect(
      address,
      uploadSignDoc(signed.chainId ?? CHAIN, {
        taskId: BigInt(q.task),
        round: signed.round ?? Number(q.round),
        cid: q.cid,
      }),
    );
    const auth = formatUploadAuth(fromBase64(signature.pub_key.value), fromBase64(signature.signature));
    return { query: q, headers: { [UPLOAD_AUTH_HEADER]: auth } };
  };
  const claim = (seed = 1) => ({ task: "7", round: "1", cid: cidOf(bytes16(seed)) });
  const refused = async (p: Promise<unknown>, code: BlobErrorCode, re: RegExp) =>
    assert.rejects(p, (e) => isBlobError(e, code) && re.test((e as Error).message));

  test("no ?task=: not checked; a bad query or an unknown or ended task: 400 before the body", async () => {
    const c = check(task());
    assert.equal(await c.begin({ query: {}, headers: {} }), null);
    const bad = async (q: Record<string, string>, re: RegExp, t: Task | undefined) =>
      refused(check(t).begin(await upload({ ...claim(), ...q })), BlobErrorCode.BAD_REQUEST, re);
    // A malformed query is refused before anything else, signed or not.
    for (const [q, re] of [
      [{ task: "0" }, /expected a task id/],
      [{ task: "1e3" }, /expected a task id/],
      [{ round: "0" }, /round: expected the round/],
      [{ round: "x" }, /round: expected the round/],
    ] as const)
      await refused(c.begin({ query: { ...claim(), ...q }, headers: {} }), BlobErrorCode.BAD_REQUEST, re);
    await refused(
      c.begin({ query: { task: "7", round: "1" }, headers: {} }),
      BlobErrorCode.BAD_REQUEST,
      /must name its CID/,
    );
    await bad({ task: "9" }, /task 9 does not exist/, undefined);
    await bad({}, /task 7 is finished/, task({ status: TaskStatus.Finished }));
    await bad({ round: "2" }, /not collecting updates for round 2 \(current round 1\)/, task());
    await refused(
      check(task(), { status: RoundStatus.Aggregating }).begin(await upload(claim())),
      BlobErrorCode.BAD_REQUEST,
      /no longer collects updates/,
    );
  });

  test("signed by a participant of the task, for this very claim: else 401 or 403", async () => {
    const c = check(task());
    await refused(
      c.begin({ query: claim(), headers: {} }),
      BlobErrorCode.UNAUTHORIZED,
      /missing x-cifer-upload-auth/,
    );
    await refused(
      c.begin({ query: claim(), headers: { [UPLOAD_AUTH_HEADER]: "abc" } }),
      BlobErrorCode.UNAUTHORIZED,
      /expected <base64 pubkey>.<base64 signature>/,
    );
    // A valid signature of another round, another chain or another CID proves nothing here.
    await refused(
      c.begin(await upload(claim(), wallet, { round: 2 })),
      BlobErrorCode.UNAUTHORIZED,
      /does not sign this upload/,
    );
    await refused(
      c.begin(await upload(claim(), wallet, { chainId: "other-1" })),
      BlobErrorCode.UNAUTHORIZED,
      /on chain cifer-test-1/,
    );
    const other = await upload(claim(1));
    await refused(
      c.begin({ query: claim(2), headers: other.headers }),
      BlobErrorCode.UNAUTHORIZED,
      /does not sign this upload/,
    );
    await refused(
      c.begin(await upload(claim(), outsiderWallet)),
      BlobErrorCode.FORBIDDEN,
      new RegExp(`${outsider} is not a participant of task 7`),
    );
    assert.ok(await c.begin(await upload(claim())));
  });

  test(`at most ${UPLOADS_PER_ROUND} distinct updates per account and round; the same one again is fine`, async () => {
    const c = check(task());
    for (let i = 1; i <= UPLOADS_PER_ROUND; i++) assert.ok(await c.begin(await upload(claim(i))));
    assert.ok(await c.begin(await upload(claim(1))), "a retry of an update already counted");
    await refused(
      c.begin(await upload(claim(UPLOADS_PER_ROUND + 1))),
      BlobErrorCode.QUOTA_EXCEEDED,
      new RegExp(`already uploaded ${UPLOADS_PER_ROUND} updates for round 1 of task 7`),
    );
    // The next round starts a new count.
    const next = check(task({ currentRound: 2 }));
    assert.ok(await next.begin(await upload({ ...claim(9), round: "2" })));
  });

  test("the bytes must be the task's size of finite float32s", async () => {
    const c = (await check(task()).begin(await upload(claim())))!;
    assert.equal(c.size, 16);
    c.write(new Uint8Array(Float32Array.from([1, 2]).buffer));
    c.write(new Uint8Array(Float32Array.from([3, 4]).buffer));
    c.end();
    const nan = (await check(task()).begin(await upload(claim(2))))!;
    assert.throws(
      () => nan.write(new Uint8Array(Float32Array.from([1, 2, Number.NaN]).buffer)),
      (e) =>
        isBlobError(e, BlobErrorCode.INVALID_CONTENT) &&
        /not a model of task 7.*weight 2 is not finite/.test((e as Error).message),
    );
    const short = (await check(task()).begin(await upload(claim(3))))!;
    short.write(new Uint8Array(12));
    assert.throws(
      () => short.end(),
      (e) => isBlobError(e, BlobErrorCode.INVALID_CONTENT),
    );
  });
});

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the operator key file", () => {
  test("written 0600; refused when group or others can read it, or when its fields disagree", () => {
    const dir = mkdtempSync(join(tmpdir(), "cifer-opkey-"));
    dirs.push(dir);
    const path = join(dir, "operator_key.json");
    const key = writeOperatorKeyFile(path, new Uint8Array(32).fill(7));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(loadOperatorKeyFile(path), key);
    chmodSync(path, 0o640);
    assert.throws(() => loadOperatorKeyFile(path), /accessible by group or others \(mode 0640\).*chmod 600/);
    chmodSync(path, 0o600);
    const json = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...json, address: "cif1wrong" }));
    assert.throws(() => loadOperatorKeyFile(path), /does not match priv_key/);
    writeFileSync(path, JSON.stringify({ ...json, priv_key: { ...json.priv_key, value: "AAAA" } }));
    assert.throws(() => loadOperatorKeyFile(path), /not a valid secp256k1 private key/);
  });
});
