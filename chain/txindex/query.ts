/**
 * Parser for CometBFT's event query language as tx_search takes it (libs/pubsub/query/syntax):
 *
 *   query     := condition ( "AND" condition )*
 *   condition := tag "EXISTS"
 *              | tag "CONTAINS" string
 *              | tag "=" ( string | number | time | date )
 *              | tag ( "<" | "<=" | ">" | ">=" ) ( number | time | date )
 *   tag       := [letter digit _] [letter digit _ . -]*      e.g. tx.height, message.sender
 *   string    := "'" any character but "'" "'"                no escapes, as in CometBFT
 *   number    := digit+ ( "." digit* )?                       no sign, no exponent
 *   time      := "TIME" RFC3339 timestamp (years 1900-2999)   TIME 2013-05-03T14:45:00Z
 *   date      := "DATE" yyyy-mm-dd (years 1900-2999)          DATE 2013-05-03
 *
 * Keywords (AND, EXISTS, CONTAINS, TIME, DATE) are upper case. Whitespace between tokens is free.
 * Offsets in error messages count UTF-16 code units from the start of the query.
 */
import { TxQueryError, TxQueryErrorCode } from "./errors.ts";
import { parseDatestamp, parseTimestamp } from "./values.ts";

/** CometBFT's maxQueryLength for tx_search and subscribe, in bytes of UTF-8. */
export const MAX_QUERY_BYTES = 512;
export const MAX_CONDITIONS = 16;

export type RangeOp = "<" | "<=" | ">" | ">=";
export type Op = "=" | RangeOp | "CONTAINS" | "EXISTS";

export interface StringOperand {
  type: "string";
  value: string;
}
/** text is the literal as written: digits with an optional fractional part. */
export interface NumberOperand {
  type: "number";
  text: string;
}
export interface TimeOperand {
  type: "time";
  text: string;
}
export interface DateOperand {
  type: "date";
  text: string;
}
export type OrderedOperand = NumberOperand | TimeOperand | DateOperand;
export type Operand = StringOperand | OrderedOperand;

export type Condition =
  | { key: string; op: "="; operand: Operand }
  | { key: string; op: RangeOp; operand: OrderedOperand }
  | { key: string; op: "CONTAINS"; operand: StringOperand }
  | { key: string; op: "EXISTS" };

/** A conjunction of conditions, in query order. */
export interface TxQuery {
  conditions: Condition[];
}

type TokenKind = "tag" | "string" | "number" | "time" | "date" | "AND" | "CONTAINS" | "EXISTS" | Op | "end";

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const syntaxError = (msg: string) => new TxQueryError(TxQueryErrorCode.SYNTAX, msg);

const isSpace = (c: string) => /^\s$/u.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";
const isFirstTagChar = (c: string) => /^[\p{L}\p{Nd}_]$/u.test(c);
const isTagChar = (c: string) => /^[\p{L}\p{Nd}_.-]$/u.test(c);
const isTimeChar = (c: string) => isDigit(c) || "-T:+Z".includes(c);
const isDateChar = (c: string) => isDigit(c) || c === "-";

/** Yields the tokens of a query left to right, lazily (so errors come in query order), then "end". */
function* tokenize(q: string): Generator<Token, Token> {
  let i = 0;
  const charAt = (j: number): string => String.fromCodePoint(q.codePointAt(j) ?? 0);
  const scanWhile = (ok: (c: string) => boolean): void => {
    while (i < q.length && ok(charAt(i))) i += charAt(i).length;
  };
  while (i < q.length) {
    const c = charAt(i);
    const start = i;
    if (isSpace(c)) {
      i += c.length;
    } else if (isDigit(c)) {
      scanWhile(isDigit);
      if (q[i] === ".") {
        i++;
        scanWhile(isDigit);
      }
      yield { kind: "number", text: q.slice(start, i), pos: start };
    } else if (isFirstTagChar(c)) {
      scanWhile(isTagChar);
      const word = q.slice(start, i);
      if ((word === "TIME" || word === "DATE") && q[i] === " ") {
        scanWhile(isSpace);
        const valueStart = i;
        scanWhile(word === "TIME" ? isTimeChar : isDateChar);
        yield stamp(word, q.slice(valueStart, i), start);
      } else if (word === "AND" || word === "CONTAINS" || word === "EXISTS") {
        yield { kind: word, text: word, pos: start };
      } else {
        yield { kind: "tag", text: word, pos: start };
      }
    } else if (c === "'") {
      const close = q.indexOf("'", i + 1);
      if (close < 0) throw syntaxError(`offset ${start}: unterminated string: missing closing quote (')`);
      yield { kind: "string", text: q.slice(i + 1, close), pos: start };
      i = close + 1;
    } else if (c === "=" || c === "<" || c === ">") {
      i++;
      if (c !== "=" && q[i] === "=") i++;
      yield { kind: q.slice(start, i) as Op, text: q.slice(start, i), pos: start };
    } else {
      throw syntaxError(
        `offset ${start}: invalid character ${JSON.stringify(c)}; operators are =, <, <=, >, >=, CONTAINS and EXISTS, strings are single-quoted`,
      );
    }
  }
  return { kind: "end", text: "", pos: q.length };
}

function stamp(word: "TIME" | "DATE", text: string, pos: number): Token {
  const t = word === "TIME" ? parseTimestamp(text) : parseDatestamp(text);
  const format = word === "TIME" ? "TIME yyyy-mm-ddThh:mm:ssZ (or a ±hh:mm offset)" : "DATE yyyy-mm-dd";
  if (t === undefined)
    throw syntaxError(`offset ${pos}: invalid ${word} value ${JSON.stringify(text)}, want ${format}`);
  const year = Number(text.slice(0, 4));
  if (year < 1900 || year > 2999)
    throw syntaxError(`offset ${pos}: ${word} year ${year} out of range [1900, 2999]`);
  return { kind: word === "TIME" ? "time" : "date", text, pos };
}

function describe(t: Token): string {
  switch (t.kind) {
    case "end":
      return "end of query";
    case "tag":
      return `tag ${JSON.stringify(t.text)}`;
    case "string":
      return `string '${t.text}'`;
    case "number":
    case "time":
    case "date":
      return `${t.kind} ${t.text}`;
    default:
      return `${t.kind} operator`;
  }
}

const OPERATORS: readonly TokenKind[] = ["=", "<", "<=", ">", ">=", "CONTAINS", "EXISTS"];
const ORDERED: readonly TokenKind[] = ["number", "time", "date"];

/** Parses a tx_search query. Throws TxQueryError (code SYNTAX, EMPTY, TOO_LONG, TOO_MANY_CONDITIONS). */
export function parseTxQuery(q: string): TxQuery {
  const bytes = Buffer.byteLength(q, "utf8");
  if (bytes > MAX_QUERY_BYTES) {
    throw new TxQueryError(
      TxQueryErrorCode.TOO_LONG,
      `maximum query length exceeded: ${bytes} bytes, limit ${MAX_QUERY_BYTES}`,
    );
  }
  if (q.trim() === "") throw new TxQueryError(TxQueryErrorCode.EMPTY, "empty query: want e.g. tx.height=5");
  const tokens = tokenize(q);
  let last: Token | undefined;
  const next = (): Token => {
    if (last?.kind !== "end") last = tokens.next().value;
    return last!;
  };
  const expect = (kinds: readonly TokenKind[], what: string): Token => {
    const t = next();
    if (!kinds.includes(t.kind)) throw syntaxError(`offset ${t.pos}: expected ${what}, got ${describe(t)}`);
    return t;
  };

  const conditions: Condition[] = [];
  for (;;) {
    if (conditions.length === MAX_CONDITIONS) {
      throw new TxQueryError(
        TxQueryErrorCode.TOO_MANY_CONDITIONS,
        `too many conditions: at most ${MAX_CONDITIONS} may be joined by AND`,
      );
    }
    const key = expect(["tag"], "a key such as tx.height or message.sender").text;
    const op = expect(OPERATORS, "an operator (=, <, <=, >, >=, CONTAINS or EXISTS)").kind as Op;
    if (op === "EXISTS") {
      conditions.push({ key, op });
    } else if (op === "CONTAINS") {
      const t = expect(["string"], "a quoted string after CONTAINS");
      conditions.push({ key, op, operand: { type: "string", value: t.text } });
    } else if (op === "=") {
      const t = expect(["string", ...ORDERED], "a quoted string, number, TIME or DATE after =");
      conditions.push({ key, op, operand: operand(t) });
    } else {
      const t = expect(ORDERED, `a number, TIME or DATE after ${op}`);
      conditions.push({ key, op, operand: operand(t) as OrderedOperand });
    }
    const t = next();
    if (t.kind === "end") return { conditions };
    if (t.kind !== "AND")
      throw syntaxError(`offset ${t.pos}: expected AND or end of query, got ${describe(t)}`);
  }
}

function operand(t: Token): Operand {
  if (t.kind === "string") return { type: "string", value: t.text };
  return { type: t.kind as OrderedOperand["type"], text: t.text };
}

/** The canonical text of a query, as CometBFT prints it: `key op operand` joined by " AND ". */
export function formatTxQuery(q: TxQuery): string {
  return q.conditions
    .map((c) => {
      if (c.op === "EXISTS") return `${c.key} EXISTS`;
      const o = c.operand;
      const arg =
        o.type === "string"
          ? `'${o.value}'`
          : o.type === "number"
            ? o.text
            : `${o.type.toUpperCase()} ${o.text}`;
      return `${c.key} ${c.op} ${arg}`;
    })
    .join(" AND ");
}
