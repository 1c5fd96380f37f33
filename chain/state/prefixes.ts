import { concatBytes, utf8 } from "../crypto/hash.ts";
import type { Write } from "../store/cache-store.ts";
import type { BatchOp } from "../store/level-db.ts";

/** LevelDB key prefix of the application state; blocks use b/, the tx index x/, node metadata m/. */
export const STATE_PREFIX = utf8("s/");

/** A block's (or genesis') state writes as LevelDB batch operations below the state prefix. */
export function stateOps(writes: Write[]): BatchOp[] {
  return writes.map(([k, v]) =>
    v === null
      ? { type: "del", key: concatBytes(STATE_PREFIX, k) }
      : { type: "put", key: concatBytes(STATE_PREFIX, k), value: v },
  );
}
