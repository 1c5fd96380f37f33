/**
 * Turns a parsed query into what the search evaluates: tx.hash lookups, one inclusive tx.height
 * range (the intersection of every tx.height condition) and the event-attribute conditions,
 * exact matches first. Rejects conditions the reserved keys cannot take, before any I/O.
 */
import { fromHex, utf8 } from "../crypto/hash.ts";
import { TxQueryError, TxQueryErrorCode } from "./errors.ts";
import { MAX_U64 } from "./keys.ts";
import { type Condition, type RangeOp, formatTxQuery } from "./query.ts";
import {
  type Instant,
  compareDecimals,
  compareInstants,
  parseDatestamp,
  parseDecimal,
  parseTimestamp,
} from "./values.ts";

export const TX_HASH_KEY = "tx.hash";
export const TX_HEIGHT_KEY = "tx.height";

/** A condition on an event attribute, ready to run against the index. */
export type EventMatcher =
  | { kind: "exact"; text: string; key: Uint8Array; value: Uint8Array }
  | { kind: "scan"; text: string; key: Uint8Array; matches: (value: Uint8Array) => boolean };

export interface QueryPlan {
  hashes: Uint8Array[];
  /** Inclusive height bounds; lo > hi means nothing can match. */
  lo: bigint;
  hi: bigint;
  events: EventMatcher[];
}

const unsupported = (c: Condition, why: string) =>
  new TxQueryError(TxQueryErrorCode.UNSUPPORTED, `${formatTxQuery({ conditions: [c] })}: ${why}`);

export function planQuery(conditions: Condition[]): QueryPlan {
  const plan: QueryPlan = { hashes: [], lo: 0n, hi: MAX_U64, events: [] };
  const scans: EventMatcher[] = [];
  for (const c of conditions) {
    if (c.key === TX_HASH_KEY) plan.hashes.push(hashOperand(c));
    else if (c.key === TX_HEIGHT_KEY) narrowHeight(plan, c);
    else if (c.op === "=") {
      const value = c.operand.type === "string" ? c.operand.value : c.operand.text;
      plan.events.push({
        kind: "exact",
        text: formatTxQuery({ conditions: [c] }),
        key: utf8(c.key),
        value: utf8(value),
      });
    } else {
      scans.push({
        kind: "scan",
        text: formatTxQuery({ conditions: [c] }),
        key: utf8(c.key),
        matches: matcher(c),
      });
    }
  }
  plan.events.push(...scans);
  return plan;
}

function hashOperand(c: Condition): Uint8Array {
  if (c.op !== "=" || c.operand.type !== "string") {
    throw unsupported(c, "tx.hash takes only = with a quoted hex hash, e.g. tx.hash='AB12...'");
  }
  const hex = c.operand.value;
  if (hex === "" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TxQueryError(
      TxQueryErrorCode.INVALID_HASH,
      `tx.hash: ${JSON.stringify(hex)} is not a hex string`,
    );
  }
  return fromHex(hex);
}

/** Applies one tx.height condition to the plan's [lo, hi]; heights are integers, operands may not be. */
function narrowHeight(plan: QueryPlan, c: Condition): void {
  if (c.op === "EXISTS") return;
  if (c.op === "CONTAINS" || c.operand.type !== "number") {
    throw unsupported(c, "tx.height takes =, <, <=, >, >= with a number, or EXISTS");
  }
  const m = /^(\d+)(?:\.(\d*))?$/.exec(c.operand.text)!;
  const floor = BigInt(m[1]!);
  const integral = !/[1-9]/.test(m[2] ?? "");
  const ceil = integral ? floor : floor + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  switch (c.op) {
    case "=":
      if (!integral) plan.hi = -1n;
      plan.lo = max(plan.lo, floor);
      plan.hi = min(plan.hi, floor);
      break;
    case ">":
      plan.lo = max(plan.lo, floor + 1n);
      break;
    case ">=":
      plan.lo = max(plan.lo, ceil);
      break;
    case "<":
      plan.hi = min(plan.hi, ceil - 1n);
      break;
    case "<=":
      plan.hi = min(plan.hi, floor);
      break;
  }
}

const dec = new TextDecoder();

function matcher(c: Exclude<Condition, { op: "=" }>): (value: Uint8Array) => boolean {
  if (c.op === "EXISTS") return () => true;
  if (c.op === "CONTAINS") {
    const needle = Buffer.from(utf8(c.operand.value));
    return (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).includes(needle);
  }
  const holds = opHolds(c.op);
  const o = c.operand;
  if (o.type === "number") {
    const bound = parseDecimal(o.text)!;
    return (v) => {
      const d = parseDecimal(dec.decode(v));
      return d !== undefined && holds(compareDecimals(d, bound));
    };
  }
  const parse: (s: string) => Instant | undefined = o.type === "time" ? parseTimestamp : parseDatestamp;
  const bound = parse(o.text)!;
  return (v) => {
    const t = parse(dec.decode(v));
    return t !== undefined && holds(compareInstants(t, bound));
  };
}

function opHolds(op: RangeOp): (cmp: number) => boolean {
  switch (op) {
    case "<":
      return (x) => x < 0;
    case "<=":
      return (x) => x <= 0;
    case ">":
      return (x) => x > 0;
    case ">=":
      return (x) => x >= 0;
  }
}
