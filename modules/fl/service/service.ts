import { join } from "node:path";
import { type CommitteeStart, CommitteeJobRunner } from "../../../chain/node/committee-runner.ts";
import type { ServiceAccount } from "../../../chain/node/service-account.ts";
import type { NodeService, NodeServiceContext, ServiceBlobs } from "../../../chain/node/services.ts";
import { stakingOperators } from "../../staking/operator-check.ts";
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

/** Blob fetches of one job at once (the reactor's own bound, blobs.max_concurrent_fetches, is 4). */
const FETCH_CONCURRENCY = 2;
/**
 * Gas a report may need beyond its simulation, per committee member: the report that completes the
 * agreement also finalizes the stage (a reputation observation per member, possibly the next
 * stage's committee draw), which the simulation, run before the others' reports land, cannot see.
 * A report that still runs out of gas is sent again at once with twice the gas (the runner's).
 */
const EXTRA_GAS_PER_MEMBER = 60_000n;

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
 * Start-up, scans, concurrency, retries, resends and gas are the committee runner's
 * (chain/node/committee-runner.ts). Switched by config.json's `fl` section (config.ts); idle on
 * nodes that do not validate, that have no blob store, or that have no operator key file.
 */
export class FlAggregatorService implements NodeService {
  readonly name = "fl";
  private readonly runner = new CommitteeJobRunner({
    section: "fl",
    label: "fl aggregator",
    txLabel: "fl report",
    eventPrefix: "fl_",
    parseConfig: parseFlServiceConfig,
    operators: stakingOperators,
    finalFailures: FINAL_FAILURES,
    // Sent already (before a restart): nothing is owed.
    refusal: (codespace, code) =>
      codespace === FL_CODESPACE && code === FlCode.DuplicateSubmission ? "nothing-owed" : undefined,
    // The committee agreed in an earlier tx of the block: late confirmations are not accepted.
    lateInBlock: (codespace, code) =>
      codespace === FL_CODESPACE && code === FlCode.NotAggregating
        ? "fl report too late: the stage was final before it"
        : undefined,
    setUp: (s) => this.setUp(s),
    scan: (height) => this.scan(height),
    close: () => this.close(),
  });
  private ctx!: NodeServiceContext;
  private cfg!: FlServiceConfig;
  private fl!: FlQueries;
  private blobs!: ServiceBlobs;
  private account: ServiceAccount | null = null;
  private aggregator: Aggregator | null = null;
  private scoring: ScoreWork | null = null;
  private valoper = "";
  private readonly models = new Map<bigint, number[]>();

  constructor(private readonly o: { inlineAggregation?: boolean } = {}) {}

  start(ctx: NodeServiceContext): Promise<void> {
    return this.runner.start(ctx);
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  private get stopped(): boolean {
    return this.runner.stopped;
  }

  private setUp(s: CommitteeStart): void {
    const { ctx } = s;
    this.ctx = ctx;
    this.cfg = s.cfg;
    this.blobs = s.blobs;
    this.fl = new FlQueries(ctx.query);
    this.account = s.account;
    this.valoper = s.validator;
    this.aggregator = new Aggregator({ inline: this.o.inlineAggregation ?? false });
    this.scoring = new ScoreWork({
      chainId: ctx.chainId,
      validator: this.valoper,
      operator: s.key.address,
      me: ctx.consensusKeyAgreement,
      blobs: s.blobs,
      fl: this.fl,
      account: s.account,
      evaluator: new Evaluator({ inline: this.o.inlineAggregation ?? false }),
      sheetsDir: join(ctx.paths.dataDir, "fl-scores"),
      fetchTimeoutMs: this.cfg.fetchTimeoutMs,
      signal: s.signal,
      log: ctx.log,
      latestHeight: () => ctx.latestHeight(),
    });
  }

  private async close(): Promise<void> {
    await this.aggregator?.close();
    await this.scoring?.close();
  }

  private async scan(height: bigint): Promise<undefined> {
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
    this.runner.forgetAllBut(live);
    for (const id of this.models.keys()) if (!live.has(id)) this.models.delete(id);
    this.scoring?.forget(live);
  }

  private consider(job: StageJob, snap: Snapshot, height: bigint): void {
    this.runner.offer(
      {
        key: jobKey(job),
        failedLine: "fl aggregation job failed",
        run: async (minGas) => {
          const r = await this.runJob(job, snap, minGas);
          return {
            hash: r.hash,
            gasLimit: r.gasLimit,
            done: "fl aggregate reported",
            fields: { cid: r.cid, excluded: r.excluded.length },
          };
        },
      },
      height,
    );
  }

  /** A score commitment or reveal this validator owes (evaluated tasks). */
  private considerScores(job: ScoreJob, snap: ScoreSnapshot, height: bigint): void {
    this.runner.offer(
      {
        key: scoreJobKey(job),
        failedLine: "fl scoring job failed",
        // No gas limit given: ScoreWork sends without a gas floor, so its txs are not watched in blocks.
        run: async () => ({
          hash: await this.scoring!.run(job, snap),
          done: job.phase === "commit" ? "fl scores committed" : "fl scores revealed",
        }),
      },
      height,
    );
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
    minGas: bigint,
  ): Promise<{ cid: string; excluded: string[]; hash: Uint8Array; gasLimit: bigint }> {
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
      { concurrency: FETCH_CONCURRENCY, timeoutMs: this.cfg.fetchTimeoutMs, signal: this.runner.signal },
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
    const res = await this.account!.send(
      [{ typeUrl: MsgSubmitAggregate.typeUrl, value: encode(MsgSubmitAggregate, msg) }],
      { extraGas: EXTRA_GAS_PER_MEMBER * BigInt(job.committeeSize), minGas },
    );
    return { cid: put.cid, excluded, hash: res.hash, gasLimit: res.gasLimit };
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
      signal: this.runner.signal,
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
