import type { Report } from "./proto.ts";

// When a committee agrees (pure). Members are counted, not power: the committee was already drawn
// by stake and reputation, and one member one vote keeps a heavy validator from deciding alone.

/**
 * What members must agree on: the aggregate's hash and the participants it left out, since the
 * excluded set decides who is paid. Reports keep `excluded` sorted, so equal sets compare equal.
 */
export const agreementKey = (r: Pick<Report, "hash" | "excluded">) => `${r.hash}|${r.excluded.join(",")}`;

export interface Tally {
  /** > 2/3 of the committee reported the same key. */
  final: boolean;
  /** The first report with the winning key (when final). */
  winner: Report | undefined;
  /** Validators whose report has the winning key, in report order. */
  agreed: string[];
}

/** Final when more than 2/3 of the committee's size (not of the reports) agree on one key. */
export const isSupermajority = (count: number, committeeSize: number) =>
  committeeSize > 0 && 3 * count > 2 * committeeSize;

export function tally(reports: readonly Report[], committeeSize: number): Tally {
  const counts = new Map<string, number>();
  for (const r of reports) counts.set(agreementKey(r), (counts.get(agreementKey(r)) ?? 0) + 1);
  // Two keys cannot both exceed 2/3; the first in report order that does is the only one.
  for (const r of reports) {
    const key = agreementKey(r);
    if (!isSupermajority(counts.get(key)!, committeeSize)) continue;
    return {
      final: true,
      winner: r,
      agreed: reports.filter((x) => agreementKey(x) === key).map((x) => x.validator),
    };
  }
  return { final: false, winner: undefined, agreed: [] };
}
