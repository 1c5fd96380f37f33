import { randomBytes } from "node:crypto";
import type { KeyAgreement } from "../../../chain/crypto/x25519.ts";
import type { Logger } from "../../../chain/node/logger.ts";
import type { ServiceAccount } from "../../../chain/node/service-account.ts";
import type { ServiceBlobs } from "../../../chain/node/services.ts";
import { FlServiceError, FlServiceErrorCode } from "../../fl/service/errors.ts";
import type { AccuracyEvaluator } from "../../fl/service/evaluator.ts";
import { fetchRequired } from "../../fl/service/fetch.ts";
import { OpenEvalSetError, openEvalSet } from "../../fl/service/open-eval-set.ts";
import { ESCROW_SALT_BYTES, escrowCommitment } from "../escrow-commit.ts";
import { AssetKind, encode, type Escrow, MsgCommitEscrowScore, MsgRevealEscrowScore } from "../proto.ts";
import { MarketServiceError, MarketServiceErrorCode } from "./errors.ts";
import type { EscrowJob } from "./jobs.ts";
import type { MarketQueries } from "./queries.ts";
import { EscrowRecords } from "./records.ts";

/**
 * Gas beyond the simulation, per committee member: the commit or reveal that completes its phase
 * also closes it (the reveal takes the median and decides the escrow), which the simulation, run
 * before the other members' txs land, cannot see.
 */
const EXTRA_GAS_PER_MEMBER = 40_000n;

export interface EscrowWorkOptions {
  chainId: string;
  /** This validator's operator address (cifvaloper...) and account (cif1...). */
  validator: string;
  operator: string;
  me: KeyAgreement;
  blobs: ServiceBlobs;
  market: MarketQueries;
  account: ServiceAccount;
  evaluator: AccuracyEvaluator;
  recordsDir: string;
  fetchTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  latestHeight: () => bigint;
}

/**
 * A committee member's part in an accuracy-threshold purchase (issue #7): to commit, it opens the
 * buyer's test set with its consensus key, measures the escrow's $Model on every record in the
 * evaluation worker, keeps the accuracy and a fresh salt on disk, then sends the commitment; to
 * reveal, it sends the kept accuracy and salt.
 */
export class EscrowWork {
  readonly records: EscrowRecords;

  constructor(private readonly o: EscrowWorkOptions) {
    this.records = new EscrowRecords(o.recordsDir);
  }

  /** Sends the commitment or the reveal the job owes; returns the broadcast tx's hash and gas limit. */
  async run(job: EscrowJob, escrow: Escrow, minGas = 0n): Promise<{ hash: Uint8Array; gasLimit: bigint }> {
    const extraGas = EXTRA_GAS_PER_MEMBER * BigInt(job.committeeSize);
    if (job.phase === "reveal") {
      const kept = this.records.load(job.escrowId);
      if (!kept)
        throw new MarketServiceError(
          MarketServiceErrorCode.NO_RECORD,
          `no kept accuracy for escrow ${job.escrowId} (was the data directory lost?)`,
        );
      const msg = MsgRevealEscrowScore.fromPartial({
        validator: this.o.operator,
        escrowId: job.escrowId,
        accuracyPpm: kept.accuracyPpm,
        salt: kept.salt,
      });
      return this.send(
        MsgRevealEscrowScore.typeUrl,
        encode(MsgRevealEscrowScore, msg),
        job,
        extraGas,
        minGas,
      );
    }
    // An accuracy kept from before a restart is committed again as it is: a new salt would differ.
    let kept = this.records.load(job.escrowId);
    if (!kept) {
      kept = {
        accuracyPpm: await this.evaluate(escrow),
        salt: new Uint8Array(randomBytes(ESCROW_SALT_BYTES)),
      };
      this.records.save(job.escrowId, kept);
    }
    const commitment = escrowCommitment({
      escrowId: job.escrowId,
      validator: this.o.validator,
      accuracyPpm: kept.accuracyPpm,
      salt: kept.salt,
    });
    const msg = MsgCommitEscrowScore.fromPartial({
      validator: this.o.operator,
      escrowId: job.escrowId,
      commitment,
    });
    return this.send(MsgCommitEscrowScore.typeUrl, encode(MsgCommitEscrowScore, msg), job, extraGas, minGas);
  }

  private async send(
    typeUrl: string,
    value: Uint8Array,
    job: EscrowJob,
    extraGas: bigint,
    minGas: bigint,
  ): Promise<{ hash: Uint8Array; gasLimit: bigint }> {
    if (this.o.signal.aborted) throw new MarketServiceError(MarketServiceErrorCode.STOPPED, "stopping");
    // The service's view is one block old: a phase ending at the next height is already over.
    if (this.o.latestHeight() + 1n >= job.deadline)
      throw new MarketServiceError(
        MarketServiceErrorCode.LATE,
        `escrow ${job.escrowId}'s ${job.phase} phase ended at ${job.deadline}`,
      );
    const res = await this.o.account.send([{ typeUrl, value }], { extraGas, minGas });
    return { hash: res.hash, gasLimit: res.gasLimit };
  }

  /** The escrow's model's accuracy on the whole test set, in millionths. */
  private async evaluate(escrow: Escrow): Promise<number> {
    const asset = await this.o.market.asset(escrow.modelId);
    if (!asset?.model || asset.kind !== AssetKind.Model)
      throw new MarketServiceError(
        MarketServiceErrorCode.MODEL,
        `escrow ${escrow.id}'s model ${escrow.modelId} is not a $Model asset`,
      );
    const fetch = { timeoutMs: this.o.fetchTimeoutMs, signal: this.o.signal };
    const [csv, weights] = await Promise.all([
      this.testSet(escrow),
      fetchRequired(this.o.blobs, asset.model.modelCid, "the model", fetch),
    ]);
    let out: Awaited<ReturnType<AccuracyEvaluator["run"]>>;
    try {
      out = await this.o.evaluator.run({ kind: "accuracy", modelSpec: asset.model.modelSpec, weights, csv });
    } catch (e) {
      if (e instanceof FlServiceError && e.code === FlServiceErrorCode.EVALUATION)
        throw new MarketServiceError(MarketServiceErrorCode.EVALUATION, `escrow ${escrow.id}: ${e.message}`);
      throw e;
    }
    if (out.invalid)
      this.o.log.info("market model scored 0: it cannot be run on the test set", {
        escrow: escrow.id.toString(),
        model: escrow.modelId.toString(),
        why: out.invalid,
      });
    this.o.log.info("market escrow evaluated", {
      escrow: escrow.id.toString(),
      model: escrow.modelId.toString(),
      records: out.records,
      accuracy_ppm: out.accuracyPpm,
      backend: out.backend,
    });
    return out.accuracyPpm;
  }

  /** The buyer's test set, opened with this validator's key wrap and checked against its record count. */
  private async testSet(escrow: Escrow): Promise<string> {
    if (!escrow.evalSet)
      throw new MarketServiceError(MarketServiceErrorCode.EVAL_SET, `escrow ${escrow.id} has no test set`);
    try {
      return await openEvalSet(this.o, escrow.evalSet, escrow.buyer);
    } catch (err) {
      if (err instanceof OpenEvalSetError)
        throw new MarketServiceError(
          MarketServiceErrorCode.EVAL_SET,
          `escrow ${escrow.id}'s test set: ${err.message}`,
        );
      throw err;
    }
  }

  close(): Promise<void> {
    return this.o.evaluator.close();
  }
}
