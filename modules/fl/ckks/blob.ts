import { CkksError, CkksErrorCode } from "./errors.ts";
import { BLOB_HEADER_BYTES, BLOB_MAGIC, CIPHERTEXT_BYTES, chunksOf } from "./params.ts";

// A CKKS update (or a sum of them) as a blob: "CIFCKKS1" | uint32 LE chunk count | uint32 LE value
// count | per chunk: uint32 LE length | the ciphertext as SEAL serializes it, uncompressed (the same
// bytes for the same ciphertext, and one size for all, so the size is checkable on chain).

const MAGIC = Buffer.from(BLOB_MAGIC, "ascii");

export function encodeCkksBlob(values: number, chunks: readonly Uint8Array[]): Uint8Array {
  const out = Buffer.alloc(BLOB_HEADER_BYTES + chunks.reduce((s, c) => s + 4 + c.length, 0));
  MAGIC.copy(out, 0);
  out.writeUInt32LE(chunks.length, 8);
  out.writeUInt32LE(values, 12);
  let at = BLOB_HEADER_BYTES;
  for (const c of chunks) {
    out.writeUInt32LE(c.length, at);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The chunks of a blob, checked against the value count the task's model has. */
export function decodeCkksBlob(blob: Uint8Array, values: number): Uint8Array[] {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const bad = (why: string) =>
    new CkksError(CkksErrorCode.MALFORMED, `not a CKKS update of this model: ${why}`);
  if (b.length < BLOB_HEADER_BYTES || !b.subarray(0, 8).equals(MAGIC)) throw bad("no CIFCKKS1 header");
  const chunks = b.readUInt32LE(8);
  if (b.readUInt32LE(12) !== values) throw bad(`${b.readUInt32LE(12)} values, the model has ${values}`);
  if (BigInt(chunks) !== chunksOf(BigInt(values))) throw bad(`${chunks} ciphertexts for ${values} values`);
  const out: Uint8Array[] = [];
  let at = BLOB_HEADER_BYTES;
  for (let i = 0; i < chunks; i++) {
    if (at + 4 > b.length) throw bad("truncated");
    const len = b.readUInt32LE(at);
    if (len !== CIPHERTEXT_BYTES) throw bad(`ciphertext ${i} is ${len} bytes, not ${CIPHERTEXT_BYTES}`);
    if (at + 4 + len > b.length) throw bad("truncated");
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  if (at !== b.length) throw bad(`${b.length - at} bytes after the last ciphertext`);
  return out;
}

/**
 * The upload-time check of a CKKS update as its bytes stream in (the node's PUT /blobs?task=):
 * the header names this model and the size is exact. The ciphertexts themselves are checked by
 * SEAL when the committee loads them (an update SEAL refuses is excluded).
 */
export class CkksStreamCheck {
  private received = 0;
  private readonly header = Buffer.alloc(BLOB_HEADER_BYTES);

  constructor(
    readonly expectedBytes: number,
    private readonly values: number,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.received + chunk.length > this.expectedBytes)
      throw new CkksError(
        CkksErrorCode.MALFORMED,
        `more than the ${this.expectedBytes} bytes of this model's CKKS update`,
      );
    if (this.received < BLOB_HEADER_BYTES) {
      const take = Math.min(BLOB_HEADER_BYTES - this.received, chunk.length);
      this.header.set(chunk.subarray(0, take), this.received);
      if (this.received + take === BLOB_HEADER_BYTES) this.checkHeader();
    }
    this.received += chunk.length;
  }

  end(): void {
    if (this.received !== this.expectedBytes)
      throw new CkksError(
        CkksErrorCode.MALFORMED,
        `${this.received} bytes, a CKKS update of this model is ${this.expectedBytes}`,
      );
  }

  private checkHeader(): void {
    if (!this.header.subarray(0, 8).equals(MAGIC))
      throw new CkksError(CkksErrorCode.MALFORMED, "no CIFCKKS1 header");
    const values = this.header.readUInt32LE(12);
    if (values !== this.values)
      throw new CkksError(CkksErrorCode.MALFORMED, `${values} values, the model has ${this.values}`);
    if (BigInt(this.header.readUInt32LE(8)) !== chunksOf(BigInt(values)))
      throw new CkksError(
        CkksErrorCode.MALFORMED,
        `${this.header.readUInt32LE(8)} ciphertexts for ${values} values`,
      );
  }
}
