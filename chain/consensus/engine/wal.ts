import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { writeFileAtomicSync } from "../../util/fs.ts";
import { EngineError, EngineErrorCode } from "./errors.ts";
import type { WalEntry } from "./types.ts";
import { compactWalEntries, frameWalEntry, readWalFrames } from "./wal-codec.ts";

export interface WalOptions {
  /** The file never grows past this (default 64 MiB): the current height is compacted first. */
  maxBytes?: number;
}

/**
 * The consensus write-ahead log file (CometBFT's consensus WAL): entries are appended, and fsynced
 * when the engine asks (before our own messages are sent). A "height" entry starts the file afresh
 * (atomically), so it only ever holds the height being decided. On open, a torn tail left by a
 * crash is cut off and the file fsynced, so appends continue after the last good record.
 */
export class ConsensusWal {
  private fd: number;
  private size: number;
  private current: WalEntry[];
  private readonly maxBytes: number;

  private constructor(
    readonly path: string,
    /** Entries read at open, for ConsensusEngine.replay. */
    readonly entries: readonly WalEntry[],
    /** Why the tail was cut, if it was. */
    readonly repaired: string | null,
    size: number,
    opts: WalOptions,
  ) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.size = size;
    let start = 0;
    for (let i = 0; i < entries.length; i++) if (entries[i]!.kind === "height") start = i;
    this.current = entries.slice(start);
    this.fd = openSync(path, "a");
  }

  static open(path: string, opts: WalOptions = {}): ConsensusWal {
    if (!existsSync(path)) {
      writeFileAtomicSync(path, new Uint8Array());
      return new ConsensusWal(path, [], null, 0, opts);
    }
    const buf = readFileSync(path);
    const { entries, validBytes, error } = readWalFrames(buf);
    if (error) {
      const fd = openSync(path, "r+");
      try {
        ftruncateSync(fd, validBytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return new ConsensusWal(path, entries, error, validBytes, opts);
  }

  /** Appends an entry; with sync, it is on disk when this returns. */
  write(entry: WalEntry, sync: boolean): void {
    if (entry.kind === "height") {
      this.rewrite([entry]);
      return;
    }
    const frame = frameWalEntry(entry);
    if (this.size + frame.length > this.maxBytes) {
      this.rewrite(compactWalEntries([...this.current, entry]));
      return;
    }
    writeAll(this.fd, frame);
    this.size += frame.length;
    this.current.push(entry);
    if (sync) fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Replaces the file with `entries` atomically (write, fsync, rename, fsync the directory). */
  private rewrite(entries: WalEntry[]): void {
    const frames = entries.map(frameWalEntry);
    const size = frames.reduce((n, f) => n + f.length, 0);
    if (size > this.maxBytes)
      throw new EngineError(
        EngineErrorCode.WalFull,
        `the WAL needs ${size} bytes, over its limit ${this.maxBytes}`,
      );
    const buf = Buffer.concat(frames);
    closeSync(this.fd);
    writeFileAtomicSync(this.path, buf);
    this.fd = openSync(this.path, "a");
    this.size = size;
    this.current = entries;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
