/**
 * Evaluates a query plan against the index: every condition yields a set of tx positions, the
 * sets are intersected (AND is per tx), and the result comes back sorted by (height, index).
 *
 * Work is bounded (SearchLimits). A condition may yield at most maxCandidates positions and a query
 * may read at most maxScannedEntries index entries; past either the query fails with TOO_MANY_RESULTS
 * rather than tying up the node. A condition that overflows while nothing narrows it yet is
 * retried after the others have produced a candidate set, so the order of conditions in the
 * query does not matter for e.g. `message.action='/cosmos.bank.v1beta1.MsgSend' AND message.sender='cif1...'`.
 */
import { prefixEnd } from "../store/kv.ts";
import type { LevelDB } from "../store/level-db.ts";
import { TxQueryError, TxQueryErrorCode } from "./errors.ts";
import {
  P_HEIGHT,
  decodeLoc,
  eventKey,
  eventKeyPrefix,
  eventValueRange,
  hashKey,
  heightRange,
  locToPos,
  parseEventKey,
  posToLoc,
} from "./keys.ts";
import type { EventMatcher, QueryPlan } from "./plan.ts";

export interface SearchLimits {
  /** Most positions one condition may yield. */
  maxCandidates: number;
  /** Most index entries (scanned or point-read) one query may touch. */
  maxScannedEntries: number;
}

export const DEFAULT_SEARCH_LIMITS: Readonly<SearchLimits> = {
  maxCandidates: 100_000,
  maxScannedEntries: 1_000_000,
};
/** Below this many candidates an exact-match condition is checked by point reads, not a scan. */
const POINT_READ_MAX = 1024;

class Overflow extends Error {
  constructor(
    readonly condition: string,
    readonly limit: number,
  ) {
    super(condition);
  }
}

interface Budget {
  scanned: number;
  readonly limits: SearchLimits;
}

/** Positions (height << 32 | index) matching every condition of the plan, ascending. */
export async function findPositions(
  db: LevelDB,
  plan: QueryPlan,
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
): Promise<bigint[]> {
  if (plan.lo > plan.hi) return [];
  const budget: Budget = { scanned: 0, limits };
  const inHeight = (pos: bigint) => {
    const h = pos >> 32n;
    return h >= plan.lo && h <= plan.hi;
  };

  let current: Set<bigint> | undefined;
  for (const hash of plan.hashes) {
    const raw = await read(db, hashKey(hash), budget);
    const pos = raw === undefined ? undefined : locToPos(decodeLoc(raw));
    current =
      pos !== undefined && inHeight(pos) && (current === undefined || current.has(pos))
        ? new Set([pos])
        : new Set();
    if (current.size === 0) return [];
  }

  const deferred: EventMatcher[] = [];
  for (const m of plan.events) {
    try {
      current = await evaluate(db, m, plan, current, budget);
    } catch (e) {
      if (!(e instanceof Overflow) || current !== undefined) throw tooMany(e);
      deferred.push(m);
      continue;
    }
    if (current.size === 0) return [];
  }
  for (const m of deferred) {
    if (current === undefined) throw tooMany(new Overflow(m.text, limits.maxCandidates));
    current = await orTooMany(evaluate(db, m, plan, current, budget));
    if (current.size === 0) return [];
  }

  if (current === undefined) current = await orTooMany(byHeight(db, plan, budget));
  return [...current].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function orTooMany<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw tooMany(e);
  }
}

function tooMany(e: unknown): unknown {
  if (!(e instanceof Overflow)) return e;
  return new TxQueryError(
    TxQueryErrorCode.TOO_MANY_RESULTS,
    `condition ${e.condition} matches more than ${e.limit} txs; narrow the query, e.g. with tx.height bounds or an exact-match condition`,
  );
}

/** The positions matching one event condition, within the height bounds and the current set. */
async function evaluate(
  db: LevelDB,
  m: EventMatcher,
  plan: QueryPlan,
  current: Set<bigint> | undefined,
  budget: Budget,
): Promise<Set<bigint>> {
  const out = new Set<bigint>();
  const add = (pos: bigint) => {
    if (current !== undefined && !current.has(pos)) return;
    out.add(pos);
    if (out.size > budget.limits.maxCandidates) throw new Overflow(m.text, budget.limits.maxCandidates);
  };

  if (m.kind === "exact" && current !== undefined && current.size <= POINT_READ_MAX) {
    for (const pos of current) {
      if ((await read(db, eventKey(m.key, m.value, posToLoc(pos)), budget)) !== undefined) out.add(pos);
    }
    return out;
  }
  if (m.kind === "exact") {
    const { start, end } = eventValueRange(m.key, m.value, plan.lo, plan.hi);
    const prefixLen = eventKeyPrefix(m.key).length;
    for await (const [k] of scan(db, start, end, budget)) add(locToPos(parseEventKey(k, prefixLen).loc));
    return out;
  }
  const prefix = eventKeyPrefix(m.key);
  for await (const [k] of scan(db, prefix, prefixEnd(prefix), budget)) {
    const { value, loc } = parseEventKey(k, prefix.length);
    if (loc.height < plan.lo || loc.height > plan.hi || !m.matches(value)) continue;
    add(locToPos(loc));
  }
  return out;
}

/** Every tx in the height bounds: the answer to a query with only tx.height conditions. */
async function byHeight(db: LevelDB, plan: QueryPlan, budget: Budget): Promise<Set<bigint>> {
  const out = new Set<bigint>();
  const { start, end } = heightRange(plan.lo, plan.hi);
  for await (const [k] of scan(db, start, end, budget)) {
    out.add(locToPos(decodeLoc(k.subarray(P_HEIGHT.length))));
    if (out.size > budget.limits.maxCandidates) {
      throw new Overflow(`tx.height in [${plan.lo}, ${plan.hi}]`, budget.limits.maxCandidates);
    }
  }
  return out;
}

async function read(db: LevelDB, key: Uint8Array, budget: Budget): Promise<Uint8Array | undefined> {
  charge(budget);
  return db.get(key);
}

async function* scan(db: LevelDB, start: Uint8Array, end: Uint8Array | undefined, budget: Budget) {
  for await (const e of db.iterate(start, end)) {
    charge(budget);
    yield e;
  }
}

function charge(budget: Budget): void {
  if (++budget.scanned > budget.limits.maxScannedEntries) {
    throw new TxQueryError(
      TxQueryErrorCode.TOO_MANY_RESULTS,
      `query reads more than ${budget.limits.maxScannedEntries} index entries; narrow it, e.g. with exact-match conditions or tx.height bounds`,
    );
  }
}
