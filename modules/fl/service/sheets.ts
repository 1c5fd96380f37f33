import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScoreSheet } from "../proto.ts";

/**
 * The score sheets this validator committed to, with their salts, kept on disk until revealed: a
 * node restarted between its commitment and its reveal must still reveal (a member that does not
 * counts as silent and loses reputation). One small JSON file per stage attempt, written to a
 * temporary name and renamed, so a crash never leaves half a file.
 */
export class SheetStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${key.replaceAll("/", "-")}.json`);
  }

  save(key: string, sheet: ScoreSheet, salt: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify({
      scores: sheet.scores,
      referenceNormNano: sheet.referenceNormNano.toString(),
      globalAccuracyPpm: sheet.globalAccuracyPpm,
      salt: Buffer.from(salt).toString("hex"),
    });
    const tmp = `${this.file(key)}.tmp`;
    writeFileSync(tmp, body, { mode: 0o600 });
    renameSync(tmp, this.file(key));
  }

  load(key: string): { sheet: ScoreSheet; salt: Uint8Array } | undefined {
    let raw: string;
    try {
      raw = readFileSync(this.file(key), "utf8");
    } catch {
      return undefined;
    }
    const j = JSON.parse(raw) as {
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
  }

  /** Forgets the sheets of tasks that stopped running (file names start with "<task id>-"). */
  prune(live: ReadonlySet<bigint>): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const id = /^(\d+)-/.exec(n)?.[1];
      if (id !== undefined && !live.has(BigInt(id))) rmSync(join(this.dir, n), { force: true });
    }
  }
}
