/**
 * TensorFlow.js for the `cifer fl` commands that train or build models. It is imported only here,
 * on demand, so the rest of the CLI starts without loading it; a backend that cannot start becomes
 * a one-line CLI error.
 */
import type { BackendName, Tf } from "../fl/backend.ts";
import { CliError } from "./errors.ts";

export async function loadTf(): Promise<{ tf: Tf; backend: BackendName }> {
  const { BackendError, initTf } = await import("../fl/backend.ts");
  try {
    return await initTf();
  } catch (e) {
    if (e instanceof BackendError) throw new CliError(e.message);
    throw e;
  }
}
