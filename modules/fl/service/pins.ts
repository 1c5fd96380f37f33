import type { Stage, Task, Update } from "../proto.ts";

/** Pins of the fl service are held as "fl/task/<id>", one holder per task (chain/blobs/pins.ts). */
export const TASK_PIN_PREFIX = "fl/task/";
export const taskPinHolder = (taskId: bigint) => `${TASK_PIN_PREFIX}${taskId}`;

/**
 * The blobs a live task needs kept on this node: its genesis weights, its current global model,
 * its eval set and CKKS public key, and its current round's updates and aggregates (reported and
 * final). Pure.
 */
export function taskBlobs(o: {
  task: Task;
  updates?: readonly Update[];
  stages?: readonly Stage[];
}): Set<string> {
  const out = new Set<string>();
  const add = (cid: string | undefined) => {
    if (cid) out.add(cid);
  };
  add(o.task.genesisWeightsCid);
  add(o.task.globalModelCid);
  add(o.task.evalSet?.cid);
  add(o.task.ckksPublicKeyCid);
  for (const u of o.updates ?? []) add(u.cid);
  for (const s of o.stages ?? []) {
    add(s.aggregateCid);
    for (const r of s.reports) add(r.cid);
    for (const r of s.dispute?.reports ?? []) add(r.cid);
  }
  return out;
}

export interface PinPlan {
  pin: Array<{ cid: string; holder: string }>;
  unpin: Array<{ cid: string; holder: string }>;
}

/**
 * The pin changes that make the fl holders hold exactly `desired` (holder -> CIDs): pins of tasks
 * no longer live, or of blobs a live task no longer needs (last round's updates), go; missing ones
 * are added. Holders outside "fl/task/" (an operator's manual pins) are never touched. Pure.
 */
export function pinPlan(
  current: ReadonlyArray<{ cid: string; holders: readonly string[] }>,
  desired: ReadonlyMap<string, ReadonlySet<string>>,
): PinPlan {
  const plan: PinPlan = { pin: [], unpin: [] };
  const held = new Set<string>();
  for (const { cid, holders } of current) {
    for (const holder of holders) {
      if (!holder.startsWith(TASK_PIN_PREFIX)) continue;
      held.add(`${holder}\u0000${cid}`);
      if (!desired.get(holder)?.has(cid)) plan.unpin.push({ cid, holder });
    }
  }
  for (const [holder, cids] of [...desired].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    for (const cid of [...cids].sort())
      if (!held.has(`${holder}\u0000${cid}`)) plan.pin.push({ cid, holder });
  return plan;
}
