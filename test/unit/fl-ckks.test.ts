import assert from "node:assert/strict";
import { before, test } from "node:test";
import { decodeCkksBlob } from "../../modules/fl/ckks/blob.ts";
import { CkksError, CkksErrorCode } from "../../modules/fl/ckks/errors.ts";
import { decryptSum, encryptUpdate, generateCkksKeys, sumCiphertexts } from "../../modules/fl/ckks/ops.ts";
import { CIPHERTEXT_BYTES, ckksBlobBytes } from "../../modules/fl/ckks/params.ts";
import { loadSeal } from "../../modules/fl/ckks/seal.ts";

// Privacy mode ckks (issue #6, item 6) with node-seal 6.0.3: trainers encrypt weights x samples,
// the committee adds ciphertexts (the same bytes in any order), the owner decrypts FedAvg within
// CKKS precision; a wrong key decrypts to noise; SEAL memory stays flat over 100 cycles.

// node-seal does not expose its WebAssembly memory: catch it when the module is instantiated.
// (The project's TypeScript libs do not declare the WebAssembly API: the little used is typed here.)
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmApi {
  instantiate: (...args: unknown[]) => Promise<WasmInstance | { instance: WasmInstance }>;
  Memory: new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const memories: WasmMemory[] = [];
const instantiate = wasmApi.instantiate;
wasmApi.instantiate = async (...args: unknown[]) => {
  const r = await instantiate.apply(wasmApi, args);
  const instance = "instance" in r ? r.instance : r;
  for (const v of Object.values(instance.exports)) if (v instanceof wasmApi.Memory) memories.push(v);
  return r;
};

let keys: { publicKey: Uint8Array; secretKey: Uint8Array };
const N = 10_000;
const model = (seed: number) => Float32Array.from({ length: N }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);

before(async () => {
  keys = await generateCkksKeys();
});

const maxError = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test("one update: its size is the chain's; decrypting gives it back within 1e-5", async () => {
  const w = model(1);
  const blob = await encryptUpdate(w, 1, keys.publicKey);
  assert.equal(BigInt(blob.length), ckksBlobBytes(BigInt(N)), "3 ciphertexts of fixed size");
  for (const c of decodeCkksBlob(blob, N)) assert.equal(c.length, CIPHERTEXT_BYTES);
  const back = await decryptSum(blob, keys.secretKey, 1, N);
  // Measured: about 1e-7 at scale 2^40 with values below 1.
  assert.ok(maxError(back, w) < 1e-5, `max error ${maxError(back, w)}`);
});

test("the committee's sum is the same bytes in any order and decrypts to FedAvg", async () => {
  const ws = [model(1), model(2), model(3)];
  const samples = [10, 30, 60];
  const blobs = await Promise.all(ws.map((w, i) => encryptUpdate(w, samples[i]!, keys.publicKey)));
  const sum = await sumCiphertexts(blobs, N);
  const again = await sumCiphertexts([blobs[2]!, blobs[0]!, blobs[1]!], N);
  assert.deepEqual(Buffer.from(again), Buffer.from(sum), "addition is exact: order does not matter");
  assert.equal(BigInt(sum.length), ckksBlobBytes(BigInt(N)));
  const fedavg = Float32Array.from(
    { length: N },
    (_, i) => (ws[0]![i]! * 10 + ws[1]![i]! * 30 + ws[2]![i]! * 60) / 100,
  );
  const got = await decryptSum(sum, keys.secretKey, 100, N);
  assert.ok(maxError(got, fedavg) < 1e-5, `max error ${maxError(got, fedavg)}`);
});

test("another owner's secret key decrypts to noise, not to the model", async () => {
  const w = model(4);
  const blob = await encryptUpdate(w, 1, keys.publicKey);
  const other = await generateCkksKeys();
  const noise = await decryptSum(blob, other.secretKey, 1, N);
  assert.ok(
    maxError(noise, w) > 1,
    `CKKS does not detect a wrong key; the result is garbage (${maxError(noise, w)})`,
  );
});

test("malformed blobs and keys are refused with typed errors", async () => {
  const blob = await encryptUpdate(model(5), 1, keys.publicKey);
  const malformed = (e: unknown) => e instanceof CkksError && e.code === CkksErrorCode.MALFORMED;
  await assert.rejects(sumCiphertexts([blob.subarray(0, blob.length - 1)], N), malformed);
  await assert.rejects(sumCiphertexts([blob], N + 1), malformed);
  const bent = Uint8Array.from(blob);
  bent.fill(0xff, 30, 200);
  await assert.rejects(sumCiphertexts([bent], N), malformed);
  await assert.rejects(
    encryptUpdate(model(5), 1, new Uint8Array(100)),
    (e: unknown) => e instanceof CkksError && e.code === CkksErrorCode.INVALID_KEY,
  );
  await assert.rejects(
    encryptUpdate(Float32Array.of(Number.NaN), 1, keys.publicKey),
    (e: unknown) => e instanceof CkksError && e.code === CkksErrorCode.INVALID_VALUES,
  );
});

test("SEAL objects are freed: the WASM heap stays flat over 100 encrypt-sum-decrypt cycles", async () => {
  await loadSeal();
  const small = Float32Array.from({ length: 100 }, (_, i) => i / 100);
  const cycle = async () => {
    const a = await encryptUpdate(small, 2, keys.publicKey);
    const b = await encryptUpdate(small, 3, keys.publicKey);
    await decryptSum(await sumCiphertexts([a, b], 100), keys.secretKey, 5, 100);
  };
  // The WASM memory only grows (it is never given back); a leak of a few ciphertexts per cycle
  // (each ~400 KB in the heap) would grow it by tens of MB over 100 cycles.
  const heap = () => wasmMemoryBytes();
  for (let i = 0; i < 10; i++) await cycle();
  const warm = heap();
  for (let i = 0; i < 100; i++) await cycle();
  const grown = heap() - warm;
  assert.ok(grown <= 4 * 1024 * 1024, `the WASM heap grew by ${grown} bytes over 100 cycles`);
});

/** Bytes of SEAL's WebAssembly memory (it grows when the heap needs more, and never shrinks). */
function wasmMemoryBytes(): number {
  assert.equal(memories.length, 1, "SEAL's WebAssembly memory was caught at instantiation");
  return memories[0]!.buffer.byteLength;
}
