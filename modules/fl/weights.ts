import { firstNonFinite } from "./aggregation/validate.ts";

// The one check of a weights blob (an update, an aggregate, a global model), shared by the trainer
// SDK (client/fl/model.ts), the committee's aggregator service and the node's upload check: the
// blob is exactly the model's float32 parameters, little-endian in weightSpecs order (tfjs'
// weightData, see model-spec.ts), and every value is finite (a NaN or an infinity would poison
// every mean and make sorting meaningless). Pure; no tfjs.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type WeightsErrorCode = "SIZE" | "NOT_FINITE";

export class WeightsError extends Error {
  override name = "WeightsError";
  constructor(
    readonly code: WeightsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parameters of each weight, in spec order. */
export const layerSizes = (weightSpecs: readonly { shape: readonly number[] }[]): number[] =>
  weightSpecs.map((w) => w.shape.reduce((a, b) => a * b, 1));

const sum = (sizes: readonly number[]) => sizes.reduce((a, b) => a + b, 0);

/**
 * The weights in `bytes` as one Float32Array per layer of `sizes` (views into the bytes, or into a
 * copy when they are not 4-byte aligned). Throws WeightsError SIZE when the byte count is not
 * exactly 4 x the parameter count, NOT_FINITE at the first NaN or infinity.
 */
export function checkedWeights(sizes: readonly number[], bytes: Uint8Array): Float32Array[] {
  if (!LITTLE_ENDIAN) throw new Error("float32 weights are little-endian: a big-endian host is unsupported");
  const expected = sum(sizes) * 4;
  if (bytes.length !== expected)
    throw new WeightsError("SIZE", `weights have ${bytes.length} bytes, the model needs ${expected}`);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const all = new Float32Array(aligned.buffer, aligned.byteOffset, expected / 4);
  const bad = firstNonFinite(all);
  if (bad >= 0) throw new WeightsError("NOT_FINITE", `weight ${bad} is not finite (${all[bad]})`);
  const out: Float32Array[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(all.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * The same check over bytes that arrive in chunks (an upload streaming to disk): `write` throws
 * at the first non-finite value or once the bytes exceed `expectedBytes`, `end` if there are fewer.
 * A float32 split across chunks is carried to the next one.
 */
export class WeightsStreamCheck {
  private received = 0;
  private readonly carry = new Uint8Array(4);
  private carried = 0;

  constructor(readonly expectedBytes: number) {
    if (expectedBytes % 4 !== 0) throw new Error("a weights blob is a whole number of float32s");
  }

  write(chunk: Uint8Array): void {
    if (this.received + chunk.length > this.expectedBytes)
      throw new WeightsError(
        "SIZE",
        `weights have more than the ${this.expectedBytes} bytes the model needs`,
      );
    // `base` is the blob offset of chunk[0]; the carry holds the bytes just before it.
    const base = this.received;
    let pos = 0;
    if (this.carried > 0) {
      pos = Math.min(4 - this.carried, chunk.length);
      this.carry.set(chunk.subarray(0, pos), this.carried);
      this.carried += pos;
      if (this.carried === 4) {
        this.scan(this.carry, base + pos - 4);
        this.carried = 0;
      }
    }
    const rest = chunk.length - pos;
    const whole = rest - (rest % 4);
    if (whole > 0) this.scan(chunk.subarray(pos, pos + whole), base + pos);
    if (rest > whole) {
      this.carry.set(chunk.subarray(pos + whole), this.carried);
      this.carried += rest - whole;
    }
    this.received += chunk.length;
  }

  end(): void {
    if (this.received !== this.expectedBytes)
      throw new WeightsError(
        "SIZE",
        `weights have ${this.received} bytes, the model needs ${this.expectedBytes}`,
      );
  }

  /** Checks whole float32s starting at byte `offset` of the blob. */
  private scan(bytes: Uint8Array, offset: number): void {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const values = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
    const bad = firstNonFinite(values);
    if (bad >= 0)
      throw new WeightsError("NOT_FINITE", `weight ${offset / 4 + bad} is not finite (${values[bad]})`);
  }
}
