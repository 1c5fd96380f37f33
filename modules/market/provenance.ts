import { Privacy, type Participant, type Round, type Task, TaskStatus } from "../fl/proto.ts";
import { MarketCode, marketError } from "./errors.ts";
import type { Provenance } from "./proto.ts";

/** What the chain knows of a finished FL task, read from the fl module (or its queries, client side). */
export interface TaskRecord {
  task: Task;
  /** Rounds 1..task.rounds, in order. */
  rounds: Round[];
  participants: Participant[];
}

/** A task's model and its provenance, as the fl module recorded them. */
export interface TaskModel {
  modelCid: string;
  modelHash: string;
  provenance: Provenance;
}

/** A round's global model: the committee's aggregate, or for CKKS the owner's published decryption. */
const globalOf = (t: Task, r: Round) =>
  t.privacy === Privacy.Ckks
    ? { cid: r.modelCid, hash: r.modelHash }
    : { cid: r.aggregateCid, hash: r.aggregateHash };

/**
 * The provenance of a finished task's final model (pure): every round's global model hash, round 1
 * first, and every participant that submitted at least one update, sorted. The client builds a
 * MsgMintModel with it; the chain rebuilds it from its own records and compares (checkProvenance).
 * Throws for a task that did not finish (its last model is not a product of all its rounds).
 */
export function provenanceOf(rec: TaskRecord): TaskModel {
  const t = rec.task;
  if (t.status !== TaskStatus.Finished)
    throw marketError(
      MarketCode.InvalidProvenance,
      `task ${t.id} has not finished, so it has no final model`,
    );
  if (rec.rounds.length !== t.rounds)
    throw marketError(
      MarketCode.InvalidProvenance,
      `task ${t.id} has ${t.rounds} rounds, ${rec.rounds.length} read`,
    );
  const hashes: string[] = [];
  for (const [i, r] of rec.rounds.entries()) {
    if (r.round !== i + 1)
      throw marketError(MarketCode.InvalidProvenance, `round ${i + 1} of task ${t.id} is missing`);
    hashes.push(globalOf(t, r).hash);
  }
  const last = globalOf(t, rec.rounds[rec.rounds.length - 1]!);
  const contributors = rec.participants
    .filter((p) => p.updates > 0)
    .map((p) => p.address)
    .sort();
  return {
    modelCid: last.cid,
    modelHash: last.hash,
    provenance: { taskId: t.id, rounds: t.rounds, globalModelHashes: hashes, contributors },
  };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A claimed provenance against the chain's record (pure): the task finished, the claim names its
 * rounds, each round's global model hash and its contributors exactly, and the minted CID and hash
 * are the final round's model. Throws InvalidProvenance naming the first difference.
 */
export function checkProvenance(
  claim: Provenance,
  modelCid: string,
  modelHash: string,
  rec: TaskRecord,
): void {
  const truth = provenanceOf(rec);
  const bad = (what: string) =>
    marketError(MarketCode.InvalidProvenance, `${what} does not match task ${rec.task.id}'s record`);
  if (claim.rounds !== truth.provenance.rounds) throw bad(`rounds ${claim.rounds}`);
  if (!sameList(claim.globalModelHashes, truth.provenance.globalModelHashes))
    throw bad("global model hashes");
  if (!sameList(claim.contributors, truth.provenance.contributors)) throw bad("contributors");
  if (modelCid !== truth.modelCid) throw bad(`model cid ${modelCid}`);
  if (modelHash !== truth.modelHash) throw bad(`model hash ${modelHash}`);
}
