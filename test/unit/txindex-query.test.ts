import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TxQueryError, TxQueryErrorCode } from "../../chain/txindex/errors.ts";
import {
  type Condition,
  MAX_CONDITIONS,
  MAX_QUERY_BYTES,
  formatTxQuery,
  parseTxQuery,
} from "../../chain/txindex/query.ts";

function rejects(q: string, code: TxQueryErrorCode, message: RegExp): void {
  assert.throws(
    () => parseTxQuery(q),
    (e: unknown) => {
      assert.ok(e instanceof TxQueryError, `expected TxQueryError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe("txindex query parser", () => {
  it("parses every operator and operand type", () => {
    const cases: Array<[string, Condition]> = [
      ["tx.height=5", { key: "tx.height", op: "=", operand: { type: "number", text: "5" } }],
      [
        "message.sender = 'cif1abc'",
        { key: "message.sender", op: "=", operand: { type: "string", value: "cif1abc" } },
      ],
      ["a.b < 1.5", { key: "a.b", op: "<", operand: { type: "number", text: "1.5" } }],
      ["a.b <= 1", { key: "a.b", op: "<=", operand: { type: "number", text: "1" } }],
      ["a.b > 1", { key: "a.b", op: ">", operand: { type: "number", text: "1" } }],
      ["a.b >= 1", { key: "a.b", op: ">=", operand: { type: "number", text: "1" } }],
      [
        "transfer.recipient CONTAINS 'cif1'",
        { key: "transfer.recipient", op: "CONTAINS", operand: { type: "string", value: "cif1" } },
      ],
      ["message.action EXISTS", { key: "message.action", op: "EXISTS" }],
      [
        "block.time >= TIME 2013-05-03T14:45:00Z",
        { key: "block.time", op: ">=", operand: { type: "time", text: "2013-05-03T14:45:00Z" } },
      ],
      [
        "block.time < TIME 2013-05-03T14:45:00+02:00",
        { key: "block.time", op: "<", operand: { type: "time", text: "2013-05-03T14:45:00+02:00" } },
      ],
      [
        "block.date = DATE 2013-05-03",
        { key: "block.date", op: "=", operand: { type: "date", text: "2013-05-03" } },
      ],
    ];
    for (const [q, want] of cases) assert.deepEqual(parseTxQuery(q).conditions, [want], q);
  });

  it("parses conjunctions in order, with free whitespace", () => {
    const q = parseTxQuery("  tx.height>=2 AND\ttx.height<4\nAND message.sender='cif1x'  ");
    assert.deepEqual(
      q.conditions.map((c) => [c.key, c.op]),
      [
        ["tx.height", ">="],
        ["tx.height", "<"],
        ["message.sender", "="],
      ],
    );
    assert.equal(formatTxQuery(q), "tx.height >= 2 AND tx.height < 4 AND message.sender = 'cif1x'");
  });

  it("takes strings verbatim: no escapes, any character but a quote", () => {
    const v = "a/b\u0000c AND d='e' \\ ünï 🙂";
    const q = parseTxQuery(`wasm.memo='${v.replace(/'/g, "")}'`);
    assert.deepEqual(q.conditions[0], {
      key: "wasm.memo",
      op: "=",
      operand: { type: "string", value: v.replace(/'/g, "") },
    });
    assert.equal((parseTxQuery("a.b=''").conditions[0] as { operand: { value: string } }).operand.value, "");
  });

  it("accepts keys as CometBFT's scanner does", () => {
    for (const key of ["tx.hash", "_x", "a-b.c_d", "ünï.cödé", "coin_received.receiver", "DATE.x", "TIMEx"]) {
      assert.equal(parseTxQuery(`${key} EXISTS`).conditions[0]!.key, key);
    }
    // "TIME"/"DATE" are keys unless a space follows, where CometBFT starts reading a timestamp.
    assert.equal(parseTxQuery("TIME='x'").conditions[0]!.key, "TIME");
    rejects("TIME EXISTS", TxQueryErrorCode.SYNTAX, /invalid TIME value ""/);
    // Keywords are case-sensitive: lower-case "and" is a tag, hence a syntax error here.
    rejects("a.b=1 and c.d=2", TxQueryErrorCode.SYNTAX, /expected AND or end of query, got tag "and"/);
  });

  it("round-trips through formatTxQuery", () => {
    const text =
      "tx.height > 3 AND a.b = 'x y' AND c.d CONTAINS 'z' AND e.f EXISTS AND g.h <= TIME 2020-01-01T00:00:00Z AND i.j = DATE 2020-02-29";
    assert.equal(formatTxQuery(parseTxQuery(text)), text);
  });

  it("rejects empty queries", () => {
    rejects("", TxQueryErrorCode.EMPTY, /empty query/);
    rejects("   \n\t", TxQueryErrorCode.EMPTY, /empty query/);
  });

  it("rejects an unbalanced quote", () => {
    rejects("message.sender='cif1abc", TxQueryErrorCode.SYNTAX, /offset 15: unterminated string/);
    rejects(
      "message.sender=cif1abc'",
      TxQueryErrorCode.SYNTAX,
      /expected a quoted string, number, TIME or DATE/,
    );
  });

  it("rejects unknown operators", () => {
    rejects("message.sender != 'x'", TxQueryErrorCode.SYNTAX, /offset 15: invalid character "!"/);
    rejects("message.sender LIKE 'x'", TxQueryErrorCode.SYNTAX, /expected an operator .* got tag "LIKE"/);
    rejects(
      "message.sender == 'x'",
      TxQueryErrorCode.SYNTAX,
      /expected a quoted string, number, TIME or DATE after =, got = operator/,
    );
    rejects("message.sender ~ 'x'", TxQueryErrorCode.SYNTAX, /invalid character "~"/);
    rejects('message.sender = "x"', TxQueryErrorCode.SYNTAX, /invalid character "\\"".*single-quoted/);
  });

  it("rejects operands the operator cannot take", () => {
    rejects(
      "tx.height > '5'",
      TxQueryErrorCode.SYNTAX,
      /expected a number, TIME or DATE after >, got string '5'/,
    );
    rejects(
      "a.b CONTAINS 5",
      TxQueryErrorCode.SYNTAX,
      /expected a quoted string after CONTAINS, got number 5/,
    );
    rejects("a.b =", TxQueryErrorCode.SYNTAX, /got end of query/);
    rejects("a.b EXISTS 'x'", TxQueryErrorCode.SYNTAX, /expected AND or end of query, got string 'x'/);
    rejects("a.b = -1", TxQueryErrorCode.SYNTAX, /invalid character "-"/);
  });

  it("rejects malformed conjunctions", () => {
    rejects("a.b=1 AND", TxQueryErrorCode.SYNTAX, /expected a key .* got end of query/);
    rejects("AND a.b=1", TxQueryErrorCode.SYNTAX, /offset 0: expected a key .* got AND operator/);
    rejects("a.b=1 c.d=2", TxQueryErrorCode.SYNTAX, /offset 6: expected AND or end of query, got tag "c.d"/);
    rejects("a.b=1 AND AND c.d=2", TxQueryErrorCode.SYNTAX, /expected a key/);
    rejects("= 'x'", TxQueryErrorCode.SYNTAX, /expected a key/);
  });

  it("validates TIME and DATE operands", () => {
    rejects(
      "a.t > TIME 2013-13-03T14:45:00Z",
      TxQueryErrorCode.SYNTAX,
      /invalid TIME value "2013-13-03T14:45:00Z"/,
    );
    rejects("a.t > TIME 2013-02-30T14:45:00Z", TxQueryErrorCode.SYNTAX, /invalid TIME value/);
    rejects("a.t > TIME 2013-05-03", TxQueryErrorCode.SYNTAX, /invalid TIME value/);
    rejects("a.t > TIME 1899-05-03T14:45:00Z", TxQueryErrorCode.SYNTAX, /TIME year 1899 out of range/);
    rejects("a.t > DATE 2013-5-3", TxQueryErrorCode.SYNTAX, /invalid DATE value "2013-5-3"/);
    rejects("a.t > DATE 3000-01-01", TxQueryErrorCode.SYNTAX, /DATE year 3000 out of range/);
    assert.equal(parseTxQuery("a.t > DATE 2024-02-29").conditions.length, 1);
    rejects("a.t > DATE 2023-02-29", TxQueryErrorCode.SYNTAX, /invalid DATE value/);
  });

  it("limits query length in UTF-8 bytes", () => {
    const prefix = "a.b='";
    const fits = `${prefix}${"x".repeat(MAX_QUERY_BYTES - prefix.length - 1)}'`;
    assert.equal(Buffer.byteLength(fits), MAX_QUERY_BYTES);
    assert.equal(parseTxQuery(fits).conditions.length, 1);
    rejects(
      `${prefix}${"x".repeat(MAX_QUERY_BYTES)}'`,
      TxQueryErrorCode.TOO_LONG,
      /maximum query length exceeded/,
    );
    // 200 two-byte characters: 400 UTF-16 units but over 512 bytes with the rest.
    rejects(`a.b='${"é".repeat(254)}'`, TxQueryErrorCode.TOO_LONG, /limit 512/);
  });

  it("limits the number of conditions", () => {
    const conds = (n: number) => Array.from({ length: n }, (_, i) => `k.a${i}=1`).join(" AND ");
    assert.equal(parseTxQuery(conds(MAX_CONDITIONS)).conditions.length, MAX_CONDITIONS);
    rejects(conds(MAX_CONDITIONS + 1), TxQueryErrorCode.TOO_MANY_CONDITIONS, /at most 16/);
  });
});
