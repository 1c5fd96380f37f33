import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAddress, toAddress } from "../../../chain/crypto/address.ts";
import { loadOperatorKeyFile } from "../../../chain/node/operator-key.ts";
import { ServiceAccount, ServiceTxError } from "../../../chain/node/service-account.ts";
import type {
  CommitNotice,
  NodeService,
  NodeServiceContext,
  ServiceBlobs,
} from "../../../chain/node/services.ts";
import { formatGasPrice } from "../../../chain/types/gas-price.ts";
import { SDK_CODESPACE, SdkCode } from "../../../chain/app/errors.ts";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { bytesEqual } from "../../../chain/crypto/hash.ts";
import { VALOPER_PREFIX } from "../../staking/store.ts";
import { consensusPubKey } from "../../staking/validator.ts";
import { parseCid } from "../cid.ts";
import { FL_CODESPACE, FlCode } from "../errors.ts";
import { parseModelSpec } from "../model-spec.ts";
import {
  encode,
  MsgSubmitAggregate,
  Privacy,
  ROOT_STAGE,
  Rule,
  type Round,
  type Stage,
  type Task,
  TaskStatus,
  type Update,
} from "../proto.ts";
import { checkedWeights, layerSizes } from "../weights.ts";
import type { AggregationRule } from "../aggregation/types.ts";
import { Aggregator } from "./aggregator.ts";
import { type FlServiceConfig, parseFlServiceConfig } from "./config.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";
import { excludedList } from "./excluded.ts";
import { fetchBlobs, fetchRequired } from "./fetch.ts";
import {
  jobKey,
  jobsFor,
  rootInputsOf,
  type ScoreJob,
  scoreJobKey,
  scoreJobsFor,
  type StageJob,
} from "./jobs.ts";
import { Evaluator } from "./evaluator.ts";
import { ScoreWork } from "./score-work.ts";
import { pinPlan, taskBlobs, taskPinHolder } from "./pins.ts";
import { FlQueries } from "./queries.ts";
import { rootInputs } from "./root.ts";
import { aggregationRuleOf } from "./rule.ts";

/** A full scan at least this often, besides every block with fl events (retries, missed events). */
const RESCAN_EVERY_BLOCKS = 10n;
/** A failed job is tried again after this many blocks, at most MAX_FAILURES times. */
const RETRY_AFTER_BLOCKS = 5n;
const MAX_FAILURES = 3;
/** A report sent but still owed this many blocks later (dropped from the mempool) is sent again, once. */
const RESEND_AFTER_BLOCKS = 20n;
const MAX_SENDS = 2;
/** Blob fetches of one job at once (the reactor's own bound, blobs.max_concurrent_fetches, is 4). */
const FETCH_CONCURRENCY = 2;
/**
 * Gas a report may need beyond its simulation, per committee member: the report that completes the
 * agreement also finalizes the stage (a reputation observation per member, possibly the next
 * stage's committee draw), which the simulation, run before the others' reports land, cannot see.
 * A report that still runs out of gas is sent again at once with twice the gas, up to MAX_GAS.
 */
const EXTRA_GAS_PER_MEMBER = 60_000n;
const MAX_GAS = 20_000_000n;
/** A sent report whose tx was not seen in a block for this long is forgotten (resends cover it). */
const TX_WATCH_BLOCKS = 100n;

/** Failures that every honest member meets alike: retrying cannot change the outcome. */
const FINAL_FAILURES = new Set<string>([
  FlServiceErrorCode.NO_VALID_UPDATES,
  FlServiceErrorCode.AGGREGATION,
  FlServiceErrorCode.UNSUPPORTED_RULE,
  FlServiceErrorCode.LATE,
  FlServiceErrorCode.EVAL_SET,
  FlServiceErrorCode.NO_SHEET,
]);

interface ScoreSnapshot {
  task: Task;
  round: Round;
  stages: Stage[];
  updates: Update[];
}

interface Snapshot {
  task: Task;
  stages: Stage[];
  updates: Update[];
}

/**
 * The FL aggregator (issue #5, item 4): a validator's node does its committee work by itself. On
 * each commit with fl events (and every 10 blocks) it reads the running tasks' current rounds and
 * finds the stages whose current committee (or open dispute committee) includes this validator and
 * has no report of it yet; for each, within bounded concurrency: fetch the updates (local store,
 * else peers), validate them against the task's model, aggregate with the task's rule in a worker
 * thread, store and pin the aggregate, and send MsgSubmitAggregate signed by the operator account.
 * Identical inputs give identical bytes on every honest member (the aggregation library is
 * deterministic), so honest reports agree. It also pins the blobs of live tasks and unpins them when
 * a task ends.
 *
 * Switched by config.json's `fl` section (config.ts); idle on nodes that do not validate, that have
 * no blob store, or that have no operator key file.
 */
export class FlAggregatorService implements NodeService {
  readonly name = "fl";
  private ctx!: NodeServiceContext;
  private cfg!: FlServiceConfig;
  private fl!: FlQueries;
  private blobs!: ServiceBlobs;
  private account: ServiceAccount | null = null;
  private aggregator: Aggregator | null = null;
  private scoring: ScoreWork | null = null;
  private valoper = "";
  private unsubscribe: (() => void) | null = null;
  private readonly abort = new AbortController();
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private readonly running = new Map<string, Promise<void>>();
  private readonly sent = new Map<string, { height: bigint; sends: number }>();
  private readonly failed = new Map<string, { retryAt: bigint; failures: number }>();
  private readonly models = new Map<bigint, number[]>();
  /** Reports sent and not yet seen in a block: tx hash (hex) -> job and gas limit. */
  private readonly watched = new Map<string, { key: string; gasLimit: bigint; height: bigint }>();
  /** Gas floors of jobs whose report ran out of gas in its block. */
  private readonly gasFloor = new Map<string, bigint>();
  private idle: string | null = null;
  /** Set once the operator key is known to be this node's validator's operator. */
  private operatorChecked = false;

  constructor(private readonly o: { inlineAggregation?: boolean } = {}) {}

  async start(ctx: NodeServiceContext): Promise<void> {
    this.ctx = ctx;
    this.cfg = parseFlServiceConfig(ctx.config, {
      home: ctx.paths.root,
      minimumGasPrices: ctx.minimumGasPrices,
    });
    if (!this.cfg.enabled) {
      ctx.log.info("fl aggregator disabled (fl.enabled = false)");
      return;
    }
    if (!ctx.blobs) {
      ctx.log.warn("fl aggregator idle: this node has no blob store (blobs.enabled = false)");
      return;
    }
    if (!existsSync(this.cfg.operatorKeyFile)) {
      ctx.log.warn("fl aggregator idle: no operator key file", { file: this.cfg.operatorKeyFile });
      return;
    }
    // A key file others can read stops the node: an operator must fix it, not miss it in a log.
    const key = loadOperatorKeyFile(this.cfg.operatorKeyFile);
    this.blobs = ctx.blobs;
    this.fl = new FlQueries(ctx.query);
    this.account = new ServiceAccount({
      chainId: ctx.chainId,
      key,
      query: ctx.query,
      broadcastTx: ctx.broadcastTx,
      gasPrice: this.cfg.gasPrice,
    });
    this.valoper = toAddress(parseAddress(key.address), VALOPER_PREFIX);
    this.aggregator = new Aggregator({ inline: this.o.inlineAggregation ?? false });
    this.scoring = new ScoreWork({
      chainId: ctx.chainId,
      validator: this.valoper,
      operator: key.address,
      me: ctx.consensusKeyAgreement,
      blobs: ctx.blobs,
      fl: this.fl,
      account: this.account,
      evaluator: new Evaluator({ inline: this.o.inlineAggregation ?? false }),
      sheetsDir: join(ctx.paths.dataDir, "fl-scores"),
      fetchTimeoutMs: this.cfg.fetchTimeoutMs,
      signal: this.abort.signal,
      log: ctx.log,
      latestHeight: () => ctx.latestHeight(),
    });
    this.unsubscribe = ctx.onCommit((c) => this.onCommit(c));
    ctx.log.info("fl aggregator started", {
      operator: key.address,
      validator: this.valoper,
      gas_price: formatGasPrice(this.cfg.gasPrice),
      max_concurrent_jobs: this.cfg.maxConcurrentJobs,
    });
    this.requestScan();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort.abort();
    await this.aggregator?.close();
    await this.scoring?.close();
    await Promise.allSettled([this.scanning, ...this.running.values()]);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private onCommit(c: CommitNotice): void {
    if (this.watched.size > 0) this.checkReports(c);
    const fl = (es: { type: string }[]) => es.some((e) => e.type.startsWith("fl_"));
    if (fl(c.events) || c.txs.some((t) => fl(t.events)) || c.height % RESCAN_EVERY_BLOCKS === 0n)
      this.requestScan();
  }

  /** How this node's reports fared in their block: out of gas is retried at once with more gas. */
  private checkReports(c: CommitNotice): void {
    for (const tx of c.txs) {
      const hex = Buffer.from(tx.hash).toString("hex").toUpperCase();
      const w = this.watched.get(hex);
      if (!w) continue;
      this.watched.delete(hex);
      if (tx.code === 0) {
        this.ctx.log.debug("fl report included", { job: w.key, height: c.height, txhash: hex });
        continue;
      }
      if (tx.codespace === FL_CODESPACE && tx.code === FlCode.NotAggregating) {
        // The committee agreed in an earlier tx of the block: late confirmations are not accepted.
        this.ctx.log.info("fl report too late: the stage was final before it", {
          job: w.key,
          height: c.height,
        });
        continue;
      }
      const outOfGas = tx.codespace === SDK_CODESPACE && tx.code === SdkCode.OutOfGas;
      this.ctx.log.warn("fl report failed in its block", {
        job: w.key,
        height: c.height,
        code: tx.code,
        log: tx.log,
        ...(outOfGas ? { retry_gas: (w.gasLimit * 2n).toString() } : {}),
      });
      if (outOfGas && w.gasLimit < MAX_GAS) {
        this.gasFloor.set(w.key, w.gasLimit * 2n > MAX_GAS ? MAX_GAS : w.gasLimit * 2n);
        this.sent.delete(w.key);
        this.requestScan();
      }
    }
    for (const [hex, w] of this.watched) if (w.height + TX_WATCH_BLOCKS < c.height) this.watched.delete(hex);
  }

  /** One scan at a time; a request during a scan runs one more after it. */
  private requestScan(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan()
      .catch((e: Error) => {
        if (!this.stopped) this.ctx.log.warn("fl scan failed", { err: e.message });
      })
      .finally(() => {
        this.scanning = null;
        if (this.rescan) {
          this.rescan = false;
          this.requestScan();
        }
      });
  }

  private setIdle(why: string | null): void {
    if (why !== this.idle && why) this.ctx.log.info(`fl aggregator idle: ${why}`);
    this.idle = why;
  }

  private async scan(): Promise<void> {
    const height = this.ctx.latestHeight();
    // Queries need a committed block; the first commit triggers a scan.
    if (height === 0n) return;
    if (!this.ctx.isValidator()) {
      this.setIdle("this node is not in the validator set");
      return;
    }
    const mismatch = await this.operatorMismatch();
    if (mismatch) {
      this.setIdle(mismatch);
      return;
    }
    this.setIdle(null);
    const desired = new Map<string, Set<string>>();
    for (const t of await this.fl.tasks(TaskStatus.Open))
      desired.set(taskPinHolder(t.id), taskBlobs({ task: t }));
    const live = new Set<bigint>();
    for (const task of await this.fl.tasks(TaskStatus.Running)) {
      if (this.stopped) return;
      live.add(task.id);
      const { round, stages } = await this.fl.round(task.id, task.currentRound);
      const updates = await this.fl.updates(task.id, task.currentRound);
      desired.set(taskPinHolder(task.id), taskBlobs({ task, updates, stages }));
      for (const job of jobsFor({ task, round, stages, validator: this.valoper, height }))
        this.consider(job, { task, stages, updates }, height);
      for (const job of scoreJobsFor({ task, round, stages, validator: this.valoper, height }))
        this.considerScores(job, { task, round, stages, updates }, height);
    }
    await this.reconcilePins(desired);
    // Forget the bookkeeping of tasks that stopped running (bounded memory).
    const taskOf = (key: string) => BigInt(key.slice(0, key.indexOf("/")));
    for (const m of [this.sent, this.failed, this.gasFloor])
      for (const k of m.keys()) if (!live.has(taskOf(k))) m.delete(k);
    for (const id of this.models.keys()) if (!live.has(id)) this.models.delete(id);
    this.scoring?.forget(live);
  }

  /**
   * Why the operator key cannot speak for this node (undefined when it can): its validator must
   * exist and have this node's consensus key, or two nodes could report as one validator.
   */
  private async operatorMismatch(): Promise<string | undefined> {
    if (this.operatorChecked) return undefined;
    const r = await this.ctx.query(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: this.valoper }).finish(),
    );
    if (r.code !== 0) return `the operator key's validator ${this.valoper} does not exist (${r.log})`;
    const v = QueryValidatorResponse.decode(r.value).validator;
    if (!v || !bytesEqual(consensusPubKey(v), this.ctx.consensusPubKey))
      return `the operator key's validator ${this.valoper} has another consensus key than this node: fix fl.operator_key_file`;
    this.operatorChecked = true;
    return undefined;
  }

  private consider(job: StageJob, snap: Snapshot, height: bigint): void {
    this.track(jobKey(job), height, "fl aggregation job failed", async () => {
      const r = await this.runJob(job, snap);
      return {
        txHash: r.txHash,
        done: "fl aggregate reported",
        fields: { cid: r.cid, excluded: r.excluded.length },
      };
    });
  }

  /** A score commitment or reveal this validator owes (evaluated tasks). */
  private considerScores(job: ScoreJob, snap: ScoreSnapshot, height: bigint): void {
    this.track(scoreJobKey(job), height, "fl scoring job failed", async () => ({
      txHash: await this.scoring!.run(job, snap),
      done: job.phase === "commit" ? "fl scores committed" : "fl scores revealed",
      fields: {},
    }));
  }

  /**
   * Runs a job that ends in one tx, at most once at a time and within max_concurrent_jobs (at
   * capacity, the scan that follows a running job's end picks it up); sends it again if it was
   * dropped (RESEND_AFTER_BLOCKS, MAX_SENDS); retries a failure after RETRY_AFTER_BLOCKS, up to
   * MAX_FAILURES times, except failures every honest member meets alike (FINAL_FAILURES).
   */
  private track(
    key: string,
    height: bigint,
    failedLine: string,
    run: () => Promise<{ txHash: Uint8Array; done: string; fields: Record<string, string | number> }>,
  ): void {
    if (this.running.has(key) || this.running.size >= this.cfg.maxConcurrentJobs) return;
    const sent = this.sent.get(key);
    if (sent && (height < sent.height + RESEND_AFTER_BLOCKS || sent.sends >= MAX_SENDS)) return;
    const failed = this.failed.get(key);
    if (failed && (height < failed.retryAt || failed.failures >= MAX_FAILURES)) return;
    const started = performance.now();
    const p = run()
      .then(
        (r) => {
          this.failed.delete(key);
          this.sent.set(key, { height: this.ctx.latestHeight(), sends: (sent?.sends ?? 0) + 1 });
          this.ctx.log.info(r.done, {
            job: key,
            ...r.fields,
            txhash: Buffer.from(r.txHash).toString("hex").toUpperCase(),
            ms: Math.round(performance.now() - started),
          });
        },
        (e: Error) => {
          if (this.stopped) return;
          const code = (e as { code?: unknown }).code;
          if (
            e instanceof ServiceTxError &&
            e.code === FlCode.DuplicateSubmission &&
            e.codespace === FL_CODESPACE
          ) {
            // Sent already (before a restart): nothing is owed.
            this.sent.set(key, { height, sends: MAX_SENDS });
            return;
          }
          const final = typeof code === "string" && FINAL_FAILURES.has(code);
          const failures = final ? MAX_FAILURES : (failed?.failures ?? 0) + 1;
          this.failed.set(key, { retryAt: this.ctx.latestHeight() + RETRY_AFTER_BLOCKS, failures });
          this.ctx.log.warn(failedLine, {
            job: key,
            err: e.message,
            ...(typeof code === "string" ? { code } : {}),
            retry: failures < MAX_FAILURES,
          });
        },
      )
      .finally(() => {
        this.running.delete(key);
        this.requestScan();
      });
    this.running.set(key, p);
  }

  /** The layer sizes of a task's model (its spec was validated when the task was created). */
  private async sizesOf(task: Task): Promise<number[]> {
    const known = this.models.get(task.id);
    if (known) return known;
    const found = await this.fl.task(task.id);
    if (!found) throw new FlServiceError(FlServiceErrorCode.MISSING_INPUT, `task ${task.id} not found`);
    const sizes = layerSizes(parseModelSpec(found.modelSpec, task.paramCount).weightSpecs);
    this.models.set(task.id, sizes);
    return sizes;
  }

  private async runJob(
    job: StageJob,
    snap: Snapshot,
  ): Promise<{ cid: string; excluded: string[]; txHash: Uint8Array }> {
    const { task } = snap;
    const sizes = await this.sizesOf(task);
    const root = job.stage === ROOT_STAGE;
    let inputs: Array<{ id: string; samples: bigint; cid: string }>;
    let updaters: string[] = [];
    if (root) {
      const subgroups = rootInputsOf(snap.stages);
      if (!subgroups)
        throw new FlServiceError(FlServiceErrorCode.MISSING_INPUT, "the root's subgroups are not all final");
      inputs = rootInputs(subgroups);
    } else {
      const mine = snap.updates.filter((u) => u.subgroup === job.stage);
      updaters = mine.map((u) => u.participant);
      inputs = mine.map((u) => ({ id: u.participant, samples: u.samples, cid: u.cid }));
    }
    const fetched = await fetchBlobs(
      this.blobs,
      inputs.map((i) => i.cid),
      { concurrency: FETCH_CONCURRENCY, timeoutMs: this.cfg.fetchTimeoutMs, signal: this.abort.signal },
    );
    if (this.stopped) throw new FlServiceError(FlServiceErrorCode.STOPPED, "stopping");
    const missing = inputs.filter((i) => !fetched.bytes.has(i.cid));
    for (const m of missing)
      this.ctx.log.warn("fl input missing", {
        job: jobKey(job),
        id: m.id,
        cid: m.cid,
        why: fetched.missing.get(m.cid),
      });
    if (root && missing.length > 0)
      throw new FlServiceError(
        FlServiceErrorCode.MISSING_INPUT,
        `subgroup aggregates not available: ${missing.map((m) => m.cid).join(", ")}`,
      );
    const present = inputs.filter((i) => fetched.bytes.has(i.cid));
    if (present.length === 0)
      throw new FlServiceError(
        FlServiceErrorCode.NO_VALID_UPDATES,
        "no update of the stage could be fetched",
      );
    const stage = snap.stages.find((s) => s.index === job.stage);
    const rule: AggregationRule =
      root || task.privacy === Privacy.Ckks
        ? { kind: "fedavg" }
        : task.rule === Rule.Trust
          ? await this.trustRule(task, stage, sizes)
          : aggregationRuleOf(task.rule, task.ruleParams);
    const out = await this.aggregator!.run({
      rule,
      ckks: task.privacy === Privacy.Ckks,
      sizes,
      inputs: present.map((i) => ({ id: i.id, samples: i.samples, bytes: fetched.bytes.get(i.cid)! })),
    });
    if (root && out.invalid.length > 0)
      throw new FlServiceError(
        FlServiceErrorCode.MISSING_INPUT,
        `invalid subgroup aggregates: ${out.invalid.map((i) => `${i.id}: ${i.reason}`).join("; ")}`,
      );
    for (const i of out.invalid)
      this.ctx.log.info("fl update excluded as invalid", { job: jobKey(job), id: i.id, why: i.reason });
    // Trust leaves out the updates of weight 0; when that is all of them the aggregate is the global
    // model and nobody is left out (the chain needs at least one update to remain).
    const ruleExcluded = rule.kind === "trust" && out.selected.length === 0 ? [] : out.ruleExcluded;
    const excluded = root
      ? []
      : excludedList({
          unusable: [...missing.map((m) => m.id), ...out.invalid.map((i) => i.id)],
          ruleExcluded,
          updaters,
        });
    const put = await this.blobs.put(out.bytes);
    const digest = parseCid(put.cid);
    if ("error" in digest || digest.digestHex !== out.hash)
      throw new Error(`the stored aggregate's CID ${put.cid} does not match its hash ${out.hash}`);
    await this.blobs.pin(put.cid, taskPinHolder(task.id));
    if (this.ctx.latestHeight() + 1n >= job.deadline)
      throw new FlServiceError(FlServiceErrorCode.LATE, `the report deadline ${job.deadline} has passed`);
    const msg = MsgSubmitAggregate.fromPartial({
      validator: this.account!.address,
      taskId: task.id,
      round: job.round,
      subgroup: job.stage,
      attempt: job.attempt,
      cid: put.cid,
      hash: out.hash,
      excluded,
      dispute: job.dispute,
    });
    const key = jobKey(job);
    const res = await this.account!.send(
      [{ typeUrl: MsgSubmitAggregate.typeUrl, value: encode(MsgSubmitAggregate, msg) }],
      {
        extraGas: EXTRA_GAS_PER_MEMBER * BigInt(job.committeeSize),
        minGas: this.gasFloor.get(key) ?? 0n,
      },
    );
    this.watched.set(Buffer.from(res.hash).toString("hex").toUpperCase(), {
      key,
      gasLimit: res.gasLimit,
      height: this.ctx.latestHeight(),
    });
    return { cid: put.cid, excluded, txHash: res.hash };
  }

  /**
   * The trust rule of an evaluated stage: the round's starting model and the chain's medians (the
   * stage's evaluation), the same for every member, so honest aggregates agree.
   */
  private async trustRule(task: Task, stage: Stage | undefined, sizes: number[]): Promise<AggregationRule> {
    const ev = stage?.evaluation;
    if (!ev) throw new FlServiceError(FlServiceErrorCode.MISSING_INPUT, "the stage has no evaluation yet");
    const bytes = await fetchRequired(this.blobs, task.globalModelCid, "the global model", {
      timeoutMs: this.cfg.fetchTimeoutMs,
      signal: this.abort.signal,
    });
    return {
      kind: "trust",
      global: checkedWeights(sizes, bytes),
      weightsPpm: new Map(ev.medians.map((m) => [m.participant, m.trustPpm])),
      normNano: ev.referenceNormNano,
    };
  }

  /** Pins what live tasks need, unpins what ended tasks held (pins change at the pace of rounds). */
  private async reconcilePins(desired: Map<string, Set<string>>): Promise<void> {
    const plan = pinPlan(this.blobs.pins(), desired);
    if (plan.pin.length + plan.unpin.length === 0) return;
    const r = await this.blobs.updatePins(plan.pin, plan.unpin);
    this.ctx.log.debug("fl pins updated", { pinned: r.added, unpinned: r.removed });
  }
}
