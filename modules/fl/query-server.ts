import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { grpcQuery, paginate, paginateList } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import type { FlKeeper } from "./keeper.ts";
import * as K from "./keys.ts";
import { flParamsToWire } from "./params.ts";
import {
  ParticipantCodec,
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
  TaskCodec,
  TaskStatus,
  type Task,
  UpdateCodec,
} from "./proto.ts";

const Q = "/cifer.fl.v1.Query";

/** The Query service of cifer.fl.v1 (proto/cifer/fl/v1/query.proto). */
export function flQueries(k: FlKeeper): QueryDef[] {
  const { store } = k;
  const taskOr404 = async (ctx: Parameters<QueryDef["handle"]>[0], id: bigint) => {
    if (id === 0n) throw grpcInvalidArgument("task id must be positive");
    const t = await store.task(ctx, id);
    if (!t) throw grpcNotFound(`task ${id} does not exist`);
    return t;
  };
  return [
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: flParamsToWire(await k.params(ctx)),
    })),

    grpcQuery(`${Q}/Task`, QueryTaskRequest, QueryTaskResponse, async (ctx, r) => {
      const task = await taskOr404(ctx, r.taskId);
      return { task, modelSpec: await store.modelSpec(ctx, task.id) };
    }),

    grpcQuery(`${Q}/Tasks`, QueryTasksRequest, QueryTasksResponse, async (ctx, r) => {
      if (!Object.values(TaskStatus).includes(r.status))
        throw grpcInvalidArgument(`unknown status ${r.status}`);
      if (r.status === TaskStatus.Unspecified) {
        const { items, pagination } = await paginate(store.kv(ctx), K.taskPrefix, r.pagination, (_k, v) =>
          TaskCodec.decode(v),
        );
        return { tasks: items, pagination };
      }
      const all: Task[] = [];
      for await (const t of store.tasks(ctx)) if (t.status === r.status) all.push(t);
      const { items, pagination } = paginateList(all, r.pagination);
      return { tasks: items, pagination };
    }),

    grpcQuery(`${Q}/Round`, QueryRoundRequest, QueryRoundResponse, async (ctx, r) => {
      const t = await taskOr404(ctx, r.taskId);
      const round = await store.round(ctx, t.id, r.round);
      if (!round) throw grpcNotFound(`task ${t.id} has no round ${r.round}`);
      return { round, stages: await store.stages(ctx, t.id, r.round) };
    }),

    grpcQuery(`${Q}/Updates`, QueryUpdatesRequest, QueryUpdatesResponse, async (ctx, r) => {
      const t = await taskOr404(ctx, r.taskId);
      const { items, pagination } = await paginate(
        store.kv(ctx),
        K.updatesPrefix(t.id, r.round),
        r.pagination,
        (_k, v) => UpdateCodec.decode(v),
      );
      return { updates: items, pagination };
    }),

    grpcQuery(`${Q}/Participants`, QueryParticipantsRequest, QueryParticipantsResponse, async (ctx, r) => {
      const t = await taskOr404(ctx, r.taskId);
      const { items, pagination } = await paginate(
        store.kv(ctx),
        K.participantsPrefix(t.id),
        r.pagination,
        (_k, v) => ParticipantCodec.decode(v),
      );
      return { participants: items, pagination };
    }),
  ];
}
