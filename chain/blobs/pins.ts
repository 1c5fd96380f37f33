import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomicSync } from "../util/fs.ts";
import { parseCid } from "./cid.ts";
import { BlobError, BlobErrorCode } from "./errors.ts";

/**
 * Which blobs garbage collection must keep, and why: each pinned CID has a set of holders (e.g.
 * "fl/task/7" for every blob a live task references, "manual" for an operator's pin), so two users
 * of one blob pin and unpin it independently. A CID may be pinned before its blob is stored (a task
 * references an update this node has not fetched yet).
 *
 * Persisted as `pins.json` ({"version":1,"pins":{"<cid>":["holder",...]}}), rewritten atomically on
 * every change: pins change at the pace of tasks, not of reads. A pins file that does not parse
 * stops the store from opening, since ignoring it could let GC delete blobs someone needs.
 */
export const MANUAL_PIN = "manual";
const HOLDER = /^[\w./:-]{1,128}$/;

export class PinSet {
  private readonly pins = new Map<string, Set<string>>();

  private constructor(private readonly path: string) {}

  static load(path: string): PinSet {
    const set = new PinSet(path);
    if (!existsSync(path)) return set;
    const bad = (why: string) =>
      new BlobError({ code: BlobErrorCode.BAD_STORE, path }, `${path}: ${why} (fix or remove the file)`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw bad(`cannot read pins: ${(e as Error).message}`);
    }
    const root = json as { version?: unknown; pins?: unknown };
    if (root === null || typeof root !== "object" || root.version !== 1)
      throw bad('expected {"version":1,"pins":{...}}');
    if (root.pins === null || typeof root.pins !== "object" || Array.isArray(root.pins))
      throw bad("pins: expected an object");
    for (const [cid, holders] of Object.entries(root.pins as Record<string, unknown>)) {
      try {
        parseCid(cid);
      } catch (e) {
        throw bad((e as Error).message);
      }
      if (!Array.isArray(holders) || holders.length === 0)
        throw bad(`pins.${cid}: expected a non-empty array of holders`);
      for (const h of holders)
        if (typeof h !== "string" || !HOLDER.test(h))
          throw bad(`pins.${cid}: bad holder ${JSON.stringify(h)}`);
      set.pins.set(cid, new Set(holders as string[]));
    }
    return set;
  }

  has(cid: string): boolean {
    return this.pins.has(cid);
  }

  holders(cid: string): string[] {
    return [...(this.pins.get(cid) ?? [])].sort();
  }

  /** Every pinned CID, sorted. */
  cids(): string[] {
    return [...this.pins.keys()].sort();
  }

  /** Adds a holder; returns false if it already held the CID. */
  add(cid: string, holder: string): boolean {
    checkHolder(holder);
    let s = this.pins.get(cid);
    if (s?.has(holder)) return false;
    if (!s) {
      s = new Set();
      this.pins.set(cid, s);
    }
    s.add(holder);
    this.save();
    return true;
  }

  /** Removes a holder; returns false if it did not hold the CID. */
  remove(cid: string, holder: string): boolean {
    checkHolder(holder);
    const s = this.pins.get(cid);
    if (!s?.delete(holder)) return false;
    if (s.size === 0) this.pins.delete(cid);
    this.save();
    return true;
  }

  /**
   * Many changes, saved once (a task's round pins or unpins every update at once: one file write
   * instead of one per CID). Every holder is checked before anything changes. Returns how many
   * pins were actually added and removed.
   */
  update(
    add: ReadonlyArray<{ cid: string; holder: string }>,
    remove: ReadonlyArray<{ cid: string; holder: string }>,
  ): { added: number; removed: number } {
    for (const p of [...add, ...remove]) checkHolder(p.holder);
    let removed = 0;
    for (const { cid, holder } of remove) {
      const s = this.pins.get(cid);
      if (!s?.delete(holder)) continue;
      if (s.size === 0) this.pins.delete(cid);
      removed++;
    }
    let added = 0;
    for (const { cid, holder } of add) {
      let s = this.pins.get(cid);
      if (s?.has(holder)) continue;
      if (!s) {
        s = new Set();
        this.pins.set(cid, s);
      }
      s.add(holder);
      added++;
    }
    if (added + removed > 0) this.save();
    return { added, removed };
  }

  private save(): void {
    const pins: Record<string, string[]> = {};
    for (const cid of this.cids()) pins[cid] = this.holders(cid);
    writeFileAtomicSync(this.path, `${JSON.stringify({ version: 1, pins }, null, 1)}\n`, 0o644);
  }
}

function checkHolder(holder: string): void {
  if (!HOLDER.test(holder))
    throw new BlobError(
      { code: BlobErrorCode.BAD_PIN, holder: holder.slice(0, 140) },
      `pin holder ${JSON.stringify(holder.slice(0, 140))}: 1-128 characters of [A-Za-z0-9_./:-]`,
    );
}
