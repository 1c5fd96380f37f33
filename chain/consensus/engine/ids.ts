import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { PartSetHeader } from "cosmjs-types/tendermint/types/types";
import { bytesEqual, concatBytes, toHexUpper } from "../../crypto/hash.ts";
import type { BlockID } from "../../types/block.ts";

/** The key of a nil vote's block id. */
export const NIL_KEY = "";

export const isNilBlockId = (id: BlockID) => id.hash.length === 0;

/** A string naming a block id (hash and part-set header), NIL_KEY for nil: for maps and equality. */
export function blockKey(id: BlockID): string {
  if (isNilBlockId(id)) return NIL_KEY;
  return `${toHexUpper(id.hash)}:${id.partSetHeader.total}:${toHexUpper(id.partSetHeader.hash)}`;
}

/** CometBFT's BlockID.Key(): hash followed by the encoded part-set header (orders evidence votes). */
export const blockIdKeyBytes = (id: BlockID): Uint8Array =>
  concatBytes(id.hash, PartSetHeader.encode(id.partSetHeader).finish());

export const sameTimestamp = (a: Timestamp, b: Timestamp) => a.seconds === b.seconds && a.nanos === b.nanos;

export const sameBlockId = (a: BlockID, b: BlockID) =>
  bytesEqual(a.hash, b.hash) &&
  a.partSetHeader.total === b.partSetHeader.total &&
  bytesEqual(a.partSetHeader.hash, b.partSetHeader.hash);
