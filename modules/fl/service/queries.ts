import type { ServiceQuery } from "../../../chain/node/services.ts";
import {
  encode,
  type FlCodec,
  type PageRequest,
  type Participant,
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
  type TaskStatus,
  type Update,
} from "../proto.ts";

const SERVICE = "/cifer.fl.v1.Query";
/** Pages read before a listing is cut short (bounds a scan; 100 x the default page is plenty). */
const MAX_PAGES = 100;

export class FlQueryError extends Error {
  override name = "FlQueryError";
  constructor(
    readonly path: string,
    readonly code: number,
    readonly log: string,
  ) {
    super(`${path}: ${log}`);
  }
}

/**
 * The cifer.fl.v1 queries a node service needs, over the node's own query handler (committed state
 * at the latest height, as abci_query answers). The client's CosmJS extension (client/fl/query.ts)
 * speaks the same paths and codecs over RPC.
 */
export class FlQueries {
  constructor(private readonly q: ServiceQuery) {}

  private async call<Req, Res>(method: string, req: FlCodec<Req>, res: FlCodec<Res>, m: Partial<Req>) {
    const path = `${SERVICE}/${method}`;
    const r = await this.q(path, encode(req, req.fromPartial(m)));
    if (r.code !== 0) throw new FlQueryError(path, r.code, r.log);
    return res.decode(r.value);
  }

  /** The task and its model spec; undefined when there is no such task. */
  async task(taskId: bigint): Promise<{ task: Task; modelSpec: string } | undefined> {
    try {
      const r = await this.call("Task", QueryTaskRequest, QueryTaskResponse, { taskId });
      return r.task ? { task: r.task, modelSpec: r.modelSpec } : undefined;
    } catch (e) {
      if (e instanceof FlQueryError && /NotFound/.test(e.log)) return undefined;
      throw e;
    }
  }

  async tasks(status: TaskStatus): Promise<Task[]> {
    const out: Task[] = [];
    let key: Uint8Array | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.call("Tasks", QueryTasksRequest, QueryTasksResponse, {
        status,
        pagination: pageOf(key),
      });
      out.push(...r.tasks);
      key = r.pagination?.nextKey;
      if (!key || key.length === 0) break;
    }
    return out;
  }

  async round(taskId: bigint, round: number): Promise<{ round: Round; stages: Stage[] }> {
    const r = await this.call("Round", QueryRoundRequest, QueryRoundResponse, { taskId, round });
    if (!r.round) throw new FlQueryError(`${SERVICE}/Round`, 0, `task ${taskId} has no round ${round}`);
    return { round: r.round, stages: r.stages };
  }

  /** The participant record of `address` in the task, if it joined. */
  async participant(taskId: bigint, address: string): Promise<Participant | undefined> {
    let key: Uint8Array | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.call("Participants", QueryParticipantsRequest, QueryParticipantsResponse, {
        taskId,
        pagination: pageOf(key),
      });
      const found = r.participants.find((p) => p.address === address);
      if (found) return found;
      key = r.pagination?.nextKey;
      if (!key || key.length === 0) break;
    }
    return undefined;
  }

  async updates(taskId: bigint, round: number): Promise<Update[]> {
    const out: Update[] = [];
    let key: Uint8Array | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.call("Updates", QueryUpdatesRequest, QueryUpdatesResponse, {
        taskId,
        round,
        pagination: pageOf(key),
      });
      out.push(...r.updates);
      key = r.pagination?.nextKey;
      if (!key || key.length === 0) break;
    }
    return out;
  }
}

const pageOf = (key?: Uint8Array): PageRequest | undefined =>
  key && key.length > 0 ? { key, offset: 0n, limit: 0n, countTotal: false, reverse: false } : undefined;
