/**
 * Client side of the cifer.fl.v1 queries (proto/cifer/fl/v1/query.proto), as a CosmJS query
 * extension: `QueryClient.withExtensions(comet, setupFlExtension)` then `q.fl.task(1n)`. The codecs
 * are the node's own (modules/fl/proto.ts), the way Cosmos clients and chains share generated types;
 * the messages are in the client Registry (registry.ts).
 */
import type { QueryClient } from "@cosmjs/stargate";
import {
  type FlCodec,
  type FlParamsWire,
  type PageRequest,
  type PageResponse,
  type Participant,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryParticipantsRequest,
  QueryParticipantsResponse,
  QueryRoundRequest,
  QueryRoundResponse,
  QueryTaskRequest,
  QueryTaskResponse,
  QueryTasksRequest,
  QueryTasksResponse,
  QueryUpdatesRequest,
  QueryUpdatesResponse,
  type Round,
  type Stage,
  type Task,
  TaskStatus,
  type Update,
} from "../../modules/fl/proto.ts";

export type { FlParamsWire as FlParams, Participant, Round, Stage, Task, Update };
export {
  Payout as FlPayout,
  Privacy as FlPrivacy,
  Rule as FlRule,
  TaskStatus as FlTaskStatus,
  ROOT_STAGE,
} from "../../modules/fl/proto.ts";

const SERVICE = "/cifer.fl.v1.Query";

export interface FlExtension {
  readonly fl: {
    params: () => Promise<FlParamsWire>;
    /** A task and its model spec (the TensorFlow.js model JSON without weights). */
    task: (taskId: bigint) => Promise<{ task: Task; modelSpec: string }>;
    tasks: (
      status?: TaskStatus,
      paginationKey?: Uint8Array,
    ) => Promise<{ tasks: Task[]; pagination?: PageResponse }>;
    /** A round with its stages (subgroups, then the root), committees, reports and disputes. */
    round: (taskId: bigint, round: number) => Promise<{ round: Round; stages: Stage[] }>;
    updates: (
      taskId: bigint,
      round: number,
      paginationKey?: Uint8Array,
    ) => Promise<{ updates: Update[]; pagination?: PageResponse }>;
    participants: (
      taskId: bigint,
      paginationKey?: Uint8Array,
    ) => Promise<{ participants: Participant[]; pagination?: PageResponse }>;
  };
}

const page = (key?: Uint8Array): PageRequest | undefined =>
  key && key.length > 0 ? { key, offset: 0n, limit: 0n, countTotal: false, reverse: false } : undefined;

export function setupFlExtension(base: QueryClient): FlExtension {
  const query = async <Req, Res>(method: string, req: FlCodec<Req>, res: FlCodec<Res>, m: Partial<Req>) =>
    res.decode((await base.queryAbci(`${SERVICE}/${method}`, req.encode(req.fromPartial(m)).finish())).value);
  return {
    fl: {
      params: async () => (await query("Params", QueryParamsRequest, QueryParamsResponse, {})).params!,
      task: async (taskId) => {
        const r = await query("Task", QueryTaskRequest, QueryTaskResponse, { taskId });
        if (!r.task) throw new Error(`task ${taskId} not found`);
        return { task: r.task, modelSpec: r.modelSpec };
      },
      tasks: async (status = TaskStatus.Unspecified, key) =>
        query("Tasks", QueryTasksRequest, QueryTasksResponse, { status, pagination: page(key) }),
      round: async (taskId, round) => {
        const r = await query("Round", QueryRoundRequest, QueryRoundResponse, { taskId, round });
        if (!r.round) throw new Error(`task ${taskId} has no round ${round}`);
        return { round: r.round, stages: r.stages };
      },
      updates: async (taskId, round, key) =>
        query("Updates", QueryUpdatesRequest, QueryUpdatesResponse, { taskId, round, pagination: page(key) }),
      participants: async (taskId, key) =>
        query("Participants", QueryParticipantsRequest, QueryParticipantsResponse, {
          taskId,
          pagination: page(key),
        }),
    },
  };
}
