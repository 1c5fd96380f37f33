import { join } from "node:path";
import { type CommitteeStart, CommitteeJobRunner } from "../../../chain/node/committee-runner.ts";
import type { NodeService, NodeServiceContext } from "../../../chain/node/services.ts";
import { AccuracyEvaluator } from "../../fl/service/evaluator.ts";
import { FlServiceErrorCode } from "../../fl/service/errors.ts";
import { stakingOperators } from "../../staking/operator-check.ts";
import { MARKET_CODESPACE, MarketCode } from "../errors.ts";
import { type Escrow, EscrowStatus } from "../proto.ts";
import { parseMarketServiceConfig } from "./config.ts";
import { MarketServiceErrorCode } from "./errors.ts";
import { EscrowWork } from "./escrow-work.ts";
import { type EscrowJob, escrowJobKey, escrowJobsFor } from "./jobs.ts";
import { isUnserved, MarketQueries } from "./queries.ts";

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
 * Start-up, scans, concurrency, retries, resends and gas are the committee runner's
 * (chain/node/committee-runner.ts). Switched by config.json's `market` section (config.ts); idle on
 * nodes that do not validate, that have no blob store or no operator key file, and on chains that
 * serve no market queries.
 */
export class MarketEscrowService implements NodeService {
  readonly name = "market";
  private readonly runner = new CommitteeJobRunner({
    section: "market",
    label: "market escrow evaluator",
    txLabel: "market escrow tx",
    eventPrefix: "market_",
    parseConfig: parseMarketServiceConfig,
    operators: stakingOperators,
    finalFailures: FINAL_FAILURES,
    refusal: (codespace, code) =>
      codespace === MARKET_CODESPACE && FINAL_REFUSALS.has(code) ? "final" : undefined,
    setUp: (s) => this.setUp(s),
    scan: (height) => this.scan(height),
    close: async () => await this.work?.close(),
  });
  private market!: MarketQueries;
  private work: EscrowWork | null = null;
  private valoper = "";
  private operator = "";

  constructor(private readonly o: { inlineEvaluation?: boolean } = {}) {}

  start(ctx: NodeServiceContext): Promise<void> {
    return this.runner.start(ctx);
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  private setUp(s: CommitteeStart): void {
    const { ctx } = s;
    this.market = new MarketQueries(ctx.query);
    this.operator = s.key.address;
    this.valoper = s.validator;
    this.work = new EscrowWork({
      chainId: ctx.chainId,
      validator: this.valoper,
      operator: this.operator,
      me: ctx.consensusKeyAgreement,
      blobs: s.blobs,
      market: this.market,
      account: s.account,
      evaluator: new AccuracyEvaluator({ inline: this.o.inlineEvaluation ?? false }),
      recordsDir: join(ctx.paths.dataDir, "market-escrows"),
      fetchTimeoutMs: s.cfg.fetchTimeoutMs,
      signal: s.signal,
      log: ctx.log,
      latestHeight: () => ctx.latestHeight(),
    });
  }

  private async scan(height: bigint): Promise<string | undefined> {
    const escrows = await this.liveEscrows();
    if (!escrows) return "the chain serves no market queries";
    for (const job of escrowJobsFor({ escrows, validator: this.valoper, account: this.operator, height }))
      this.consider(job, escrows.find((e) => e.id === job.escrowId)!, height);
    // Forget the bookkeeping of escrows no longer deciding (bounded memory).
    const live = new Set(escrows.map((e) => e.id));
    this.runner.forgetAllBut(live);
    await this.pruneRecords(live);
    return undefined;
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
      if (live.has(id) || this.runner.isRunning(`${id}/commit`)) continue;
      const e = await this.market.escrow(id);
      if (!e || !LIVE.includes(e.status)) done.add(id);
    }
    if (done.size > 0) this.work!.records.prune((id) => !done.has(id));
  }

  private consider(job: EscrowJob, escrow: Escrow, height: bigint): void {
    this.runner.offer(
      {
        key: escrowJobKey(job),
        failedLine: "market escrow job failed",
        run: async (minGas) => ({
          ...(await this.work!.run(job, escrow, minGas)),
          done:
            job.phase === "commit" ? "market escrow accuracy committed" : "market escrow accuracy revealed",
        }),
      },
      height,
    );
  }
}
