import { existsSync } from "node:fs";
import { SDK_CODESPACE, SdkCode } from "../app/errors.ts";
import { formatGasPrice } from "../types/gas-price.ts";
import type { CommitteeConfigContext, CommitteeServiceConfig } from "./committee-config.ts";
import {
  afterFailure,
  afterSend,
  commitWantsScan,
  type Failed,
  mayStart,
  nothingOwed,
  outOfGasResend,
  type Sent,
  watchExpired,
  willRetry,
} from "./committee-policy.ts";
import { loadOperatorKeyFile, type OperatorKey } from "./operator-key.ts";
import { ServiceAccount, ServiceTxError } from "./service-account.ts";
import type { CommitNotice, NodeServiceContext, ServiceBlobs, ServiceQuery } from "./services.ts";

/**
 * Which validator an operator account runs, and whether it is this node's; the staking module
 * answers (chain/ names no module: the module's service hands its answer in).
 */
export interface OperatorValidators {
  /** The validator's address (cifvaloper...) of an operator account (cif1...). */
  validatorOf(operator: string): string;
  /** Why `validator` cannot be this node's (wrongKey: another node's), undefined when it is. */
  mismatch(
    query: ServiceQuery,
    validator: string,
    consensusPubKey: Uint8Array,
  ): Promise<{ why: string; wrongKey: boolean } | undefined>;
}

/** What a started runner hands its module: the node, the section's config and the operator. */
export interface CommitteeStart {
  ctx: NodeServiceContext;
  cfg: CommitteeServiceConfig;
  blobs: ServiceBlobs;
  key: OperatorKey;
  /** The operator's account, signing the module's txs. */
  account: ServiceAccount;
  /** The operator's validator (cifvaloper...). */
  validator: string;
  /** Aborted on stop. */
  signal: AbortSignal;
}

/** A tx a job sent. */
export interface JobTx {
  hash: Uint8Array;
  /** Its gas limit: given, the tx is watched and sent again with more gas if it runs out in its block. */
  gasLimit?: bigint;
  /** The log line of the success ("fl aggregate reported") and its fields. */
  done: string;
  fields?: Record<string, string | number>;
}

/**
 * A piece of committee work that ends in one tx. The key names it across scans; it must start with
 * the id of what owns the job and a slash ("7/1/2/1": task 7; "4/commit": escrow 4), so the runner
 * can forget the bookkeeping of owners that are done (forgetAllBut).
 */
export interface CommitteeJob {
  key: string;
  /** The log line of a failure ("fl aggregation job failed"). */
  failedLine: string;
  /** Does the work and sends its tx, with at least `minGas` (after out of gas in a block). */
  run(minGas: bigint): Promise<JobTx>;
}

/** What a module supplies: its names, its answers about failures, and its work. */
export interface CommitteeModule {
  /** The config.json section, also the prefix of the scan failure's log line ("fl scan failed"). */
  section: string;
  /** The service in log lines ("fl aggregator"). */
  label: string;
  /** Its txs in log lines ("fl report"). */
  txLabel: string;
  /** The module's event types start with this ("fl_"): a block with one asks for a scan. */
  eventPrefix: string;
  parseConfig(raw: unknown, o: CommitteeConfigContext): CommitteeServiceConfig;
  operators: OperatorValidators;
  /** Codes (a thrown error's string `code`) of failures no later try can change. */
  finalFailures: ReadonlySet<string>;
  /** What a chain's refusal of a job's tx before a block means (undefined: a later try may do). */
  refusal?(codespace: string, code: number): "final" | "nothing-owed" | undefined;
  /** A tx refused in its block because the committee was done before it: the info line to log. */
  lateInBlock?(codespace: string, code: number): string | undefined;
  /** Builds the module's workers once the runner has an operator account. */
  setUp(s: CommitteeStart): void;
  /**
   * Reads what the committees owe at `height` and offers each job (CommitteeJobRunner.offer);
   * returns why the service is idle, if it is.
   */
  scan(height: bigint): Promise<string | undefined>;
  /** Releases the module's workers on stop. */
  close?(): Promise<void>;
}

/**
 * The common part of a validator's committee services (fl's aggregator, market's escrow evaluator):
 * start-up (config, operator key, account, the check that the key is this node's validator's
 * operator), a scan on each commit with the module's events and every RESCAN_EVERY_BLOCKS, one scan
 * at a time, and the jobs the module finds: at most once at a time and within max_concurrent_jobs
 * (at capacity, the scan that follows a running job's end picks it up), sent again if dropped from
 * the mempool, retried after a failure unless final, and sent again with twice the gas when their
 * tx ran out of it in its block (committee-policy.ts has the numbers).
 *
 * Idle on nodes that do not validate, that have no blob store or no operator key file.
 */
export class CommitteeJobRunner {
  private ctx!: NodeServiceContext;
  private cfg!: CommitteeServiceConfig;
  private validator = "";
  private unsubscribe: (() => void) | null = null;
  private readonly abort = new AbortController();
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private readonly running = new Map<string, Promise<void>>();
  private readonly sent = new Map<string, Sent>();
  private readonly failed = new Map<string, Failed>();
  /** Txs sent and not yet seen in a block: tx hash (hex) -> job and gas limit. */
  private readonly watched = new Map<string, { key: string; gasLimit: bigint; height: bigint }>();
  /** Gas floors of jobs whose tx ran out of gas in its block. */
  private readonly gasFloor = new Map<string, bigint>();
  private idle: string | null = null;
  /** Set once the operator key is known to be this node's validator's operator. */
  private operatorChecked = false;

  constructor(private readonly m: CommitteeModule) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  async start(ctx: NodeServiceContext): Promise<void> {
    const { label, section } = this.m;
    this.ctx = ctx;
    this.cfg = this.m.parseConfig(ctx.config, {
      home: ctx.paths.root,
      minimumGasPrices: ctx.minimumGasPrices,
    });
    if (!this.cfg.enabled) {
      ctx.log.info(`${label} disabled (${section}.enabled = false)`);
      return;
    }
    if (!ctx.blobs) {
      ctx.log.warn(`${label} idle: this node has no blob store (blobs.enabled = false)`);
      return;
    }
    if (!existsSync(this.cfg.operatorKeyFile)) {
      ctx.log.warn(`${label} idle: no operator key file`, { file: this.cfg.operatorKeyFile });
      return;
    }
    // A key file others can read stops the node: an operator must fix it, not miss it in a log.
    const key = loadOperatorKeyFile(this.cfg.operatorKeyFile);
    // An account object per service on the same key: their sequences meet in the mempool, where a
    // mismatch re-reads the sequence and retries (service-account.ts).
    const account = new ServiceAccount({
      chainId: ctx.chainId,
      key,
      query: ctx.query,
      broadcastTx: ctx.broadcastTx,
      gasPrice: this.cfg.gasPrice,
    });
    this.validator = this.m.operators.validatorOf(key.address);
    this.m.setUp({
      ctx,
      cfg: this.cfg,
      blobs: ctx.blobs,
      key,
      account,
      validator: this.validator,
      signal: this.abort.signal,
    });
    this.unsubscribe = ctx.onCommit((c) => this.onCommit(c));
    ctx.log.info(`${label} started`, {
      operator: key.address,
      validator: this.validator,
      gas_price: formatGasPrice(this.cfg.gasPrice),
      max_concurrent_jobs: this.cfg.maxConcurrentJobs,
    });
    this.requestScan();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort.abort();
    await this.m.close?.();
    await Promise.allSettled([this.scanning, ...this.running.values()]);
  }

  /**
   * Runs a job owed at `height` unless it is running, the runner is at max_concurrent_jobs, its tx
   * may still land or was sent MAX_SENDS times, or it failed and may not be tried yet (or again).
   */
  offer(job: CommitteeJob, height: bigint): void {
    const { key } = job;
    if (this.running.has(key) || this.running.size >= this.cfg.maxConcurrentJobs) return;
    const sent = this.sent.get(key);
    const failed = this.failed.get(key);
    if (!mayStart(sent, failed, height)) return;
    const started = performance.now();
    const p = job
      .run(this.gasFloor.get(key) ?? 0n)
      .then(
        (tx) => {
          const hex = Buffer.from(tx.hash).toString("hex").toUpperCase();
          const now = this.ctx.latestHeight();
          this.failed.delete(key);
          this.sent.set(key, afterSend(sent, now));
          if (tx.gasLimit !== undefined) this.watched.set(hex, { key, gasLimit: tx.gasLimit, height: now });
          this.ctx.log.info(tx.done, {
            job: key,
            ...tx.fields,
            txhash: hex,
            ms: Math.round(performance.now() - started),
          });
        },
        (e: Error) => {
          if (this.stopped) return;
          const code = (e as { code?: unknown }).code;
          const refusal = e instanceof ServiceTxError ? this.m.refusal?.(e.codespace, e.code) : undefined;
          if (refusal === "nothing-owed") {
            this.sent.set(key, nothingOwed(height));
            return;
          }
          const final = refusal === "final" || (typeof code === "string" && this.m.finalFailures.has(code));
          const f = afterFailure(failed, final, this.ctx.latestHeight());
          this.failed.set(key, f);
          this.ctx.log.warn(job.failedLine, {
            job: key,
            err: e.message,
            ...(typeof code === "string" ? { code } : {}),
            retry: willRetry(f),
          });
        },
      )
      .finally(() => {
        this.running.delete(key);
        this.requestScan();
      });
    this.running.set(key, p);
  }

  /** Forgets the bookkeeping of jobs whose owner (the key's id before "/") is not in `live`. */
  forgetAllBut(live: ReadonlySet<bigint>): void {
    const ownerOf = (key: string) => BigInt(key.slice(0, key.indexOf("/")));
    for (const m of [this.sent, this.failed, this.gasFloor])
      for (const k of m.keys()) if (!live.has(ownerOf(k))) m.delete(k);
  }

  private onCommit(c: CommitNotice): void {
    if (this.watched.size > 0) this.checkTxs(c);
    if (commitWantsScan(c, this.m.eventPrefix)) this.requestScan();
  }

  /** How this node's txs fared in their block: out of gas is sent again at once with more gas. */
  private checkTxs(c: CommitNotice): void {
    const { txLabel } = this.m;
    for (const tx of c.txs) {
      const hex = Buffer.from(tx.hash).toString("hex").toUpperCase();
      const w = this.watched.get(hex);
      if (!w) continue;
      this.watched.delete(hex);
      if (tx.code === 0) {
        this.ctx.log.debug(`${txLabel} included`, { job: w.key, height: c.height, txhash: hex });
        continue;
      }
      const late = this.m.lateInBlock?.(tx.codespace, tx.code);
      if (late) {
        this.ctx.log.info(late, { job: w.key, height: c.height });
        continue;
      }
      const resendGas =
        tx.codespace === SDK_CODESPACE && tx.code === SdkCode.OutOfGas
          ? outOfGasResend(w.gasLimit)
          : undefined;
      this.ctx.log.warn(`${txLabel} failed in its block`, {
        job: w.key,
        height: c.height,
        code: tx.code,
        log: tx.log,
        ...(resendGas !== undefined ? { retry_gas: resendGas.toString() } : {}),
      });
      if (resendGas !== undefined) {
        this.gasFloor.set(w.key, resendGas);
        this.sent.delete(w.key);
        this.requestScan();
      }
    }
    for (const [hex, w] of this.watched) if (watchExpired(w.height, c.height)) this.watched.delete(hex);
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
        if (!this.stopped) this.ctx.log.warn(`${this.m.section} scan failed`, { err: e.message });
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
    if (why !== this.idle && why) this.ctx.log.info(`${this.m.label} idle: ${why}`);
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
    this.setIdle((await this.m.scan(height)) ?? null);
  }

  /**
   * Why the operator key cannot speak for this node (undefined when it can): its validator must
   * exist and have this node's consensus key, or two nodes could work as one validator.
   */
  private async operatorMismatch(): Promise<string | undefined> {
    if (this.operatorChecked) return undefined;
    const m = await this.m.operators.mismatch(this.ctx.query, this.validator, this.ctx.consensusPubKey);
    if (m)
      return `the operator key's ${m.why}${m.wrongKey ? `: fix ${this.m.section}.operator_key_file` : ""}`;
    this.operatorChecked = true;
    return undefined;
  }
}
