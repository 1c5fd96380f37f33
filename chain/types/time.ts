import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses RFC 3339 with up to nanosecond precision into a protobuf Timestamp (no float rounding). */
export function parseRfc3339(s: string): Timestamp {
  const m = RFC3339.exec(s);
  if (!m) throw new Error(`invalid RFC 3339 time ${JSON.stringify(s)}`);
  const [, y, mo, d, h, mi, sec, frac = "", zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) throw new Error(`invalid RFC 3339 time ${JSON.stringify(s)}`);
  let seconds = BigInt(ms / 1000);
  if (zone !== "Z") {
    const sign = zone!.startsWith("-") ? -1n : 1n;
    const [zh, zm] = zone!.slice(1).split(":").map(Number);
    seconds -= sign * BigInt(zh! * 3600 + zm! * 60);
  }
  return { seconds, nanos: Number(frac.padEnd(9, "0")) };
}

/** Formats like Go's time.RFC3339Nano in UTC, the form CometBFT's RPC prints. */
export function formatRfc3339(t: Timestamp): string {
  const base = new Date(Number(t.seconds) * 1000).toISOString().slice(0, 19);
  const frac = t.nanos > 0 ? `.${String(t.nanos).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `${base}${frac}Z`;
}

export function timestampFromMillis(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}
