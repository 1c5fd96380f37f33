/**
 * A validator's missed-blocks bitmap in chunks of 1024 bits, as SDK v0.50 stores it
 * (MissedBlockBitmapChunkSize): one store entry per chunk of the window rather than one per block.
 * A chunk is little-endian bytes (bit i is byte i >> 3, mask 1 << (i & 7)) with trailing zero bytes
 * trimmed, so a 100-block window costs at most 13 bytes; a chunk with no bit set is not stored.
 */
export const CHUNK_BITS = 1024n;

export const chunkIndexOf = (index: bigint) => index / CHUNK_BITS;

const bitInChunk = (index: bigint) => Number(index % CHUNK_BITS);

export function testBit(chunk: Uint8Array | undefined, index: bigint): boolean {
  const i = bitInChunk(index);
  return ((chunk?.[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

/** The chunk with the bit of `index` set or cleared; undefined once no bit is left (delete it). */
export function withBit(chunk: Uint8Array | undefined, index: bigint, set: boolean): Uint8Array | undefined {
  const i = bitInChunk(index);
  const out = new Uint8Array(Math.max(chunk?.length ?? 0, (i >> 3) + 1));
  if (chunk) out.set(chunk);
  const mask = 1 << (i & 7);
  out[i >> 3] = set ? out[i >> 3]! | mask : out[i >> 3]! & ~mask;
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return end === 0 ? undefined : out.slice(0, end);
}

/** The window indexes whose bits are set in the chunk at `chunkIndex`, ascending. */
export function setIndexes(chunkIndex: bigint, chunk: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let byte = 0; byte < chunk.length; byte++)
    for (let bit = 0; bit < 8; bit++)
      if (chunk[byte]! & (1 << bit)) out.push(chunkIndex * CHUNK_BITS + BigInt(byte * 8 + bit));
  return out;
}
