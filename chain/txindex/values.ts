/**
 * Exact comparison of event attribute values with query operands. Attribute values are strings;
 * a range condition with a number operand compares them as decimal numbers, one with a TIME or
 * DATE operand as instants (as CometBFT's pubsub query does). Values that do not parse are not
 * comparable and never match. All arithmetic is exact: no floats, no Date quirks.
 */

/** A decimal number as sign, significant digits (no leading or trailing zeros) and exponent. */
export interface Decimal {
  sign: -1 | 0 | 1;
  /** value = sign * 0.<digits> * 10^exp */
  digits: string;
  exp: bigint;
}

const DECIMAL_RE = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses an integer or decimal, optionally signed and with an exponent (as Go's big.ParseFloat). */
export function parseDecimal(s: string): Decimal | undefined {
  const m = DECIMAL_RE.exec(s);
  if (!m) return undefined;
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? m[4] ?? "";
  let digits = intPart + fracPart;
  let exp = BigInt(intPart.length) + BigInt(m[5] ?? "0");
  const lead = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(lead).replace(/0+$/, "");
  exp -= BigInt(lead);
  if (digits === "") return { sign: 0, digits: "", exp: 0n };
  return { sign: m[1] === "-" ? -1 : 1, digits, exp };
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let mag: number;
  if (a.exp !== b.exp) mag = a.exp < b.exp ? -1 : 1;
  else mag = a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  return mag * a.sign;
}

/** A point in time, UTC: whole seconds since the Unix epoch plus nanoseconds. */
export interface Instant {
  seconds: number;
  nanos: number;
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1;
}

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** RFC 3339 timestamp (Go's time.RFC3339 layout, fractional seconds allowed), or undefined. */
export function parseTimestamp(s: string): Instant | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const days = civilDays(y!, mo!, d!);
  if (days === undefined || h! > 23 || mi! > 59 || sec! > 59) return undefined;
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[8] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0"));
  return { seconds: days * 86400 + h! * 3600 + mi! * 60 + sec! - offset, nanos };
}

/** YYYY-MM-DD as midnight UTC, or undefined. */
export function parseDatestamp(s: string): Instant | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]));
  return days === undefined ? undefined : { seconds: days * 86400, nanos: 0 };
}

/** Days since 1970-01-01 of a valid Gregorian date, or undefined for e.g. Feb 30. */
function civilDays(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}
