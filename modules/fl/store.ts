import type { Context } from "../../chain/app/context.ts";
import { parseAddress } from "../../chain/crypto/address.ts";
import { fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import * as K from "./keys.ts";
import { DEFAULT_FL_PARAMS, type FlParams, flParamsFromWire, flParamsToWire } from "./params.ts";
import {
  encode,
  type Participant,
  ParticipantCodec,
  ParamsCodec,
  type Round,
  RoundCodec,
  type Stage,
  StageCodec,
  type Task,
  TaskCodec,
  type Update,
  UpdateCodec,
} from "./proto.ts";

export const FL_STORE_KEY = "fl";

/**
 * Storage of fl: params, tasks (their model specs apart, as they are large and rarely read), rounds,
 * stages, updates, participants and the wake-up queue. The records are the cifer.fl.v1 wire types,
 * so what is stored is exactly what queries return. No rules here.
 */
export class FlStore {
  kv(ctx: Context): KVStore {
    return ctx.kv(FL_STORE_KEY);
  }

  async params(ctx: Context): Promise<FlParams> {
    const raw = await this.kv(ctx).get(K.paramsKey);
    return raw ? flParamsFromWire(ParamsCodec.decode(raw)) : DEFAULT_FL_PARAMS;
  }

  setParams(ctx: Context, p: FlParams): void {
    this.kv(ctx).set(K.paramsKey, encode(ParamsCodec, flParamsToWire(p)));
  }

  /** Ids start at 1 and are never reused. */
  async takeTaskId(ctx: Context): Promise<bigint> {
    const raw = await this.kv(ctx).get(K.nextTaskIdKey);
    const id = raw ? K.readU64(raw, 0) : 1n;
    this.kv(ctx).set(K.nextTaskIdKey, K.u64(id + 1n));
    return id;
  }

  async task(ctx: Context, id: bigint): Promise<Task | undefined> {
    const raw = await this.kv(ctx).get(K.taskKey(id));
    return raw ? TaskCodec.decode(raw) : undefined;
  }

  setTask(ctx: Context, t: Task): void {
    this.kv(ctx).set(K.taskKey(t.id), encode(TaskCodec, t));
  }

  async *tasks(ctx: Context): AsyncIterable<Task> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.taskPrefix)) yield TaskCodec.decode(v);
  }

  async modelSpec(ctx: Context, id: bigint): Promise<string> {
    const raw = await this.kv(ctx).get(K.modelSpecKey(id));
    return raw ? fromUtf8(raw) : "";
  }

  setModelSpec(ctx: Context, id: bigint, spec: string): void {
    this.kv(ctx).set(K.modelSpecKey(id), utf8(spec));
  }

  async round(ctx: Context, id: bigint, round: number): Promise<Round | undefined> {
    const raw = await this.kv(ctx).get(K.roundKey(id, round));
    return raw ? RoundCodec.decode(raw) : undefined;
  }

  setRound(ctx: Context, r: Round): void {
    this.kv(ctx).set(K.roundKey(r.taskId, r.round), encode(RoundCodec, r));
  }

  async stage(ctx: Context, id: bigint, round: number, index: number): Promise<Stage | undefined> {
    const raw = await this.kv(ctx).get(K.stageKey(id, round, index));
    return raw ? StageCodec.decode(raw) : undefined;
  }

  setStage(ctx: Context, s: Stage): void {
    this.kv(ctx).set(K.stageKey(s.taskId, s.round, s.index), encode(StageCodec, s));
  }

  /** A round's stages by index (subgroups, then the root). */
  async stages(ctx: Context, id: bigint, round: number): Promise<Stage[]> {
    const out: Stage[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.stagePrefix(id, round)))
      out.push(StageCodec.decode(v));
    return out;
  }

  async update(ctx: Context, id: bigint, round: number, participant: string): Promise<Update | undefined> {
    const raw = await this.kv(ctx).get(K.updateKey(id, round, parseAddress(participant)));
    return raw ? UpdateCodec.decode(raw) : undefined;
  }

  setUpdate(ctx: Context, u: Update): void {
    this.kv(ctx).set(K.updateKey(u.taskId, u.round, parseAddress(u.participant)), encode(UpdateCodec, u));
  }

  /** A round's updates in key (address byte) order. */
  async updates(ctx: Context, id: bigint, round: number): Promise<Update[]> {
    const out: Update[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.updatesPrefix(id, round)))
      out.push(UpdateCodec.decode(v));
    return out;
  }

  async participant(ctx: Context, id: bigint, address: string): Promise<Participant | undefined> {
    const raw = await this.kv(ctx).get(K.participantKey(id, parseAddress(address)));
    return raw ? ParticipantCodec.decode(raw) : undefined;
  }

  /** A task's participants in key (address byte) order; at most max_participants of them. */
  async participants(ctx: Context, id: bigint): Promise<Participant[]> {
    const out: Participant[] = [];
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.participantsPrefix(id)))
      out.push(ParticipantCodec.decode(v));
    return out;
  }

  setParticipant(ctx: Context, p: Participant): void {
    this.kv(ctx).set(K.participantKey(p.taskId, parseAddress(p.address)), encode(ParticipantCodec, p));
  }

  // ---- wake-up queue --------------------------------------------------------------------------

  /**
   * Schedules the task's next look at `height` (0: none), replacing the one it had; the task record's
   * next_wake remembers which entry to remove. The caller stores the task.
   */
  schedule(ctx: Context, t: Task, height: bigint): void {
    if (t.nextWake > 0n) this.kv(ctx).delete(K.wakeKey(t.nextWake, t.id));
    t.nextWake = height;
    if (height > 0n) this.kv(ctx).set(K.wakeKey(height, t.id), new Uint8Array());
  }

  /** Ids of the tasks due at or before `height`, by height then id; their entries are removed. */
  async popDue(ctx: Context, height: bigint): Promise<bigint[]> {
    const kv = this.kv(ctx);
    const due: { key: Uint8Array; id: bigint }[] = [];
    const end = K.wakeKey(height + 1n, 0n);
    for await (const [k] of kv.iterate(K.wakePrefix, end))
      due.push({ key: Uint8Array.from(k), id: K.readU64(k, 9) });
    for (const d of due) kv.delete(d.key);
    return due.map((d) => d.id);
  }
}
