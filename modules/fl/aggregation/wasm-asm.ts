/**
 * A minimal WebAssembly assembler for the aggregation kernels (fedavg-wasm.ts, network-wasm.ts):
 * the binary encodings of the few instructions and sections they use, and their compilation. The
 * kernels are small and hand-written in the text format (each file shows its text), so the bytes
 * are built here rather than shipped as an opaque .wasm blob.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A vector: its length, then the items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]));

// Instructions.
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32Const = (v: number) => [0x41, ...uleb(v)]; // v < 64: the signed LEB128 is the same byte
/** memarg: alignment 2^2 = 4 bytes (a hint), offset. */
export const i32Load = (offset: number) => [0x28, 2, ...uleb(offset)];
export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_LT_U = [0x49];
export const I32_GE_U = [0x4f];
export const F64_ADD = [0xa0];
export const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
/** memarg: alignment 2^4 = 16 bytes (a hint), offset. */
export const v128Load = (offset: number) => simd(0x00, 4, ...uleb(offset));
export const v128Store = (offset: number) => simd(0x0b, 4, ...uleb(offset));
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const END = [0x0b];
export const br = (depth: number) => [0x0c, depth];
export const brIf = (depth: number) => [0x0d, depth];

/**
 * A module of one function importing its memory as env.memory (at least one page): the function's
 * parameter and result types, its locals as [count, type] runs, its body (without the final end),
 * exported under `exportName`.
 */
export function oneFunctionModule(
  exportName: string,
  params: number[],
  results: number[],
  locals: Array<[number, number]>,
  body: number[],
): Uint8Array {
  const code = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body, ...END];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))]])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 1]])), // a memory of >= 1 page
    ...section(3, vec([[0]])), // one function, of type 0
    ...section(7, vec([[...name(exportName), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** The little of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (limits: { initial: number }) => { readonly buffer: ArrayBuffer };
}

export interface CompiledKernel {
  wasm: WebAssemblyApi;
  module: object;
}

/** The compiled module, or null without WebAssembly or its SIMD (node --jitless, old CPUs). */
export function compileKernel(bytes: () => Uint8Array): CompiledKernel | null {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    return { wasm, module: new wasm.Module(bytes()) };
  } catch {
    return null; // no SIMD on this CPU or engine
  }
}

/**
 * An instance on a new memory of at least `bytes`, or null when that memory cannot be had. The
 * memory is made here and imported, never grown: growing detaches its old ArrayBuffer, and after
 * the first detached ArrayBuffer V8 guards every typed-array access in the process.
 */
export function instantiate(
  k: CompiledKernel,
  bytes: number,
): { memory: { readonly buffer: ArrayBuffer }; exports: unknown } | null {
  try {
    const memory = new k.wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const { exports } = new k.wasm.Instance(k.module, { env: { memory } });
    return { memory, exports };
  } catch {
    return null; // out of memory: the JS paths need none
  }
}
