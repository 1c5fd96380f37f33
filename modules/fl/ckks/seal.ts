import SEALModule from "node-seal";
import type { CKKSEncoder } from "node-seal/implementation/ckks-encoder.js";
import type { Context } from "node-seal/implementation/context.js";
import type { Evaluator } from "node-seal/implementation/evaluator.js";
import type { SEALLibrary } from "node-seal/implementation/seal.js";
import { COEFF_MODULUS_BITS, POLY_MODULUS_DEGREE } from "./params.ts";

// node-seal 6.0.3 (SEAL compiled to WebAssembly; version 7 needs WASM GC, which Node 20 lacks).
// Every SEAL object lives in the WASM heap until `.delete()`d: JS garbage collection never frees
// it. So the library, the context, the encoder and the evaluator are made once per process and kept,
// and every other object is made inside `scoped`, which deletes it whatever happens.

export interface Seal {
  seal: SEALLibrary;
  context: Context;
  encoder: CKKSEncoder;
  evaluator: Evaluator;
}

// The package is UMD with ES typings: at run time the default import is the factory itself.
const SEAL = SEALModule as unknown as () => Promise<SEALLibrary>;

let ready: Promise<Seal> | undefined;

/** The library and the fixed parameter set (params.ts), loaded once per process. */
export function loadSeal(): Promise<Seal> {
  ready ??= (async () => {
    const seal = await SEAL();
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    parms.setPolyModulusDegree(POLY_MODULUS_DEGREE);
    const moduli = seal.CoeffModulus.Create(POLY_MODULUS_DEGREE, Int32Array.from(COEFF_MODULUS_BITS));
    parms.setCoeffModulus(moduli);
    const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
    moduli.delete();
    parms.delete();
    if (!context.parametersSet()) throw new Error(`SEAL refused the CKKS parameters: ${context.toHuman()}`);
    return { seal, context, encoder: seal.CKKSEncoder(context), evaluator: seal.Evaluator(context) };
  })();
  return ready;
}

/** Something SEAL allocated in the WASM heap. */
interface Deletable {
  delete(): void;
}

/**
 * Runs `fn` with a `keep` that registers SEAL objects, and deletes every registered object when
 * `fn` ends, by return or throw: the one place SEAL memory is released.
 */
export async function scoped<T>(fn: (keep: <O extends Deletable>(o: O) => O) => T | Promise<T>): Promise<T> {
  const made: Deletable[] = [];
  const keep = <O extends Deletable>(o: O): O => {
    made.push(o);
    return o;
  };
  try {
    return await fn(keep);
  } finally {
    for (const o of made.reverse()) o.delete();
  }
}
