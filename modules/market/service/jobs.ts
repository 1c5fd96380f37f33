import { type Escrow, EscrowStatus } from "../proto.ts";

/** A commitment or reveal of its accuracy that this validator owes an escrow. */
export interface EscrowJob {
  escrowId: bigint;
  phase: "commit" | "reveal";
  /** The phase's end: the tx must land below it. */
  deadline: bigint;
  /** Members of the committee (the reveal that completes the phase also settles the evaluation). */
  committeeSize: number;
}

/** Identifies a job across scans: the same key never needs two txs. */
export const escrowJobKey = (j: EscrowJob) => `${j.escrowId}/${j.phase}`;

/**
 * What `validator` (cifvaloper...) owes the escrows seen at committed height `height`: each
 * committing escrow with it on the committee and no commitment of its own, and each revealing
 * escrow it committed to and has not revealed, while the phase is open. A tx can land at height + 1
 * at the earliest and the chain accepts it while the block height is below phase_end (as fl's
 * commit and reveal deadlines), so a phase ending at height + 1 is already closed. Commits and
 * reveals are matched by operator address, or by the operator's account (`account`, cif1...)
 * should the chain record that. Pure.
 */
export function escrowJobsFor(o: {
  escrows: readonly Escrow[];
  validator: string;
  account?: string;
  height: bigint;
}): EscrowJob[] {
  const me = (v: string) => v === o.validator || (o.account !== undefined && v === o.account);
  const jobs: EscrowJob[] = [];
  for (const e of o.escrows) {
    if (!e.committee.includes(o.validator) || o.height + 1n >= e.phaseEnd) continue;
    const committed = e.commits.some((c) => me(c.validator));
    const base = { escrowId: e.id, deadline: e.phaseEnd, committeeSize: e.committee.length };
    if (e.status === EscrowStatus.Committing && !committed) jobs.push({ ...base, phase: "commit" });
    if (e.status === EscrowStatus.Revealing && committed && !e.reveals.some((r) => me(r.validator)))
      jobs.push({ ...base, phase: "reveal" });
  }
  return jobs;
}
