import { randomBytes } from "node:crypto";
import type { KeyAgreement } from "../../../chain/crypto/x25519.ts";
import type { Logger } from "../../../chain/node/logger.ts";
import type { ServiceAccount } from "../../../chain/node/service-account.ts";
import type { ServiceBlobs } from "../../../chain/node/services.ts";
import { evalSplit } from "../evalset/split.ts";
import { parseModelSpec } from "../model-spec.ts";
import {
  encode,
  MsgCommitScores,
  MsgRevealScores,
  type Round,
  type ScoreSheet,
  type Stage,
  type Task,
  type Update,
} from "../proto.ts";
import { scoreCommitment } from "../score-commit.ts";
import { layerSizes } from "../weights.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";
import type { Evaluator } from "./evaluator.ts";
import { fetchBlobs } from "./fetch.ts";
import { OpenEvalSetError, openEvalSet } from "./open-eval-set.ts";
import type { ScoreJob } from "./jobs.ts";
import type { FlQueries } from "./queries.ts";
import { SheetStore } from "./sheets.ts";

const FETCH_CONCURRENCY = 2;
/** Gas beyond the simulation: the reveal that settles the stage also writes every update and observes every member. */
const EXTRA_GAS_PER_MEMBER = 60_000n;
const EXTRA_GAS_PER_UPDATE = 40_000n;
/** Decrypted eval sets kept in memory (one per task with a job here); more are read again. */
const EVAL_SET_CACHE = 8;

export interface ScoreWorkOptions {
  chainId: string;
  /** This validator's operator address (cifvaloper...) and account (cif...). */
  validator: string;
  operator: string;
  me: KeyAgreement;
  blobs: ServiceBlobs;
  fl: FlQueries;
  account: ServiceAccount;
  evaluator: Evaluator;
  sheetsDir: string;
  fetchTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  latestHeight: () => bigint;
}

/**
 * A committee member's part in an evaluated stage (issue #6, modules/fl/evaluation.ts): to commit,
 * it opens the task's eval set with its consensus key, takes the round's split, scores the stage's
 * updates in the evaluation worker, keeps the sheet and a fresh salt on disk and sends the
 * commitment; to reveal, it sends the kept sheet and salt.
 */
export class ScoreWork {
  private readonly sheets: SheetStore;
  private readonly evalSets = new Map<bigint, { cid: string; csv: string }>();

  constructor(private readonly o: ScoreWorkOptions) {
    this.sheets = new SheetStore(o.sheetsDir);
  }

  /** Sends the commitment or the reveal the job owes; returns the tx hash. */
  async run(
    job: ScoreJob,
    snap: { task: Task; round: Round; stages: Stage[]; updates: Update[] },
  ): Promise<Uint8Array> {
    const key = `${job.taskId}/${job.round}/${job.stage}/${job.attempt}`;
    const stage = snap.stages.find((s) => s.index === job.stage);
    if (!stage) throw new FlServiceError(FlServiceErrorCode.MISSING_INPUT, `no stage ${job.stage}`);
    const updaters = snap.updates.filter((u) => u.subgroup === job.stage);
    const ref = { taskId: job.taskId, round: job.round, subgroup: job.stage, attempt: job.attempt };
    const extraGas =
      EXTRA_GAS_PER_MEMBER * BigInt(stage.committee.length) + EXTRA_GAS_PER_UPDATE * BigInt(updaters.length);
    if (job.phase === "reveal") {
      const kept = this.sheets.load(key);
      if (!kept)
        throw new FlServiceError(
          FlServiceErrorCode.NO_SHEET,
          `no kept score sheet for ${key} (was the data directory lost?)`,
        );
      const msg = MsgRevealScores.fromPartial({
        validator: this.o.operator,
        ...ref,
        sheet: kept.sheet,
        salt: kept.salt,
      });
      return this.send(MsgRevealScores.typeUrl, encode(MsgRevealScores, msg), job, extraGas);
    }
    // A sheet kept from before a restart is committed again as it is: a new one would differ.
    let kept = this.sheets.load(key);
    if (!kept) {
      const sheet = await this.score(snap.task, snap.round, updaters);
      kept = { sheet, salt: new Uint8Array(randomBytes(32)) };
      this.sheets.save(key, kept.sheet, kept.salt);
    }
    const commitment = scoreCommitment({
      ...ref,
      validator: this.o.validator,
      sheet: kept.sheet,
      salt: kept.salt,
    });
    const msg = MsgCommitScores.fromPartial({ validator: this.o.operator, ...ref, commitment });
    return this.send(MsgCommitScores.typeUrl, encode(MsgCommitScores, msg), job, extraGas);
  }

  private async send(
    typeUrl: string,
    value: Uint8Array,
    job: ScoreJob,
    extraGas: bigint,
  ): Promise<Uint8Array> {
    if (this.o.signal.aborted) throw new FlServiceError(FlServiceErrorCode.STOPPED, "stopping");
    // The service's view is one block old: a deadline at the next height is already too late.
    if (this.o.latestHeight() + 1n >= job.deadline)
      throw new FlServiceError(
        FlServiceErrorCode.LATE,
        `the ${job.phase} deadline ${job.deadline} has passed`,
      );
    const res = await this.o.account.send([{ typeUrl, value }], { extraGas });
    return res.hash;
  }

  /** This member's sheet of the stage: every updater in the chain's order; unusable ones score 0. */
  private async score(task: Task, round: Round, updaters: readonly Update[]): Promise<ScoreSheet> {
    const evalSet = task.evalSet;
    if (!evalSet) throw new FlServiceError(FlServiceErrorCode.EVAL_SET, `task ${task.id} has no eval set`);
    const csv = await this.evalCsv(task);
    const split = evalSplit(evalSet.records, round.round, task.rounds, round.evalSeed);
    const found = await this.o.fl.task(task.id);
    if (!found) throw new FlServiceError(FlServiceErrorCode.MISSING_INPUT, `task ${task.id} not found`);
    const sizes = layerSizes(parseModelSpec(found.modelSpec, task.paramCount).weightSpecs);
    const fetched = await fetchBlobs(this.o.blobs, [task.globalModelCid, ...updaters.map((u) => u.cid)], {
      concurrency: FETCH_CONCURRENCY,
      timeoutMs: this.o.fetchTimeoutMs,
      signal: this.o.signal,
    });
    const global = fetched.bytes.get(task.globalModelCid);
    if (!global)
      throw new FlServiceError(
        FlServiceErrorCode.MISSING_INPUT,
        `the global model ${task.globalModelCid} is not available`,
      );
    const present = updaters.filter((u) => fetched.bytes.has(u.cid));
    const out = await this.o.evaluator.run({
      modelSpec: found.modelSpec,
      sizes,
      global,
      updates: present.map((u) => ({ id: u.participant, bytes: fetched.bytes.get(u.cid)! })),
      evalCsv: csv,
      validation: split.validation,
      test: split.test,
    });
    const byId = new Map(out.scores.map((s) => [s.id, s]));
    for (const s of out.scores)
      if (s.invalid)
        this.o.log.info("fl update scored 0 as invalid", {
          task: task.id.toString(),
          id: s.id,
          why: s.invalid,
        });
    this.o.log.info("fl stage evaluated", {
      task: task.id.toString(),
      round: round.round,
      backend: out.backend,
      global_accuracy_ppm: out.globalAccuracyPpm,
      missing: updaters.length - present.length,
    });
    return {
      scores: updaters.map((u) => ({
        participant: u.participant,
        trustPpm: byId.get(u.participant)?.trustPpm ?? 0,
        accuracyPpm: byId.get(u.participant)?.accuracyPpm ?? 0,
      })),
      referenceNormNano: out.referenceNormNano,
      globalAccuracyPpm: out.globalAccuracyPpm,
    };
  }

  /** The task's eval set, opened with this validator's key wrap (cached per task). */
  private async evalCsv(task: Task): Promise<string> {
    const e = task.evalSet!;
    const cached = this.evalSets.get(task.id);
    if (cached?.cid === e.cid) return cached.csv;
    let csv: string;
    try {
      csv = await openEvalSet(this.o, e, task.owner);
    } catch (err) {
      if (err instanceof OpenEvalSetError)
        throw new FlServiceError(
          FlServiceErrorCode.EVAL_SET,
          `task ${task.id}'s eval set: ${err.message} (it cannot be split as the others split it)`,
        );
      throw err;
    }
    if (this.evalSets.size >= EVAL_SET_CACHE) this.evalSets.delete(this.evalSets.keys().next().value!);
    this.evalSets.set(task.id, { cid: e.cid, csv });
    return csv;
  }

  /** Forgets what belongs to tasks that stopped running. */
  forget(live: ReadonlySet<bigint>): void {
    for (const id of this.evalSets.keys()) if (!live.has(id)) this.evalSets.delete(id);
    this.sheets.prune(live);
  }

  close(): Promise<void> {
    return this.o.evaluator.close();
  }
}
