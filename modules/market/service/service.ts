import { existsSync } from "node:fs";
import { join } from "node:path";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { SDK_CODESPACE, SdkCode } from "../../../chain/app/errors.ts";
import { parseAddress, toAddress } from "../../../chain/crypto/address.ts";
import { bytesEqual } from "../../../chain/crypto/hash.ts";
import { loadOperatorKeyFile } from "../../../chain/node/operator-key.ts";
import { ServiceAccount, ServiceTxError } from "../../../chain/node/service-account.ts";
import type { CommitNotice, NodeService, NodeServiceContext } from "../../../chain/node/services.ts";
import { formatGasPrice } from "../../../chain/types/gas-price.ts";
import { AccuracyEvaluator } from "../../fl/service/evaluator.ts";
import { FlServiceErrorCode } from "../../fl/service/errors.ts";
import { VALOPER_PREFIX } from "../../staking/store.ts";
import { consensusPubKey } from "../../staking/validator.ts";
import { MARKET_CODESPACE, MarketCode } from "../errors.ts";
import { type Escrow, EscrowStatus } from "../proto.ts";
import { type MarketServiceConfig, parseMarketServiceConfig } from "./config.ts";
import { MarketServiceErrorCode } from "./errors.ts";
import { EscrowWork } from "./escrow-work.ts";
import { type EscrowJob, escrowJobKey, escrowJobsFor } from "./jobs.ts";
import { isUnserved, MarketQueries } from "./queries.ts";

/** A full scan at least this often, besides every block with market events (retries, missed events). */
const RESCAN_EVERY_BLOCKS = 10n;
/** A failed job is tried again after this many blocks, at most MAX_FAILURES times. */
const RETRY_AFTER_BLOCKS = 5n;
const MAX_FAILURES = 3;
/** A tx sent but still owed this many blocks later (dropped from the mempool) is sent again, once. */
const RESEND_AFTER_BLOCKS = 20n;
const MAX_SENDS = 2;
/** A tx that ran out of gas in its block is sent again at once with twice the gas, up to this. */
const MAX_GAS = 20_000_000n;
/** A sent tx not seen in a block for this long is forgotten (resends cover it). */
const TX_WATCH_BLOCKS = 100n;

/** Failures every honest member meets alike, or that a later try cannot change. */
const FINAL_FAILURES = new Set<string>([
  MarketServiceErrorCode.EVAL_SET,
  MarketServiceErrorCode.MODEL,
  MarketServiceErrorCode.EVALUATION,
  MarketServiceErrorCode.LATE,
  MarketServiceErrorCode.NO_RECORD,
  FlServiceErrorCode.EVALUATION,
]);
/** The chain's refusals that a later try cannot change (the phase moved on, not a member, a bad reveal). */
const FINAL_REFUSALS = new Set<number>([
  MarketCode.EscrowNotFound,
  MarketCode.WrongEscrowStatus,
  MarketCode.NotCommitteeMember,
  MarketCode.CommitmentMismatch,
  MarketCode.AlreadySettled,
]);

const LIVE = [EscrowStatus.Committing, EscrowStatus.Revealing];

/**
 * The escrow evaluator (issue #7, accuracy-threshold purchase): a validator's node does its part
 * in escrow committees by itself. On each commit with market events (and every 10 blocks) it reads
 * the committing and revealing escrows and, for each that owes something from this validator
 * (jobs.ts), within bounded concurrency: commits to its accuracy of the escrow's $Model on the
 * buyer's encrypted test set (escrow-work.ts; the evaluation in a worker thread), or reveals it,
 * signed by the operator account. Kept accuracies of settled escrows are dropped.
 *
 * Switched by config.json's `market` section (config.ts); idle on nodes that do not validate, that
 * have no blob store or no operator key file, and on chains that serve no market queries.
 */
export class MarketEscrowService implements NodeService {
  readonly name = "market";
  private ctx!: NodeServiceContext;
  private cfg!: MarketServiceConfig;
  private market!: MarketQueries;
  private work: EscrowWork | null = null;
  private valoper = "";
  private operator = "";
  private unsubscribe: (() => void) | null = null;
  private readonly abort = new AbortController();
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private readonly running = new Map<string, Promise<void>>();
  private readonly sent = new Map<string, { height: bigint; sends: number }>();
  private readonly failed = new Map<string, { retryAt: bigint; failures: number }>();
  /** Txs sent and not yet seen in a block: tx hash (hex) -> job and gas limit. */
  private readonly watched = new Map<string, { key: string; gasLimit: bigint; height: bigint }>();
  /** Gas floors of jobs whose tx ran out of gas in its block. */
  private readonly gasFloor = new Map<string, bigint>();
  private idle: string | null = null;
  private operatorChecked = false;

  constructor(private readonly o: { inlineEvaluation?: boolean } = {}) {}

  async start(ctx: NodeServiceContext): Promise<void> {
    this.ctx = ctx;
    this.cfg = parseMarketServiceConfig(ctx.config, {
      home: ctx.paths.root,
      minimumGasPrices: ctx.minimumGasPrices,
    });
    if (!this.cfg.enabled) {
      ctx.log.info("market escrow evaluator disabled (market.enabled = false)");
      return;
    }
    if (!ctx.blobs) {
      ctx.log.warn("market escrow evaluator idle: this node has no blob store (blobs.enabled = false)");
      return;
    }
    if (!existsSync(this.cfg.operatorKeyFile)) {
      ctx.log.warn("market escrow evaluator idle: no operator key file", { file: this.cfg.operatorKeyFile });
      return;
    }
    const key = loadOperatorKeyFile(this.cfg.operatorKeyFile);
    this.market = new MarketQueries(ctx.query);
    // Its own account object on the fl service's key: the two services' sequences meet in the
    // mempool, where a mismatch re-reads the sequence and retries (service-account.ts).
    const account = new ServiceAccount({
      chainId: ctx.chainId,
      key,
      query: ctx.query,
      broadcastTx: ctx.broadcastTx,
      gasPrice: this.cfg.gasPrice,
    });
    this.operator = key.address;
    this.valoper = toAddress(parseAddress(key.address), VALOPER_PREFIX);
    this.work = new EscrowWork({
      chainId: ctx.chainId,
      validator: this.valoper,
      operator: key.address,
      me: ctx.consensusKeyAgreement,
      blobs: ctx.blobs,
      market: this.market,
      account,
      evaluator: new AccuracyEvaluator({ inline: this.o.inlineEvaluation ?? false }),
      recordsDir: join(ctx.paths.dataDir, "market-escrows"),
      fetchTimeoutMs: this.cfg.fetchTimeoutMs,
      signal: this.abort.signal,
      log: ctx.log,
      latestHeight: () => ctx.latestHeight(),
    });
    this.unsubscribe = ctx.onCommit((c) => this.onCommit(c));
    ctx.log.info("market escrow evaluator started", {
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
    await this.work?.close();
    await Promise.allSettled([this.scanning, ...this.running.values()]);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private onCommit(c: CommitNotice): void {
    if (this.watched.size > 0) this.checkTxs(c);
    const market = (es: { type: string }[]) => es.some((e) => e.type.startsWith("market_"));
    if (market(c.events) || c.txs.some((t) => market(t.events)) || c.height % RESCAN_EVERY_BLOCKS === 0n)
      this.requestScan();
  }

  /** How this node's txs fared in their block: out of gas is retried at once with more gas. */
  private checkTxs(c: CommitNotice): void {
    for (const tx of c.txs) {
      const hex = Buffer.from(tx.hash).toString("hex").toUpperCase();
      const w = this.watched.get(hex);
      if (!w) continue;
      this.watched.delete(hex);
      if (tx.code === 0) {
        this.ctx.log.debug("market escrow tx included", { job: w.key, height: c.height, txhash: hex });
        continue;
      }
      const outOfGas = tx.codespace === SDK_CODESPACE && tx.code === SdkCode.OutOfGas;
      this.ctx.log.warn("market escrow tx failed in its block", {
        job: w.key,
        height: c.height,
        code: tx.code,
        log: tx.log,
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
        if (!this.stopped) this.ctx.log.warn("market scan failed", { err: e.message });
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
    if (why !== this.idle && why) this.ctx.log.info(`market escrow evaluator idle: ${why}`);
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
    const escrows = await this.liveEscrows();
    if (!escrows) {
      this.setIdle("the chain serves no market queries");
      return;
    }
    this.setIdle(null);
    for (const job of escrowJobsFor({ escrows, validator: this.valoper, account: this.operator, height }))
      this.consider(job, escrows.find((e) => e.id === job.escrowId)!, height);
    // Forget the bookkeeping of escrows no longer deciding (bounded memory).
    const live = new Set(escrows.map((e) => e.id));
    const escrowOf = (key: string) => BigInt(key.slice(0, key.indexOf("/")));
    for (const m of [this.sent, this.failed, this.gasFloor])
      for (const k of m.keys()) if (!live.has(escrowOf(k))) m.delete(k);
    await this.pruneRecords(live);
  }

  /**
   * The committing, then the revealing escrows (an escrow moving on between the two reads is seen
   * twice rather than not at all: statuses only move forward), the later read of each kept;
   * undefined on a chain without the market's queries.
   */
  private async liveEscrows(): Promise<Escrow[] | undefined> {
    const byId = new Map<bigint, Escrow>();
    try {
      for (const status of LIVE) for (const e of await this.market.escrows(status)) byId.set(e.id, e);
    } catch (e) {
      if (isUnserved(e)) return undefined;
      throw e;
    }
    return [...byId.values()];
  }

  /**
   * Drops the kept accuracies of escrows that are decided: each one not seen live is checked on its
   * own first, since a record lost before its reveal cannot be made again.
   */
  private async pruneRecords(live: ReadonlySet<bigint>): Promise<void> {
    const done = new Set<bigint>();
    for (const id of this.work!.records.escrowIds()) {
      if (live.has(id) || this.running.has(`${id}/commit`)) continue;
      const e = await this.market.escrow(id);
      if (!e || !LIVE.includes(e.status)) done.add(id);
    }
    if (done.size > 0) this.work!.records.prune((id) => !done.has(id));
  }

  /**
   * Why the operator key cannot speak for this node (undefined when it can): its validator must
   * exist and have this node's consensus key, or two nodes could answer as one validator.
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
      return `the operator key's validator ${this.valoper} has another consensus key than this node: fix market.operator_key_file`;
    this.operatorChecked = true;
    return undefined;
  }

  /**
   * Runs a job at most once at a time and within max_concurrent_jobs (at capacity, the scan that
   * follows a running job's end picks it up); sends it again if it was dropped (RESEND_AFTER_BLOCKS,
   * MAX_SENDS); retries a failure after RETRY_AFTER_BLOCKS, up to MAX_FAILURES times, except
   * failures that cannot change (FINAL_FAILURES, FINAL_REFUSALS).
   */
  private consider(job: EscrowJob, escrow: Escrow, height: bigint): void {
    const key = escrowJobKey(job);
    if (this.running.has(key) || this.running.size >= this.cfg.maxConcurrentJobs) return;
    const sent = this.sent.get(key);
    if (sent && (height < sent.height + RESEND_AFTER_BLOCKS || sent.sends >= MAX_SENDS)) return;
    const failed = this.failed.get(key);
    if (failed && (height < failed.retryAt || failed.failures >= MAX_FAILURES)) return;
    const started = performance.now();
    const p = this.work!.run(job, escrow, this.gasFloor.get(key) ?? 0n)
      .then(
        (r) => {
          const hex = Buffer.from(r.hash).toString("hex").toUpperCase();
          this.failed.delete(key);
          this.sent.set(key, { height: this.ctx.latestHeight(), sends: (sent?.sends ?? 0) + 1 });
          this.watched.set(hex, { key, gasLimit: r.gasLimit, height: this.ctx.latestHeight() });
          this.ctx.log.info(
            job.phase === "commit" ? "market escrow accuracy committed" : "market escrow accuracy revealed",
            {
              job: key,
              txhash: hex,
              ms: Math.round(performance.now() - started),
            },
          );
        },
        (e: Error) => {
          if (this.stopped) return;
          const code = (e as { code?: unknown }).code;
          const refused = e instanceof ServiceTxError && e.codespace === MARKET_CODESPACE;
          const final =
            (refused && FINAL_REFUSALS.has(e.code)) || (typeof code === "string" && FINAL_FAILURES.has(code));
          const failures = final ? MAX_FAILURES : (failed?.failures ?? 0) + 1;
          this.failed.set(key, { retryAt: this.ctx.latestHeight() + RETRY_AFTER_BLOCKS, failures });
          this.ctx.log.warn("market escrow job failed", {
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
}
