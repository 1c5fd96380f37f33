import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { cidFromDigest } from "./cid.ts";
import { BlobError, BlobErrorCode } from "./errors.ts";

export interface PutResult {
  cid: string;
  size: number;
  /** False when the store already had the blob (the new copy was discarded). */
  created: boolean;
}

export interface BlobWriterOptions {
  tmpDir: string;
  maxBytes: number;
  /** The CID the bytes must hash to (an upload's ?cid=, a fetch from peers). */
  expected?: string;
  /** Moves the finished temp file into the store under its CID (and owns it from then on). */
  adopt: (tmpPath: string, cid: string, size: number) => Promise<PutResult>;
  /** Called once when the writer is committed or aborted. */
  onDone?: () => void;
}

/**
 * One blob being written: the bytes go to a temp file in the store's tmp folder while they are
 * hashed, so a blob of any allowed size streams to disk in constant memory, and a failed, oversize
 * or mismatching upload leaves nothing in the store. `commit` fsyncs the file, derives the CID and
 * hands the file to the store, which renames it into place (a crash leaves a whole blob or only a
 * temp file, and temp files are removed when the store opens). Writes must be awaited one at a time.
 */
export class BlobWriter {
  readonly tmpPath: string;
  private fh: FileHandle | null = null;
  private readonly hash = createHash("sha256");
  private written = 0;
  private state: "open" | "committing" | "done" = "open";

  constructor(private readonly o: BlobWriterOptions) {
    this.tmpPath = join(o.tmpDir, `${randomBytes(12).toString("hex")}.part`);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  get finished(): boolean {
    return this.state !== "open";
  }

  private async file(): Promise<FileHandle> {
    this.fh ??= await open(this.tmpPath, "wx", 0o644);
    return this.fh;
  }

  /** Appends bytes; throws TOO_LARGE (and aborts) when the blob would exceed the limit. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== "open") throw new Error("blob writer is closed");
    if (this.written + chunk.length > this.o.maxBytes) {
      const size = this.written + chunk.length;
      await this.abort();
      throw new BlobError(
        { code: BlobErrorCode.TOO_LARGE, size, max: this.o.maxBytes },
        `blob larger than the limit of ${this.o.maxBytes} bytes`,
      );
    }
    const fh = await this.file();
    this.hash.update(chunk);
    this.written += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }

  /** Finishes the blob: fsync, CID check, move into the store. The writer is done afterwards. */
  async commit(): Promise<PutResult> {
    if (this.state !== "open") throw new Error("blob writer is closed");
    this.state = "committing";
    try {
      const fh = await this.file();
      await fh.sync();
      await fh.close();
      this.fh = null;
      const cid = cidFromDigest(this.hash.digest());
      if (this.o.expected !== undefined && this.o.expected !== cid) {
        await unlink(this.tmpPath).catch(() => {});
        throw new BlobError(
          { code: BlobErrorCode.CID_MISMATCH, expected: this.o.expected, actual: cid },
          `the bytes hash to ${cid}, not to the expected ${this.o.expected}`,
        );
      }
      return await this.o.adopt(this.tmpPath, cid, this.written);
    } catch (e) {
      await this.discard();
      throw e;
    } finally {
      this.finish();
    }
  }

  /** Drops the blob: closes and deletes the temp file. Safe to call at any time, more than once. */
  async abort(): Promise<void> {
    if (this.state === "done") return;
    const committing = this.state === "committing";
    this.state = "done";
    if (!committing) await this.discard();
    this.finish();
  }

  private async discard(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
    await unlink(this.tmpPath).catch(() => {});
  }

  private finish(): void {
    this.state = "done";
    const done = this.o.onDone;
    this.o.onDone = undefined;
    done?.();
  }
}
