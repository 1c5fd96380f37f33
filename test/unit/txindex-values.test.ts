import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareDecimals,
  compareInstants,
  parseDatestamp,
  parseDecimal,
  parseTimestamp,
} from "../../chain/txindex/values.ts";

const cmp = (a: string, b: string) => compareDecimals(parseDecimal(a)!, parseDecimal(b)!);
const cmpT = (a: string, b: string) => compareInstants(parseTimestamp(a)!, parseTimestamp(b)!);

describe("txindex value comparison", () => {
  it("compares decimals exactly, not lexicographically", () => {
    assert.equal(cmp("10", "9"), 1);
    assert.equal(cmp("2.5", "10"), -1);
    assert.equal(cmp("007", "7.000"), 0);
    assert.equal(cmp("0", "-0.0"), 0);
    assert.equal(cmp("-3", "2"), -1);
    assert.equal(cmp("-3", "-20"), 1);
    assert.equal(cmp("1e3", "999.9"), 1);
    assert.equal(cmp(".5", "0.50"), 0);
    assert.equal(cmp("5.", "5"), 0);
    assert.equal(cmp("+1", "1"), 0);
    // Beyond float64: 2^64 + 1 vs 2^64.
    assert.equal(cmp("18446744073709551617", "18446744073709551616"), 1);
    assert.equal(cmp("0.1000000000000000000001", "0.1"), 1);
  });

  it("rejects non-numbers", () => {
    for (const s of ["", "abc", "8atom", "1.2.3", "1e", "--1", ".", "0x10", "Inf", " 1"]) {
      assert.equal(parseDecimal(s), undefined, s);
    }
  });

  it("parses RFC 3339 timestamps and dates as instants", () => {
    assert.deepEqual(parseTimestamp("1970-01-01T00:00:00Z"), { seconds: 0, nanos: 0 });
    assert.deepEqual(parseTimestamp("2013-05-03T14:45:00Z"), { seconds: 1367592300, nanos: 0 });
    assert.equal(cmpT("2013-05-03T16:45:00+02:00", "2013-05-03T14:45:00Z"), 0);
    assert.equal(cmpT("2013-05-03T14:45:00.000000001Z", "2013-05-03T14:45:00Z"), 1);
    assert.equal(cmpT("2013-05-03T14:45:00.5Z", "2013-05-03T14:45:00.499999999Z"), 1);
    assert.deepEqual(parseDatestamp("2013-05-03"), { seconds: 1367539200, nanos: 0 });
    assert.deepEqual(parseDatestamp("2000-02-29"), { seconds: 951782400, nanos: 0 });
    for (const s of ["2013-05-03", "2013-05-03T24:00:00Z", "2013-05-03T14:45:00", "2013-02-29T00:00:00Z"]) {
      assert.equal(parseTimestamp(s), undefined, s);
    }
    assert.equal(parseDatestamp("1900-02-29"), undefined);
  });
});
