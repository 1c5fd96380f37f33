/**
 * The trainer SDK (DESIGN sections 8 and 11): what a participant of a federated-learning task runs
 * on its own machine. Given a signing CiferClient, its address, a node (RPC and blobs) and a local
 * dataset, it joins the task if needed, then each round: waits for the round to collect updates,
 * downloads the global model (checked against its CID), trains it locally with TensorFlow.js with the
 * task's settings, uploads the new weights and sends MsgSubmitUpdate; then follows the round to its
 * end and reports the global model and its reward. Only weights leave the machine, never the data.
 *
 *   const trainer = new FlTrainer({ client, address, nodeUrl, taskId: 1n, data, onProgress: console.log });
 *   const result = await trainer.run();
 *
 * Every wait polls the chain at a bounded interval, with an overall timeout and a stall detector.
 */
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import {
  type Participant,
  Privacy,
  ROOT_STAGE,
  type Round,
  RoundStatus,
  type Stage,
  type Task,
  TaskStatus,
  type Update,
} from "../../modules/fl/proto.ts";
import { trainWithAttack } from "./attacks.ts";

/** A CKKS public key of the fixed parameter set is ~465 KB (zstd); this leaves room and a bound. */
const CKKS_PUBLIC_KEY_MAX_BYTES = 2 * 1024 * 1024;
import type { Tf } from "./backend.ts";
import { cidOf } from "../../chain/blobs/cid.ts";
import { formatUploadAuth, uploadSignDoc } from "../../modules/fl/upload-auth.ts";
import { getBlob, putBlob } from "./blobs.ts";
import { checkDataFits } from "./data-fit.ts";
import { joinBondOf, joinBondShortfall } from "./join-bond.ts";
import { type ModelSpec, ModelError, parseModelSpec, weightsOf } from "./model.ts";
import { msgJoinTask, msgSubmitUpdate } from "./msgs.ts";
import {
  type RoundOutcome,
  type SentUpdate,
  TrainerError,
  type TrainerEvent,
  type TrainerOptions,
  type TrainerResult,
} from "./trainer-types.ts";

export * from "./trainer-types.ts";
export { checkDataFits, inputFeaturesOf } from "./data-fit.ts";

const ENDED = new Set([TaskStatus.Finished, TaskStatus.Failed, TaskStatus.Cancelled]);
const TASK_STATUS_TEXT: Record<number, string> = {
  [TaskStatus.Finished]: "finished",
  [TaskStatus.Failed]: "failed",
  [TaskStatus.Cancelled]: "cancelled",
};
/** Pages of a list query followed at most (participants, updates: up to max_participants each). */
const MAX_PAGES = 100;
const DEFAULT_TIMEOUT_MS = 7 * 24 * 3600_000;
const DEFAULT_STALL_MS = 5 * 60_000;

/**
 * The fl module's refusals that mean "too late for this round" (late submission, wrong round,
 * duplicate submission, wrong task status: their descriptions end the tx log), not a fault of the
 * trainer. A tx result carries no codespace in CosmJS, so the description is what tells them apart.
 */
const MISSED_RE = /late submission|wrong round|duplicate submission|wrong task status/;

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

export class FlTrainer {
  private readonly pollMs: number;
  private tf: Tf | undefined;
  private global: { cid: string; bytes: Uint8Array } | undefined;
  private ownerKey: { cid: string; bytes: Uint8Array } | undefined;
  private chainId: string | undefined;

  constructor(private readonly o: TrainerOptions) {
    this.pollMs = Math.min(60_000, Math.max(100, o.pollIntervalMs ?? 1000));
    this.tf = o.tf;
  }

  private emit(e: TrainerEvent): void {
    this.o.onProgress?.(e);
  }

  private get aborted(): boolean {
    return this.o.signal?.aborted === true;
  }

  private get q() {
    return this.o.client.query.fl;
  }

  /** The task and its model spec, checked against the local data. */
  async prepare(): Promise<{ task: Task; spec: ModelSpec }> {
    const { task, modelSpec } = await this.q.task(this.o.taskId);
    let spec: ModelSpec;
    try {
      spec = parseModelSpec(modelSpec);
    } catch (e) {
      throw new TrainerError(`task ${task.id}: ${(e as Error).message}`);
    }
    checkDataFits(spec, this.o.data);
    return { task, spec };
  }

  private async all<T>(
    page: (key: Uint8Array | undefined) => Promise<{ items: T[]; next: Uint8Array | undefined }>,
  ): Promise<T[]> {
    const out: T[] = [];
    let key: Uint8Array | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const r = await page(key);
      out.push(...r.items);
      if (!r.next || r.next.length === 0) return out;
      key = r.next;
    }
    throw new TrainerError(`more than ${MAX_PAGES} pages of results`);
  }

  /** This trainer's participant record, if it joined the task. */
  async participant(): Promise<Participant | undefined> {
    const all = await this.all(async (key) => {
      const r = await this.q.participants(this.o.taskId, key);
      return { items: r.participants, next: r.pagination?.nextKey };
    });
    return all.find((p) => p.address === this.o.address);
  }

  /** This trainer's update of a round, if it sent one. */
  async updateOf(round: number): Promise<Update | undefined> {
    const all = await this.all(async (key) => {
      const r = await this.q.updates(this.o.taskId, round, key);
      return { items: r.updates, next: r.pagination?.nextKey };
    });
    return all.find((u) => u.participant === this.o.address);
  }

  private async send(messages: EncodeObject[]): Promise<DeliverTxResponse> {
    const fee = typeof this.o.fee === "function" ? await this.o.fee(messages) : (this.o.fee ?? "auto");
    return this.o.client.signAndBroadcast(this.o.address, messages, fee, "");
  }

  /**
   * Joins the task unless this trainer already takes part; returns its participant record. A task
   * with a join bond is joined only when the balance covers it (the chain would refuse the join
   * after charging its fee).
   */
  async ensureJoined(task: Task): Promise<Participant> {
    const existing = await this.participant();
    if (existing) return existing;
    if (task.status !== TaskStatus.Open && task.status !== TaskStatus.Running)
      throw new TrainerError(
        `task ${task.id} has ended (${TASK_STATUS_TEXT[task.status]}): it cannot be joined`,
      );
    if (task.participantCount >= task.maxParticipants)
      throw new TrainerError(`task ${task.id} is full (${task.maxParticipants} participants)`);
    const short = await joinBondShortfall(this.o.client, this.o.address, task);
    if (short) throw new TrainerError(short);
    const res = await this.send([msgJoinTask(this.o.address, task.id)]);
    if (res.code !== 0)
      throw new TrainerError(`joining task ${task.id} failed (code ${res.code}): ${res.rawLog ?? ""}`);
    this.emit({
      phase: "joined",
      taskId: task.id,
      bond: joinBondOf(task),
      txHash: res.transactionHash,
      height: res.height,
    });
    const joined = await this.participant();
    if (!joined)
      throw new TrainerError(`joined task ${task.id}, but the chain does not list ${this.o.address}`);
    return joined;
  }

  private async tensorflow(): Promise<Tf> {
    // Loaded on first use: TensorFlow.js takes a while to start, and an app may pass its own.
    this.tf ??= (await (await import("./backend.ts")).initTf()).tf;
    return this.tf;
  }

  /** The task's current global model (the genesis weights before round 1 is paid), verified. */
  private async globalModel(task: Task, spec: ModelSpec): Promise<Uint8Array> {
    if (this.global?.cid !== task.globalModelCid) {
      const bytes = await getBlob(this.o.nodeUrl, task.globalModelCid, {
        maxBytes: Number(task.paramCount * 4n),
        ...(this.o.signal ? { signal: this.o.signal } : {}),
      });
      try {
        weightsOf(spec, bytes);
      } catch (e) {
        throw new TrainerError(`the global model ${task.globalModelCid}: ${(e as Error).message}`);
      }
      this.global = { cid: task.globalModelCid, bytes };
    }
    return this.global.bytes;
  }

  /**
   * One round: train the global model on the local data, upload the weights, send MsgSubmitUpdate.
   * Returns what was sent, or why the round was missed (the chain closed it meanwhile), or
   * undefined when the signal aborted before anything was sent.
   */
  async trainRound(
    task: Task,
    spec: ModelSpec,
    round: number,
  ): Promise<{ sent: SentUpdate } | { missed: string } | undefined> {
    const tf = await this.tensorflow();
    const global = await this.globalModel(task, spec);
    const epochs = this.o.epochs ?? spec.userDefinedMetadata.cifer.epochs;
    let loss: number | undefined;
    this.emit({ phase: "training", round, epoch: 0, epochs, loss });
    const weights = await trainWithAttack(
      tf,
      spec,
      global,
      this.o.data,
      this.o.attack,
      (this.o.seed ?? 1) * 1000 + round,
      {
        epochs,
        ...(this.o.batchSize !== undefined ? { batchSize: this.o.batchSize } : {}),
        ...(this.o.learningRate !== undefined ? { learningRate: this.o.learningRate } : {}),
        onEpoch: (epoch, l) => {
          loss = l;
          this.emit({ phase: "training", round, epoch, epochs, loss });
        },
      },
    );
    try {
      // Never upload what the committee would throw away: wrong size or non-finite weights.
      weightsOf(spec, weights);
    } catch (e) {
      if (e instanceof ModelError)
        throw new TrainerError(`round ${round}: local training produced unusable weights: ${e.message}`);
      throw e;
    }
    if (BigInt(weights.length) !== task.paramCount * 4n)
      throw new TrainerError(
        `round ${round}: ${weights.length} bytes of weights, the model has ${task.paramCount} float32`,
      );
    const samples = this.o.data.count;
    // A CKKS task gets the weights encrypted under its owner's key (times the samples, so that the
    // committee's sum over the owner's division is FedAvg): nobody else can read them.
    const upload = task.privacy === Privacy.Ckks ? await this.encrypted(task, weights, samples) : weights;
    if (BigInt(upload.length) !== task.updateBytes)
      throw new TrainerError(
        `round ${round}: an update of ${upload.length} bytes, the task takes ${task.updateBytes}`,
      );
    if (this.aborted) return undefined;
    this.emit({ phase: "uploading", round, bytes: upload.length });
    const claim = { taskId: task.id, round, cid: cidOf(upload) };
    this.chainId ??= await this.o.client.getChainId();
    const { pubkey, signature } = await this.o.client.signDirectDoc(
      this.o.address,
      uploadSignDoc(this.chainId, claim),
    );
    const cid = await putBlob(this.o.nodeUrl, upload, {
      update: { taskId: task.id, round, auth: formatUploadAuth(pubkey, signature) },
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    const msg = msgSubmitUpdate({
      participant: this.o.address,
      taskId: task.id,
      round,
      cid,
      sizeBytes: BigInt(upload.length),
      samples: BigInt(samples),
    });
    let res: DeliverTxResponse;
    try {
      res = await this.send([msg]);
    } catch (e) {
      // "auto" fees simulate the message first: a round closed meanwhile shows up here.
      if (MISSED_RE.test((e as Error).message)) return { missed: (e as Error).message };
      throw e;
    }
    if (res.code !== 0) {
      const log = res.rawLog ?? "";
      if (MISSED_RE.test(log)) return { missed: log };
      throw new TrainerError(`round ${round}: MsgSubmitUpdate failed (code ${res.code}): ${log}`);
    }
    const sent = { cid, samples, loss };
    this.emit({ phase: "submitted", round, update: sent, txHash: res.transactionHash, height: res.height });
    return { sent };
  }

  /** The weights encrypted for a CKKS task's owner (its public key fetched once, by CID). */
  private async encrypted(task: Task, weights: Uint8Array, samples: number): Promise<Uint8Array> {
    if (this.ownerKey?.cid !== task.ckksPublicKeyCid) {
      const bytes = await getBlob(this.o.nodeUrl, task.ckksPublicKeyCid, {
        maxBytes: CKKS_PUBLIC_KEY_MAX_BYTES,
        ...(this.o.signal ? { signal: this.o.signal } : {}),
      });
      this.ownerKey = { cid: task.ckksPublicKeyCid, bytes };
    }
    const { encryptUpdate } = await import("../../modules/fl/ckks/ops.ts");
    const values = new Float32Array(weights.buffer, weights.byteOffset, weights.byteLength / 4);
    return encryptUpdate(values, samples, this.ownerKey.bytes);
  }

  /** The end of a submitted round, or undefined while it is still under way. */
  private async outcomeOf(
    round: Round,
    stages: Stage[],
    update: SentUpdate,
    earnedBefore: bigint,
  ): Promise<RoundOutcome | undefined> {
    const status =
      round.status === RoundStatus.Paid
        ? "paid"
        : round.status === RoundStatus.Failed
          ? "failed"
          : round.status === RoundStatus.Cancelled
            ? "cancelled"
            : undefined;
    if (status === undefined) return undefined;
    const excluded = stages
      .filter((s) => s.index !== ROOT_STAGE)
      .some((s) => s.excluded.includes(this.o.address));
    let reward = 0n;
    if (status === "paid") reward = BigInt((await this.participant())?.earned ?? "0") - earnedBefore;
    return {
      round: round.round,
      status,
      update,
      globalCid: round.aggregateCid || undefined,
      excluded,
      reward,
    };
  }

  /** What the trainer is waiting for, in words. */
  private describe(task: Task, round: Round | undefined, height: number, mine: boolean): string {
    if (task.status === TaskStatus.Open)
      return `task ${task.id} open: ${task.participantCount}/${task.minParticipants} participants have joined`;
    if (!round) return `task ${task.id}: waiting for round ${task.currentRound}`;
    const n = round.round;
    switch (round.status) {
      case RoundStatus.Collecting:
        if (mine) return `round ${n}: update submitted; collecting until height ${round.deadline}`;
        if (BigInt(height) + 1n >= round.deadline) return `round ${n}: collection closing`;
        return `round ${n}: collecting until height ${round.deadline}`;
      case RoundStatus.Aggregating:
        return `round ${n}: committee aggregating ${round.updateCount} update${round.updateCount === 1 ? "" : "s"}`;
      case RoundStatus.Final:
        return `round ${n}: global model ${round.aggregateCid}; dispute window until height ${round.disputeEnd}`;
      default:
        return `round ${n}: ${RoundStatus[round.status]?.toLowerCase() ?? round.status}`;
    }
  }

  /**
   * Takes part in the task until it ends, `rounds` rounds were submitted (and followed), or the
   * signal aborts. Throws TrainerError (or the client's error) on what it cannot get past; a request
   * cut short by the signal is a clean stop, not an error.
   */
  async run(): Promise<TrainerResult> {
    const { task, spec } = await this.prepare();
    if (ENDED.has(task.status))
      throw new TrainerError(`task ${task.id} has ended (${TASK_STATUS_TEXT[task.status]})`);
    const joined = await this.ensureJoined(task);
    const state: TrainerResult = { stop: "aborted", task, outcomes: [], submitted: 0 };
    try {
      return await this.loop(state, spec, BigInt(joined.earned));
    } catch (e) {
      if (this.aborted) return { ...state, stop: "aborted" };
      throw e;
    }
  }

  /** The rounds, polling the chain; `s` holds what is known so far (returned when aborted). */
  private async loop(s: TrainerResult, spec: ModelSpec, earnedAtStart: bigint): Promise<TrainerResult> {
    let earned = earnedAtStart;
    const started = Date.now();
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const stallMs = this.o.stallTimeoutMs ?? DEFAULT_STALL_MS;
    const follow = this.o.follow ?? true;
    /** Rounds submitted to whose end is not seen yet. */
    const pending = new Map<number, SentUpdate>();
    /** Rounds already tried (submitted or missed): each is tried once. */
    const tried = new Set<number>();
    let lastHeight = -1;
    let movedAt = Date.now();
    // Bounded by the timeout (each pass sleeps, or tries a round it never tried before).
    for (;;) {
      if (this.aborted) return { ...s, stop: "aborted" };
      if (Date.now() - started > timeoutMs)
        throw new TrainerError(
          `task ${s.task.id}: still running after ${Math.round(timeoutMs / 1000)} s; stopped`,
        );
      const height = await this.o.client.getHeight();
      if (height !== lastHeight) {
        lastHeight = height;
        movedAt = Date.now();
      } else if (Date.now() - movedAt > stallMs)
        throw new TrainerError(
          `the node at ${this.o.nodeUrl} has made no block for ${Math.round(stallMs / 1000)} s (height ${height})`,
        );
      const task = (await this.q.task(s.task.id)).task;
      s.task = task;

      for (const [n, update] of pending) {
        const { round, stages } = await this.q.round(task.id, n);
        const outcome = await this.outcomeOf(round, stages, update, earned);
        if (!outcome) continue;
        earned += outcome.reward;
        pending.delete(n);
        s.outcomes.push(outcome);
        this.emit({ phase: "final", outcome });
      }
      if (ENDED.has(task.status)) {
        const reason = `task ${task.id} ${TASK_STATUS_TEXT[task.status]}`;
        this.emit({ phase: "ended", status: task.status, reason });
        return { ...s, stop: "task-ended" };
      }
      const limitReached = this.o.rounds !== undefined && s.submitted >= this.o.rounds;
      if (limitReached && (pending.size === 0 || !follow)) return { ...s, stop: "rounds-done" };

      let current: Round | undefined;
      if (task.status === TaskStatus.Running)
        current = (await this.q.round(task.id, task.currentRound)).round;
      const n = task.currentRound;
      if (
        current &&
        !limitReached &&
        !tried.has(n) &&
        current.status === RoundStatus.Collecting &&
        BigInt(height) + 1n < current.deadline
      ) {
        tried.add(n);
        const already = await this.updateOf(n);
        if (already) {
          // Sent by an earlier run of this trainer: follow it instead of sending another.
          const sent = { cid: already.cid, samples: Number(already.samples), loss: undefined };
          pending.set(n, sent);
          s.submitted++;
          this.emit({ phase: "submitted", round: n, update: sent, txHash: undefined, height: undefined });
          continue;
        }
        const r = await this.trainRound(task, spec, n);
        if (r === undefined) continue; // aborted: the loop returns
        if ("missed" in r) this.emit({ phase: "missed", round: n, reason: r.missed });
        else {
          pending.set(n, r.sent);
          s.submitted++;
        }
        continue;
      }
      this.emit({
        phase: "waiting",
        round: n,
        height,
        detail: this.describe(task, current, height, pending.has(n)),
      });
      await sleep(this.pollMs, this.o.signal);
    }
  }
}
