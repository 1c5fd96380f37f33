import { sha256 } from "../../../chain/crypto/hash.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The canonical bytes of an aggregate: its layers in order, each parameter as an IEEE-754 float32
 * little-endian, nothing else (no header: the layer shape is fixed by the task's model spec on
 * chain). This is also the layout of a TensorFlow.js weights file for those layers, so the blob a
 * committee member uploads is these bytes and its CID's sha2-256 digest is aggregateHash.
 */
export function encodeLayers(layers: readonly Float32Array[]): Uint8Array {
  let total = 0;
  for (const l of layers) total += l.length;
  const out = new Uint8Array(total * 4);
  let offset = 0;
  for (const l of layers) {
    if (LITTLE_ENDIAN) out.set(byteView(l), offset);
    else {
      const view = new DataView(out.buffer, offset, l.length * 4);
      for (let i = 0; i < l.length; i++) view.setFloat32(i * 4, l[i]!, true);
    }
    offset += l.length * 4;
  }
  return out;
}

/** The inverse of encodeLayers for a known layer shape (e.g. a fetched blob). */
export function decodeLayers(bytes: Uint8Array, shape: readonly number[]): Float32Array[] {
  const expected = shape.reduce((a, b) => a + b, 0) * 4;
  if (bytes.length !== expected) {
    throw new AggregationError(
      { code: AggregationErrorCode.ENCODING_LENGTH, length: bytes.length, expected },
      `encoded aggregate has ${bytes.length} bytes, the shape needs ${expected}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  return shape.map((len) => {
    const layer = new Float32Array(len);
    if (LITTLE_ENDIAN) byteView(layer).set(bytes.subarray(offset, offset + len * 4));
    else for (let i = 0; i < len; i++) layer[i] = view.getFloat32(offset + i * 4, true);
    offset += len * 4;
    return layer;
  });
}

/** sha256 of encodeLayers(layers): the hash committee members compare in MsgSubmitAggregate. */
export function aggregateHash(layers: readonly Float32Array[]): Uint8Array {
  // On little-endian hosts the layers already are the encoding: hash them without a copy.
  return LITTLE_ENDIAN ? sha256(...layers.map(byteView)) : sha256(encodeLayers(layers));
}

function byteView(l: Float32Array): Uint8Array {
  return new Uint8Array(l.buffer, l.byteOffset, l.byteLength);
}
