import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { CID_BYTES, decodeCidBytes, parseCid } from "./cid.ts";

/**
 * Blob channel wire messages, one protobuf `Message` per p2p message, shaped as CometBFT's channel
 * messages (a oneof of the kinds):
 *
 *   message Message { oneof sum { Request request = 1; Response response = 2; NotFound not_found = 3; } }
 *   message Request  { bytes cid = 1; uint32 chunk = 2; }
 *   message Response { bytes cid = 1; uint32 chunk = 2; uint32 total = 3; uint64 size = 4; bytes data = 5; }
 *   message NotFound { bytes cid = 1; }
 *
 * `cid` is the binary CIDv1 (36 bytes). A blob travels as `total` chunks of CHUNK_BYTES (the last
 * one shorter; an empty blob is one empty chunk); `size` is the blob's length, so the requester
 * knows before the first byte whether it accepts the blob and exactly how long every chunk must be.
 */
export const CHUNK_BYTES = 1024 * 1024;
/** Largest encoded message: a full chunk plus the other fields' bytes, with room to spare. */
export const MAX_BLOB_MESSAGE_BYTES = CHUNK_BYTES + 256;

export type BlobMessage =
  | { type: "request"; cid: string; chunk: number }
  | { type: "response"; cid: string; chunk: number; total: number; size: number; data: Uint8Array }
  | { type: "not_found"; cid: string };

export class BlobDecodeError extends Error {}

/** How many chunks a blob of `size` bytes travels in. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_BYTES));
}

/** The exact length of chunk `i` of a blob of `size` bytes. */
export function chunkLength(size: number, i: number): number {
  return Math.max(0, Math.min(CHUNK_BYTES, size - i * CHUNK_BYTES));
}

export function encodeBlobMessage(m: BlobMessage): Uint8Array {
  const inner = BinaryWriter.create();
  inner.uint32(10).bytes(parseCid(m.cid).bytes);
  let field: number;
  switch (m.type) {
    case "request":
      field = 1;
      inner.uint32(16).uint32(m.chunk);
      break;
    case "response":
      field = 2;
      inner
        .uint32(16)
        .uint32(m.chunk)
        .uint32(24)
        .uint32(m.total)
        .uint32(32)
        .uint64(BigInt(m.size))
        .uint32(42)
        .bytes(m.data);
      break;
    case "not_found":
      field = 3;
      break;
  }
  return BinaryWriter.create()
    .uint32((field << 3) | 2)
    .bytes(inner.finish())
    .finish();
}

/** Decodes and checks a message (field types, a valid CID, chunk bounds); throws BlobDecodeError. */
export function decodeBlobMessage(bytes: Uint8Array): BlobMessage {
  if (bytes.length > MAX_BLOB_MESSAGE_BYTES)
    throw new BlobDecodeError(`blob message of ${bytes.length} bytes exceeds the limit`);
  try {
    const r = new BinaryReader(bytes);
    const tag = r.uint32();
    if ((tag & 7) !== 2) throw new Error("expected a length-delimited field");
    const kind = tag >>> 3;
    const inner = new BinaryReader(r.bytes());
    if (r.pos !== r.len) throw new Error("trailing bytes");
    let cid: Uint8Array | undefined;
    let data: Uint8Array = new Uint8Array();
    const ints = new Map<number, bigint>();
    while (inner.pos < inner.len) {
      const t = inner.uint32();
      const f = t >>> 3;
      const wire = t & 7;
      if (f === 1 && wire === 2) cid = inner.bytes();
      else if (f === 5 && wire === 2) data = inner.bytes();
      else if (f >= 2 && f <= 4 && wire === 0) ints.set(f, inner.uint64());
      else inner.skipType(wire);
    }
    if (!cid || cid.length !== CID_BYTES) throw new Error("missing or malformed cid");
    const text = decodeCidBytes(cid).text;
    const int = (f: number, max: number) => {
      const v = ints.get(f) ?? 0n;
      if (v > BigInt(max)) throw new Error(`field ${f} out of range`);
      return Number(v);
    };
    switch (kind) {
      case 1:
        return { type: "request", cid: text, chunk: int(2, 0xffff_ffff) };
      case 2: {
        const size = int(4, Number.MAX_SAFE_INTEGER);
        const total = int(3, 0xffff_ffff);
        const chunk = int(2, 0xffff_ffff);
        if (total !== chunkCount(size)) throw new Error(`${total} chunks cannot hold ${size} bytes`);
        if (chunk >= total) throw new Error(`chunk ${chunk} of ${total}`);
        if (data.length !== chunkLength(size, chunk))
          throw new Error(`chunk ${chunk} of a ${size}-byte blob must be ${chunkLength(size, chunk)} bytes`);
        return { type: "response", cid: text, chunk, total, size, data };
      }
      case 3:
        return { type: "not_found", cid: text };
      default:
        throw new Error(`unknown message kind ${kind}`);
    }
  } catch (e) {
    throw new BlobDecodeError(`invalid blob message: ${(e as Error).message}`);
  }
}
