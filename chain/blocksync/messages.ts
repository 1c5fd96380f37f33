import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";

/**
 * Block sync wire messages, shaped as CometBFT's blocksync.Message oneof (field numbers kept):
 * 1 BlockRequest{height}, 2 NoBlockResponse{height}, 3 BlockResponse{block, commit},
 * 4 StatusRequest{}, 5 StatusResponse{height, base}. Blocks travel as encoded tendermint.types.Block
 * with the Commit that finalised them (our store keeps it per height).
 */
export type BlockSyncMessage =
  | { type: "block_request"; height: bigint }
  | { type: "no_block_response"; height: bigint }
  | { type: "block_response"; block: Uint8Array; commit: Uint8Array }
  | { type: "status_request" }
  | { type: "status_response"; height: bigint; base: bigint };

export const MAX_BLOCKSYNC_MESSAGE_BYTES = 8 * 1024 * 1024;

export class BlockSyncDecodeError extends Error {}

export function encodeBlockSync(m: BlockSyncMessage): Uint8Array {
  const w = BinaryWriter.create();
  const inner = BinaryWriter.create();
  let field: number;
  switch (m.type) {
    case "block_request":
      field = 1;
      inner.uint32(8).int64(m.height);
      break;
    case "no_block_response":
      field = 2;
      inner.uint32(8).int64(m.height);
      break;
    case "block_response":
      field = 3;
      inner.uint32(10).bytes(m.block).uint32(18).bytes(m.commit);
      break;
    case "status_request":
      field = 4;
      break;
    case "status_response":
      field = 5;
      inner.uint32(8).int64(m.height).uint32(16).int64(m.base);
      break;
  }
  w.uint32((field << 3) | 2).bytes(inner.finish());
  return w.finish();
}

export function decodeBlockSync(bytes: Uint8Array): BlockSyncMessage {
  if (bytes.length > MAX_BLOCKSYNC_MESSAGE_BYTES)
    throw new BlockSyncDecodeError(`message of ${bytes.length} bytes exceeds the limit`);
  try {
    const r = new BinaryReader(bytes);
    const tag = r.uint32();
    if ((tag & 7) !== 2) throw new Error("expected a length-delimited field");
    const field = tag >>> 3;
    const inner = new BinaryReader(r.bytes());
    if (r.pos !== r.len) throw new Error("trailing bytes");
    const fields = new Map<number, bigint | Uint8Array>();
    while (inner.pos < inner.len) {
      const t = inner.uint32();
      const f = t >>> 3;
      if ((t & 7) === 0) fields.set(f, inner.int64());
      else if ((t & 7) === 2) fields.set(f, inner.bytes());
      else inner.skipType(t & 7);
    }
    const int = (f: number) => {
      const v = fields.get(f) ?? 0n;
      if (typeof v !== "bigint" || v < 0n) throw new Error(`field ${f} must be a non-negative integer`);
      return v;
    };
    const bytesOf = (f: number) => {
      const v = fields.get(f) ?? new Uint8Array();
      if (!(v instanceof Uint8Array)) throw new Error(`field ${f} must be bytes`);
      return v;
    };
    switch (field) {
      case 1:
        return { type: "block_request", height: int(1) };
      case 2:
        return { type: "no_block_response", height: int(1) };
      case 3:
        return { type: "block_response", block: bytesOf(1), commit: bytesOf(2) };
      case 4:
        return { type: "status_request" };
      case 5:
        return { type: "status_response", height: int(1), base: int(2) };
      default:
        throw new Error(`unknown message field ${field}`);
    }
  } catch (e) {
    throw new BlockSyncDecodeError(`invalid block sync message: ${(e as Error).message}`);
  }
}
