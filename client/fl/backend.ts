/**
 * The TensorFlow.js backend for training and evaluation (DESIGN section 8): tfjs-node-gpu when it is
 * installed (an optional peer dependency, because its install downloads libtensorflow), then the WASM
 * backend (ships its .wasm files; dense models train ~6x faster than on cpu here, but it lacks conv
 * backprop kernels), then the pure JS cpu backend. `CIFER_TF_BACKEND=wasm|cpu|tensorflow` forces one.
 * Aggregation never uses tfjs: it is deterministic typed-array code (modules/fl/aggregation).
 */
import * as tf from "@tensorflow/tfjs";

export type Tf = typeof tf;
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export class BackendError extends Error {}

let ready: Promise<{ tf: Tf; backend: BackendName }> | undefined;

async function register(name: BackendName): Promise<boolean> {
  try {
    // Module names in variables: the optional package must not be resolved unless it is tried.
    if (name === "tensorflow") await import(["@tensorflow", "tfjs-node-gpu"].join("/"));
    if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Initializes TensorFlow.js once per process and returns it with the backend in use. The first
 * backend of `order` that loads wins; the env variable, when set, is the only one tried.
 */
export function initTf(order: readonly BackendName[] = BACKENDS): Promise<{ tf: Tf; backend: BackendName }> {
  ready ??= (async () => {
    const forced = process.env.CIFER_TF_BACKEND;
    if (forced !== undefined && !BACKENDS.includes(forced as BackendName)) {
      throw new BackendError(`CIFER_TF_BACKEND=${forced}: expected one of ${BACKENDS.join(", ")}`);
    }
    const candidates = forced ? [forced as BackendName] : order;
    for (const name of candidates) {
      if (await register(name)) {
        await tf.ready();
        return { tf, backend: name };
      }
    }
    throw new BackendError(`no TensorFlow.js backend could be loaded (tried ${candidates.join(", ")})`);
  })();
  return ready;
}
