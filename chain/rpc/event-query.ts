/**
 * Subscription queries (`subscribe`'s params.query): the tx_search language (chain/txindex/query.ts
 * parses it), evaluated against one event's attribute map as CometBFT's pubsub does. A condition
 * holds when any value of its composite key satisfies it; a query holds when every condition does.
 * `=` with a number operand and the range operators compare numerically, with TIME / DATE operands
 * as instants; values that do not parse never match.
 */
import { TxQueryError } from "../txindex/errors.ts";
import { type Condition, parseTxQuery } from "../txindex/query.ts";
import {
  compareDecimals,
  compareInstants,
  type Instant,
  parseDatestamp,
  parseDecimal,
  parseTimestamp,
} from "../txindex/values.ts";

/** Composite key ("type.attribute", e.g. message.sender, tm.event) -> values, in event order. */
export type EventAttributes = Readonly<Record<string, readonly string[]>>;

export interface EventQuery {
  /** The query as the client sent it: events are tagged with this text. */
  text: string;
  conditions: Condition[];
}

export class EventQueryError extends Error {}

/** Parses a subscription query; throws EventQueryError with the parser's message. */
export function parseEventQuery(text: string): EventQuery {
  try {
    return { text, conditions: parseTxQuery(text).conditions };
  } catch (e) {
    if (e instanceof TxQueryError) throw new EventQueryError(`failed to parse query: ${e.message}`);
    throw e;
  }
}

export function matchesEvent(q: EventQuery, attrs: EventAttributes): boolean {
  return q.conditions.every((c) => (attrs[c.key] ?? []).some((v) => holds(c, v)));
}

function holds(c: Condition, value: string): boolean {
  if (c.op === "EXISTS") return true;
  if (c.op === "CONTAINS") return value.includes(c.operand.value);
  const o = c.operand;
  if (o.type === "string") return c.op === "=" && value === o.value;
  let cmp: number | undefined;
  if (o.type === "number") {
    const d = parseDecimal(value);
    cmp = d === undefined ? undefined : compareDecimals(d, parseDecimal(o.text)!);
  } else {
    const parse: (s: string) => Instant | undefined = o.type === "time" ? parseTimestamp : parseDatestamp;
    const t = parse(value);
    cmp = t === undefined ? undefined : compareInstants(t, parse(o.text)!);
  }
  if (cmp === undefined) return false;
  switch (c.op) {
    case "=":
      return cmp === 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
  }
}
