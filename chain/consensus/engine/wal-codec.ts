import { crc32 } from "node:zlib";
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { SignedMsgType } from "../../types/vote.ts";
import { EngineError, EngineErrorCode } from "./errors.ts";
import { messageRound } from "./height-state.ts";
import { blockKey } from "./ids.ts";
import { decodeConsensusMessage, encodeConsensusMessage } from "./messages.ts";
import { TimeoutStep, type WalEntry } from "./types.ts";

// One WAL record is a frame [u32 BE length][u32 BE crc32 of payload][payload], the payload
//   message WalRecord { oneof { uint64 height = 1; bytes message = 2; Timeout timeout = 3; } bool own = 4; }
//   message Timeout { uint64 height = 1; uint32 round = 2; uint32 step = 3; }
// with `message` a consensus-channel message (messages.ts). A torn write leaves a short or
// mismatching frame at the tail: reading stops there.

const FRAME_HEADER = 8;
/** Messages in our own WAL are checked like any other, with room for any block size. */
const WAL_MAX_BLOCK_BYTES = 1 << 30;

export function encodeWalEntry(e: WalEntry): Uint8Array {
  const w = BinaryWriter.create();
  if (e.kind === "height") w.uint32(8).uint64(e.height);
  else if (e.kind === "message") {
    w.uint32(18).bytes(encodeConsensusMessage(e.message));
    if (e.own) w.uint32(32).bool(true);
  } else {
    w.uint32(26).fork();
    w.uint32(8).uint64(e.height);
    w.uint32(16).uint32(e.round);
    w.uint32(24).uint32(e.step);
    w.ldelim();
  }
  return w.finish();
}

const corrupt = (why: string) => new EngineError(EngineErrorCode.WalCorrupt, why);

export function decodeWalEntry(bytes: Uint8Array): WalEntry {
  const r = new BinaryReader(bytes);
  let entry: WalEntry | undefined;
  let own = false;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 8) entry = { kind: "height", height: r.uint64() };
    else if (tag === 18)
      entry = {
        kind: "message",
        message: decodeConsensusMessage(r.bytes(), WAL_MAX_BLOCK_BYTES),
        own: false,
      };
    else if (tag === 26) {
      const t = new BinaryReader(r.bytes());
      let height = 0n;
      let round = 0;
      let step = 0;
      while (t.pos < t.len) {
        const tt = t.uint32();
        if (tt === 8) height = t.uint64();
        else if (tt === 16) round = t.uint32();
        else if (tt === 24) step = t.uint32();
        else throw corrupt(`unknown timeout field ${tt >>> 3}`);
      }
      if (!(step in TimeoutStep)) throw corrupt(`unknown timeout step ${step}`);
      entry = { kind: "timeout", height, round, step };
    } else if (tag === 32) own = r.bool();
    else throw corrupt(`unknown WAL field ${tag >>> 3}`);
  }
  if (!entry) throw corrupt("empty WAL record");
  if (entry.kind === "message") entry.own = own;
  return entry;
}

export function frameWalEntry(e: WalEntry): Uint8Array {
  const payload = encodeWalEntry(e);
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  out.set(payload, FRAME_HEADER);
  return out;
}

/** Reads frames until the end or the first bad one; validBytes is where the good prefix ends. */
export function readWalFrames(buf: Uint8Array): {
  entries: WalEntry[];
  validBytes: number;
  error: string | null;
} {
  const entries: WalEntry[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < FRAME_HEADER) return { entries, validBytes: pos, error: "torn frame header" };
    const len = view.getUint32(pos);
    const sum = view.getUint32(pos + 4);
    if (buf.length - pos - FRAME_HEADER < len) return { entries, validBytes: pos, error: "torn frame" };
    const payload = buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len);
    if (crc32(payload) !== sum) return { entries, validBytes: pos, error: "checksum mismatch" };
    try {
      entries.push(decodeWalEntry(payload));
    } catch (e) {
      return { entries, validBytes: pos, error: `undecodable record: ${(e as Error).message}` };
    }
    pos += FRAME_HEADER + len;
  }
  return { entries, validBytes: pos, error: null };
}

const entryRound = (e: WalEntry) =>
  e.kind === "message" ? messageRound(e.message) : e.kind === "timeout" ? e.round : -1;

/**
 * Shrinks a height's entries to what a restart needs when the file outgrows its limit: the height
 * marker, everything of the last two rounds (ours and the newest seen), our latest precommit for a
 * block (the lock) and one proposal carrying that block. Older rounds only cost liveness hints.
 */
export function compactWalEntries(entries: readonly WalEntry[]): WalEntry[] {
  let start = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i]!.kind === "height") start = i;
  const body = entries.slice(start);
  let maxRound = -1;
  let maxOwnRound = -1;
  let lock: WalEntry | undefined;
  for (const e of body) {
    maxRound = Math.max(maxRound, entryRound(e));
    if (e.kind !== "message" || !e.own) continue;
    maxOwnRound = Math.max(maxOwnRound, entryRound(e));
    const m = e.message;
    if (
      m.kind === "vote" &&
      (m.vote.type as number) === SignedMsgType.Precommit &&
      m.vote.blockId.hash.length > 0
    )
      if (!lock || entryRound(e) > entryRound(lock)) lock = e;
  }
  const lockKey =
    lock?.kind === "message" && lock.message.kind === "vote" ? blockKey(lock.message.vote.blockId) : null;
  const lockProposal = body.find(
    (e) =>
      e.kind === "message" &&
      e.message.kind === "proposal" &&
      blockKey(e.message.proposal.blockId) === lockKey,
  );
  return body.filter(
    (e) =>
      e.kind === "height" ||
      e === lock ||
      e === lockProposal ||
      entryRound(e) >= maxRound - 1 ||
      (e.kind === "message" && e.own && entryRound(e) >= maxOwnRound - 1),
  );
}
