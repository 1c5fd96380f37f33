import { KeptRecords } from "../../fl/service/sheets.ts";

/** What a member committed to for an escrow: its accuracy and the commitment's secret salt. */
export interface EscrowRecord {
  accuracyPpm: number;
  salt: Uint8Array;
}

/**
 * The accuracies this validator committed to, kept on disk (fl's KeptRecords: one 0600 file per
 * escrow, written atomically) until the escrow is settled: a node restarted between its commitment
 * and its reveal must reveal the very accuracy and salt it committed to.
 */
export class EscrowRecords {
  private readonly kept: KeptRecords<EscrowRecord>;

  constructor(dir: string) {
    this.kept = new KeptRecords(dir, {
      toJson: (r) => ({ accuracyPpm: r.accuracyPpm, salt: Buffer.from(r.salt).toString("hex") }),
      fromJson: (raw) => {
        const j = raw as { accuracyPpm: number; salt: string };
        return { accuracyPpm: j.accuracyPpm, salt: new Uint8Array(Buffer.from(j.salt, "hex")) };
      },
    });
  }

  private static key = (escrowId: bigint) => `${escrowId}/commit`;

  save(escrowId: bigint, r: EscrowRecord): void {
    this.kept.save(EscrowRecords.key(escrowId), r);
  }

  load(escrowId: bigint): EscrowRecord | undefined {
    return this.kept.load(EscrowRecords.key(escrowId));
  }

  /** The escrows records are kept for. */
  escrowIds(): bigint[] {
    return this.kept.ids();
  }

  /** Forgets the records of escrows `keep` refuses. */
  prune(keep: (escrowId: bigint) => boolean): void {
    this.kept.prune(keep);
  }
}
