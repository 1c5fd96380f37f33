import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SDK_CODESPACE, SdkCode } from "../../chain/app/errors.ts";
import { ed25519Agreement } from "../../chain/crypto/x25519.ts";
import { committeeConfigJson, parseCommitteeConfig } from "../../chain/node/committee-config.ts";
import {
  afterFailure,
  afterSend,
  commitWantsScan,
  MAX_FAILURES,
  MAX_SENDS,
  mayStart,
  nothingOwed,
  outOfGasResend,
  watchExpired,
  willRetry,
} from "../../chain/node/committee-policy.ts";
import {
  type CommitteeModule,
  CommitteeJobRunner,
  type JobTx,
  type OperatorValidators,
} from "../../chain/node/committee-runner.ts";
import { homePaths } from "../../chain/node/home.ts";
import type { Logger } from "../../chain/node/logger.ts";
import { writeOperatorKeyFile } from "../../chain/node/operator-key.ts";
import { ServiceTxError } from "../../chain/node/service-account.ts";
import type { CommitNotice, NodeServiceContext, ServiceBlobs } from "../../chain/node/services.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const notice = (height: bigint, o: Partial<CommitNotice> = {}): CommitNotice => ({
  height,
  hash: new Uint8Array(32),
  txs: [],
  events: [],
  ...o,
});

describe("committee policy", () => {
  test("a scan on the module's events (block or tx) and every 10 blocks, not on others' events", () => {
    const ev = (type: string) => [{ type, attributes: [] }];
    const tx = (type: string) => ({
      hash: new Uint8Array(32),
      code: 0,
      codespace: "",
      log: "",
      gasWanted: 0n,
      events: ev(type),
    });
    assert.equal(commitWantsScan(notice(7n, { events: ev("fl_round_started") }), "fl_"), true);
    assert.equal(commitWantsScan(notice(7n, { txs: [tx("fl_update")] }), "fl_"), true);
    assert.equal(commitWantsScan(notice(7n, { events: ev("market_escrow_opened") }), "fl_"), false);
    assert.equal(commitWantsScan(notice(7n, { txs: [tx("transfer")] }), "market_"), false);
    assert.equal(commitWantsScan(notice(20n), "market_"), true);
    assert.equal(commitWantsScan(notice(21n), "market_"), false);
  });

  test("a sent job waits 20 blocks for its tx and is sent twice at most", () => {
    const once = afterSend(undefined, 100n);
    assert.deepEqual(once, { height: 100n, sends: 1 });
    assert.equal(mayStart(once, undefined, 119n), false);
    assert.equal(mayStart(once, undefined, 120n), true);
    const twice = afterSend(once, 120n);
    assert.deepEqual(twice, { height: 120n, sends: 2 });
    assert.equal(mayStart(twice, undefined, 10_000n), false);
    assert.deepEqual(nothingOwed(50n), { height: 50n, sends: MAX_SENDS });
    assert.equal(mayStart(nothingOwed(50n), undefined, 10_000n), false);
  });

  test("a failed job is tried again 5 blocks later, 3 times in all; a final failure never", () => {
    const f1 = afterFailure(undefined, false, 10n);
    assert.deepEqual(f1, { retryAt: 15n, failures: 1 });
    assert.equal(willRetry(f1), true);
    assert.equal(mayStart(undefined, f1, 14n), false);
    assert.equal(mayStart(undefined, f1, 15n), true);
    const f3 = afterFailure(afterFailure(f1, false, 15n), false, 20n);
    assert.deepEqual(f3, { retryAt: 25n, failures: 3 });
    assert.equal(willRetry(f3), false);
    assert.equal(mayStart(undefined, f3, 1_000n), false);
    const final = afterFailure(undefined, true, 10n);
    assert.deepEqual(final, { retryAt: 15n, failures: MAX_FAILURES });
    assert.equal(mayStart(undefined, final, 1_000n), false);
  });

  test("out of gas: twice the gas, capped at 20,000,000, and no resend at the cap", () => {
    assert.equal(outOfGasResend(150_000n), 300_000n);
    assert.equal(outOfGasResend(15_000_000n), 20_000_000n);
    assert.equal(outOfGasResend(19_999_999n), 20_000_000n);
    assert.equal(outOfGasResend(20_000_000n), undefined);
  });

  test("a sent tx is watched for 100 blocks", () => {
    assert.equal(watchExpired(10n, 110n), false);
    assert.equal(watchExpired(10n, 111n), true);
  });
});

describe("committee config", () => {
  test("the section's own fetch timeout and errors; the common defaults", () => {
    const spec = { section: "demo", fetchTimeoutMs: 7_000, error: (m: string) => new RangeError(m) };
    assert.deepEqual(committeeConfigJson(spec), {
      enabled: true,
      operator_key_file: "config/operator_key.json",
      max_concurrent_jobs: 2,
      fetch_timeout_ms: 7_000,
    });
    const c = parseCommitteeConfig(spec, undefined, { home: "/h", minimumGasPrices: [] });
    assert.equal(c.fetchTimeoutMs, 7_000);
    assert.equal(c.operatorKeyFile, "/h/config/operator_key.json");
    assert.throws(
      () => parseCommitteeConfig(spec, { max_concurrent_jobs: 17 }, { home: "/h", minimumGasPrices: [] }),
      (e) => e instanceof RangeError && e.message === "demo.max_concurrent_jobs: must be between 1 and 16",
    );
    assert.throws(
      () => parseCommitteeConfig(spec, 3, { home: "/h", minimumGasPrices: [] }),
      (e) => e instanceof RangeError && e.message === "demo: expected an object",
    );
  });
});

/** Lets promise chains and the scans they request run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
}

const hashOf = (n: number) => new Uint8Array(32).fill(n);
const hexOf = (n: number) => Buffer.from(hashOf(n)).toString("hex").toUpperCase();

/**
 * A runner over a fake node and a fake module: `owed` lists the job keys each scan offers, `outcome`
 * decides each run; every commit carries a demo_ event, so each asks for a scan.
 */
async function harness(o: {
  config?: Record<string, unknown>;
  blobs?: boolean;
  outcome?: (key: string, minGas: bigint) => Promise<JobTx>;
  mismatch?: OperatorValidators["mismatch"];
}) {
  const dir = mkdtempSync(join(tmpdir(), "committee-runner-"));
  dirs.push(dir);
  const keyFile = join(dir, "operator_key.json");
  writeOperatorKeyFile(keyFile, new Uint8Array(32).fill(7));
  const lines: string[] = [];
  const json = (f: unknown) => JSON.stringify(f ?? {}, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  const log: Logger = {
    debug: (m, f) => lines.push(`debug ${m} ${json(f)}`),
    info: (m, f) => lines.push(`info ${m} ${json(f)}`),
    warn: (m, f) => lines.push(`warn ${m} ${json(f)}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => log,
  };
  const s = {
    height: 1n,
    owed: [] as string[],
    runs: [] as Array<{ key: string; height: bigint; minGas: bigint }>,
    scans: 0,
    lines,
  };
  let listener: ((c: CommitNotice) => void) | undefined;
  let hashes = 0;
  const outcome =
    o.outcome ??
    (async (): Promise<JobTx> => ({ hash: hashOf(++hashes), gasLimit: 100_000n, done: "demo sent" }));
  const runner: CommitteeJobRunner = new CommitteeJobRunner({
    section: "demo",
    label: "demo service",
    txLabel: "demo tx",
    eventPrefix: "demo_",
    parseConfig: (raw, ctx) =>
      parseCommitteeConfig({ section: "demo", fetchTimeoutMs: 1_000, error: (m) => new Error(m) }, raw, ctx),
    operators: { validatorOf: () => "cifvaloper1demo", mismatch: o.mismatch ?? (async () => undefined) },
    finalFailures: new Set(["DEMO_FINAL"]),
    refusal: (codespace, code) =>
      codespace !== "demo" ? undefined : code === 7 ? "nothing-owed" : code === 8 ? "final" : undefined,
    lateInBlock: (codespace, code) => (codespace === "demo" && code === 9 ? "demo tx too late" : undefined),
    setUp: () => {},
    scan: async (height) => {
      s.scans++;
      runner.forgetAllBut(new Set(s.owed.map((k) => BigInt(k.split("/")[0]!))));
      for (const key of s.owed)
        runner.offer(
          {
            key,
            failedLine: "demo job failed",
            run: (minGas) => {
              s.runs.push({ key, height, minGas });
              return outcome(key, minGas);
            },
          },
          height,
        );
      return undefined;
    },
  } satisfies CommitteeModule);
  const ctx: NodeServiceContext = {
    chainId: "test-1",
    config: { operator_key_file: keyFile, ...o.config },
    paths: homePaths(dir),
    log,
    minimumGasPrices: [],
    blobs: o.blobs === false ? undefined : ({} as ServiceBlobs),
    consensusPubKey: new Uint8Array(32),
    consensusKeyAgreement: ed25519Agreement(new Uint8Array(32)),
    isValidator: () => true,
    latestHeight: () => s.height,
    query: async () => {
      throw new Error("no queries here");
    },
    broadcastTx: async () => {
      throw new Error("no mempool");
    },
    onCommit: (l) => {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
  };
  /** Commits `height` (with `txs`), after which scans and jobs run to their end. */
  const commit = async (height: bigint, txs: Array<{ n: number; code: number; codespace?: string }> = []) => {
    s.height = height;
    listener?.(
      notice(height, {
        events: [{ type: "demo_tick", attributes: [] }],
        txs: txs.map((t) => ({
          hash: hashOf(t.n),
          code: t.code,
          codespace: t.codespace ?? "",
          log: t.code === 0 ? "" : "refused",
          gasWanted: 0n,
          events: [],
        })),
      }),
    );
    await settle();
  };
  const blocks = async (from: bigint, to: bigint) => {
    for (let h = from; h <= to; h++) await commit(h);
  };
  /** Starts the runner owing `owed`; its first scan runs at height 1. */
  const launch = async (owed: string[]) => {
    s.owed = owed;
    await runner.start(ctx);
    await settle();
  };
  /** The runs so far as key@height. */
  const ran = () => s.runs.map((r) => `${r.key}@${r.height}`);
  return { s, runner, ctx, commit, blocks, launch, ran, listening: () => listener !== undefined };
}

const heights = (runs: Array<{ height: bigint }>) => runs.map((r) => r.height);

describe("committee runner", () => {
  test("a failing job is tried at 1, 6 and 11, then no more; the warnings say whether it will retry", async () => {
    const h = await harness({ outcome: async () => Promise.reject(new Error("boom")) });
    await h.launch(["1/a"]);
    await h.blocks(2n, 30n);
    assert.deepEqual(heights(h.s.runs), [1n, 6n, 11n]);
    const warns = h.s.lines.filter((l) => l.startsWith("warn demo job failed"));
    assert.deepEqual(
      warns.map((l) => JSON.parse(l.slice("warn demo job failed ".length)).retry),
      [true, true, false],
    );
    await h.runner.stop();
  });

  test("a final failure (the module's code, or the module's final refusal) is not tried again", async () => {
    const coded = Object.assign(new Error("same for all"), { code: "DEMO_FINAL" });
    const h = await harness({
      outcome: async (key) =>
        Promise.reject(key === "1/a" ? coded : new ServiceTxError("checktx", "demo", 8, "over")),
    });
    await h.launch(["1/a", "2/b"]);
    await h.blocks(2n, 30n);
    assert.deepEqual(h.ran(), ["1/a@1", "2/b@1"]);
    assert.ok(h.s.lines.some((l) => l.includes('"code":"DEMO_FINAL"') && l.includes('"retry":false')));
    await h.runner.stop();
  });

  test("a refusal meaning nothing is owed ends the job silently; other chains' refusals are retried", async () => {
    const h = await harness({
      outcome: async (key) =>
        Promise.reject(new ServiceTxError("checktx", key === "1/a" ? "demo" : "other", 7, "duplicate")),
    });
    await h.launch(["1/a", "2/b"]);
    await h.blocks(2n, 30n);
    assert.deepEqual(h.ran(), ["1/a@1", "2/b@1", "2/b@6", "2/b@11"]);
    assert.equal(h.s.lines.filter((l) => l.includes('"job":"1/a"')).length, 0);
    await h.runner.stop();
  });

  test("a tx never seen in a block is sent again 20 blocks later, once", async () => {
    const h = await harness({});
    await h.launch(["1/a"]);
    await h.blocks(2n, 60n);
    assert.deepEqual(heights(h.s.runs), [1n, 21n]);
    assert.equal(h.s.lines.filter((l) => l.startsWith("info demo sent")).length, 2);
    await h.runner.stop();
  });

  test("out of gas in its block: sent again at once with twice the gas; included: no more", async () => {
    const h = await harness({});
    await h.launch(["1/a"]);
    await h.commit(2n, [{ n: 1, code: SdkCode.OutOfGas, codespace: SDK_CODESPACE }]);
    assert.deepEqual(
      h.s.runs.map((r) => [r.height, r.minGas]),
      [
        [1n, 0n],
        [2n, 200_000n],
      ],
    );
    assert.ok(
      h.s.lines.some((l) => l.startsWith("warn demo tx failed in its block") && l.includes("200000")),
    );
    await h.commit(3n, [{ n: 2, code: 0 }]);
    assert.ok(h.s.lines.some((l) => l.startsWith("debug demo tx included") && l.includes(hexOf(2))));
    h.s.owed = [];
    await h.blocks(4n, 40n);
    assert.equal(h.s.runs.length, 2);
    await h.runner.stop();
  });

  test("out of gas at the cap, another failure, or too late in its block: not sent again at once", async () => {
    let n = 0;
    const h = await harness({
      outcome: async () => ({
        hash: hashOf(++n),
        gasLimit: n === 1 ? 20_000_000n : 100_000n,
        done: "demo sent",
      }),
    });
    await h.launch(["1/a", "2/b", "3/c"]);
    // Two at once (max_concurrent_jobs = 2); the scan after their end starts the third.
    assert.deepEqual(h.ran(), ["1/a@1", "2/b@1", "3/c@1"]);
    await h.commit(2n, [
      { n: 1, code: SdkCode.OutOfGas, codespace: SDK_CODESPACE },
      { n: 2, code: 9, codespace: "demo" },
    ]);
    assert.equal(h.s.runs.length, 3);
    assert.ok(h.s.lines.some((l) => l.startsWith("info demo tx too late") && l.includes('"job":"2/b"')));
    await h.commit(3n, [{ n: 3, code: 5, codespace: "demo" }]);
    assert.equal(h.s.runs.length, 3);
    await h.runner.stop();
  });

  test("max_concurrent_jobs bounds the jobs at once; the end of one starts the next", async () => {
    const pending: Array<() => void> = [];
    const h = await harness({
      config: { max_concurrent_jobs: 1 },
      outcome: (key) =>
        new Promise<JobTx>((resolve) =>
          pending.push(() => resolve({ hash: hashOf(key === "1/a" ? 1 : 2), done: "demo sent" })),
        ),
    });
    await h.launch(["1/a", "2/b"]);
    await h.commit(2n);
    assert.deepEqual(
      h.s.runs.map((r) => r.key),
      ["1/a"],
    );
    assert.equal(h.runner.isRunning("1/a"), true);
    pending.shift()!();
    await settle();
    assert.deepEqual(
      h.s.runs.map((r) => r.key),
      ["1/a", "2/b"],
    );
    assert.equal(h.runner.isRunning("1/a"), false);
    pending.shift()!();
    await h.runner.stop();
  });

  test("an owner no longer live is forgotten: owed again, its job starts afresh", async () => {
    const h = await harness({
      outcome: async () => Promise.reject(Object.assign(new Error("x"), { code: "DEMO_FINAL" })),
    });
    await h.launch(["1/a"]);
    await h.commit(2n);
    h.s.owed = [];
    await h.commit(3n);
    h.s.owed = ["1/a"];
    await h.commit(4n);
    assert.deepEqual(heights(h.s.runs), [1n, 4n]);
    await h.runner.stop();
  });

  test("idle, with one line, while the operator key is another node's validator's; stop ends the scans", async () => {
    const h = await harness({
      mismatch: async (_q, v) => ({ why: `validator ${v} has another consensus key`, wrongKey: true }),
    });
    await h.launch(["1/a"]);
    await h.blocks(2n, 5n);
    assert.equal(h.s.scans, 0);
    assert.deepEqual(
      h.s.lines.filter((l) => l.includes("idle")),
      [
        "info demo service idle: the operator key's validator cifvaloper1demo has another consensus key: fix demo.operator_key_file {}",
      ],
    );
    await h.runner.stop();
    assert.equal(h.listening(), false);
  });

  test("disabled, or without a blob store: no account, no scans", async () => {
    const off = await harness({ config: { enabled: false } });
    await off.runner.start(off.ctx);
    assert.deepEqual(off.s.lines, ["info demo service disabled (demo.enabled = false) {}"]);
    assert.equal(off.listening(), false);
    const noBlobs = await harness({ blobs: false });
    await noBlobs.runner.start(noBlobs.ctx);
    assert.deepEqual(noBlobs.s.lines, [
      "warn demo service idle: this node has no blob store (blobs.enabled = false) {}",
    ]);
    assert.equal(noBlobs.listening(), false);
    await off.runner.stop();
    await noBlobs.runner.stop();
  });
});
