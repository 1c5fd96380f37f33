/**
 * The provenance of a finished FL task's model, read from the chain's fl queries and built by the
 * chain's own function (modules/market/provenance.ts: provenanceOf), so that what a client claims in
 * MsgMintModel is what the chain rebuilds from its records when it checks the claim.
 *
 *   const m = await taskModelOf(client.query, 7n);
 *   msgMintModel({ owner, modelCid: m.modelCid, modelHash: m.modelHash, provenance: m.provenance });
 */
import { type Participant, type Round, TaskStatus } from "../../modules/fl/proto.ts";
import { provenanceOf, type TaskModel, type TaskRecord } from "../../modules/market/provenance.ts";
import type { FlExtension } from "../fl/query.ts";

export type { TaskModel, TaskRecord };

/** The fl queries taskModelOf reads (CiferClient's `query` has them). */
export interface TaskRecordQueries {
  fl: Pick<FlExtension["fl"], "task" | "round" | "participants">;
}

/** Pages of participants followed at most (the chain bounds participants far below this). */
const MAX_PAGES = 1000;

/**
 * What the chain knows of a task: the task, rounds 1..task.rounds in order and every participant.
 * An unfinished task is returned without reading its rounds (provenanceOf refuses it anyway).
 */
export async function taskRecordOf(q: TaskRecordQueries, taskId: bigint): Promise<TaskRecord> {
  const { task } = await q.fl.task(taskId);
  if (task.status !== TaskStatus.Finished) return { task, rounds: [], participants: [] };
  const rounds: Round[] = [];
  for (let r = 1; r <= task.rounds; r++) rounds.push((await q.fl.round(taskId, r)).round);
  const participants: Participant[] = [];
  let key: Uint8Array | undefined;
  for (let i = 0; ; i++) {
    if (i === MAX_PAGES) throw new Error(`task ${taskId} has more than ${MAX_PAGES} pages of participants`);
    const page = await q.fl.participants(taskId, key);
    participants.push(...page.participants);
    key = page.pagination?.nextKey;
    if (!key || key.length === 0) break;
  }
  return { task, rounds, participants };
}

/**
 * The final model of a finished task (CID and hash of its last global model) and its provenance,
 * as MsgMintModel carries them. Throws the chain's InvalidProvenance error (a ChainError) for a task
 * that did not finish.
 */
export async function taskModelOf(q: TaskRecordQueries, taskId: bigint): Promise<TaskModel> {
  return provenanceOf(await taskRecordOf(q, taskId));
}
