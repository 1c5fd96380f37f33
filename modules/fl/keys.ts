import { concatBytes, readUint64BE, uint64BE } from "../../chain/crypto/hash.ts";

// Store layout of fl. Task ids, rounds, stage indexes and heights are big-endian, so iteration runs
// in numeric order: tasks by id, a round's stages by index (the root, 0xffffffff, last), the wake-up
// queue by height then task. Addresses are length-prefixed bytes.
const PARAMS = Uint8Array.of(0x00);
const NEXT_TASK_ID = Uint8Array.of(0x01);
const TASK = Uint8Array.of(0x02);
const MODEL_SPEC = Uint8Array.of(0x03);
const ROUND = Uint8Array.of(0x04);
const STAGE = Uint8Array.of(0x05);
const UPDATE = Uint8Array.of(0x06);
const PARTICIPANT = Uint8Array.of(0x07);
const WAKE = Uint8Array.of(0x08);

export const u64 = uint64BE;

export function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return new Uint8Array(b);
}

const lp = (a: Uint8Array) => concatBytes(Uint8Array.of(a.length), a);

export const readU64 = readUint64BE;

export const paramsKey = PARAMS;
export const nextTaskIdKey = NEXT_TASK_ID;
export const taskPrefix = TASK;
export const taskKey = (id: bigint) => concatBytes(TASK, u64(id));
export const modelSpecKey = (id: bigint) => concatBytes(MODEL_SPEC, u64(id));
export const roundKey = (id: bigint, round: number) => concatBytes(ROUND, u64(id), u32(round));
export const stagePrefix = (id: bigint, round: number) => concatBytes(STAGE, u64(id), u32(round));
export const stageKey = (id: bigint, round: number, index: number) =>
  concatBytes(stagePrefix(id, round), u32(index));
export const updatesPrefix = (id: bigint, round: number) => concatBytes(UPDATE, u64(id), u32(round));
export const updateKey = (id: bigint, round: number, addr: Uint8Array) =>
  concatBytes(updatesPrefix(id, round), lp(addr));
export const participantsPrefix = (id: bigint) => concatBytes(PARTICIPANT, u64(id));
export const participantKey = (id: bigint, addr: Uint8Array) => concatBytes(participantsPrefix(id), lp(addr));
export const wakePrefix = WAKE;
export const wakeKey = (height: bigint, id: bigint) => concatBytes(WAKE, u64(height), u64(id));
