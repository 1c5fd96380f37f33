import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScoreSheet } from "../proto.ts";

/**
 * What a committee member committed to, with its salt, kept on disk until revealed: a node
 * restarted between its commitment and its reveal must still reveal (a member that does not counts
 * as silent). One small JSON file per key, written to a temporary name and renamed, so a crash never
 * leaves half a file. Keys start with the id of what they belong to ("<id>/..."), which is how
 * records of finished work are found and dropped. Shared by fl's score sheets and the market's
 * escrow accuracies (modules/market/service).
 */
export class KeptRecords<T> {
  constructor(
    private readonly dir: string,
    private readonly codec: { toJson: (v: T) => unknown; fromJson: (j: unknown) => T },
  ) {}

  private file(key: string): string {
    return join(this.dir, `${key.replaceAll("/", "-")}.json`);
  }

  save(key: string, value: T): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(key)}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.codec.toJson(value)), { mode: 0o600 });
    renameSync(tmp, this.file(key));
  }

  load(key: string): T | undefined {
    let raw: string;
    try {
      raw = readFileSync(this.file(key), "utf8");
    } catch {
      return undefined;
    }
    return this.codec.fromJson(JSON.parse(raw));
  }

  /** The ids that records are kept for (file names start with "<id>-"), without repeats. */
  ids(): bigint[] {
    const out = new Set<bigint>();
    for (const n of this.names()) {
      const id = /^(\d+)-/.exec(n)?.[1];
      if (id !== undefined) out.add(BigInt(id));
    }
    return [...out];
  }

  /** Forgets the records of every id `keep` refuses. */
  prune(keep: (id: bigint) => boolean): void {
    for (const n of this.names()) {
      const id = /^(\d+)-/.exec(n)?.[1];
      if (id !== undefined && !keep(BigInt(id))) rmSync(join(this.dir, n), { force: true });
    }
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}

/** The score sheets this validator committed to, with their salts (one file per stage attempt). */
export class SheetStore {
  private readonly kept: KeptRecords<{ sheet: ScoreSheet; salt: Uint8Array }>;

  constructor(dir: string) {
    this.kept = new KeptRecords(dir, {
      toJson: ({ sheet, salt }) => ({
        scores: sheet.scores,
        referenceNormNano: sheet.referenceNormNano.toString(),
        globalAccuracyPpm: sheet.globalAccuracyPpm,
        salt: Buffer.from(salt).toString("hex"),
      }),
      fromJson: (raw) => {
        const j = raw as {
          scores: ScoreSheet["scores"];
          referenceNormNano: string;
          globalAccuracyPpm: number;
          salt: string;
        };
        return {
          sheet: {
            scores: j.scores,
            referenceNormNano: BigInt(j.referenceNormNano),
            globalAccuracyPpm: j.globalAccuracyPpm,
          },
          salt: new Uint8Array(Buffer.from(j.salt, "hex")),
        };
      },
    });
  }

  save(key: string, sheet: ScoreSheet, salt: Uint8Array): void {
    this.kept.save(key, { sheet, salt });
  }

  load(key: string): { sheet: ScoreSheet; salt: Uint8Array } | undefined {
    return this.kept.load(key);
  }

  /** Forgets the sheets of tasks that stopped running (keys start with "<task id>/"). */
  prune(live: ReadonlySet<bigint>): void {
    this.kept.prune((id) => live.has(id));
  }
}
