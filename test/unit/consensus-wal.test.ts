import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { EngineError, EngineErrorCode } from "../../chain/consensus/engine/errors.ts";
import { type Effect, TimeoutStep, type WalEntry } from "../../chain/consensus/engine/types.ts";
import { ConsensusWal } from "../../chain/consensus/engine/wal.ts";
import { compactWalEntries, frameWalEntry } from "../../chain/consensus/engine/wal-codec.ts";
import type { SignStep } from "../../chain/consensus/priv-validator.ts";
import { EngineHarness, isNil, sameId, SignedMsgType, sentVotes } from "../sim/engine-harness.ts";
import { SimSigner } from "../sim/sim-signer.ts";

const PV = SignedMsgType.Prevote;
const PC = SignedMsgType.Precommit;
const dir = mkdtempSync(join(tmpdir(), "cifer-wal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The WAL entries of these effects, in order, up to (and including) the n-th own message. */
function walOf(effects: Effect[], ownLimit = Number.POSITIVE_INFINITY): WalEntry[] {
  const out: WalEntry[] = [];
  let own = 0;
  for (const e of effects) {
    if (e.kind !== "wal") continue;
    if (e.entry.kind === "message" && e.entry.own && ++own > ownLimit) break;
    out.push(e.entry);
  }
  return out;
}

function sample() {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0);
  const v = h.block("v");
  const entries: WalEntry[] = [
    { kind: "height", height: 1n },
    { kind: "message", message: h.proposal(0, -1, v), own: false },
    { kind: "message", message: h.vote(0, PV, 0, v), own: true },
    { kind: "timeout", height: 1n, round: 0, step: TimeoutStep.Prevote },
    { kind: "message", message: h.vote(0, PC, 0, null), own: true },
  ];
  return { h, v, entries };
}

test("the WAL file reads back what was appended, and a height entry starts it afresh", () => {
  const path = join(dir, "a.wal");
  const { entries } = sample();
  let wal = ConsensusWal.open(path);
  for (const e of entries) wal.write(e, e.kind === "message" && e.own);
  wal.close();
  wal = ConsensusWal.open(path);
  assert.deepEqual(wal.entries, entries);
  assert.equal(wal.repaired, null);
  wal.write({ kind: "height", height: 2n }, true);
  wal.close();
  assert.deepEqual(ConsensusWal.open(path).entries, [{ kind: "height", height: 2n }]);
});

test("a torn or corrupt tail is cut off on open, and appending goes on after the good records", () => {
  const { entries } = sample();
  const good = entries.slice(0, 3);
  for (const damage of ["torn", "checksum"] as const) {
    const path = join(dir, `${damage}.wal`);
    const wal = ConsensusWal.open(path);
    for (const e of good) wal.write(e, true);
    wal.close();
    const size = statSync(path).size;
    const frame = frameWalEntry(entries[3]!);
    if (damage === "torn") appendFileSync(path, frame.subarray(0, frame.length - 3));
    else {
      frame[frame.length - 1]! ^= 0xff;
      appendFileSync(path, frame);
    }
    const reopened = ConsensusWal.open(path);
    assert.ok(reopened.repaired, damage);
    assert.deepEqual(reopened.entries, good);
    assert.equal(statSync(path).size, size, "truncated to the last good record");
    reopened.write(entries[4]!, true);
    reopened.close();
    assert.deepEqual(ConsensusWal.open(path).entries, [...good, entries[4]]);
  }
  const garbage = join(dir, "garbage.wal");
  writeFileSync(garbage, Buffer.from([0, 0, 0, 9, 1, 2, 3]));
  assert.deepEqual(ConsensusWal.open(garbage).entries, []);
  assert.equal(readFileSync(garbage).length, 0);
});

test("a WAL over its limit keeps the lock, its block and the last two rounds; beyond that it refuses", () => {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0);
  const v = h.block("v");
  const entries: WalEntry[] = [{ kind: "height", height: 1n }];
  entries.push({ kind: "message", message: h.proposal(0, -1, v), own: false });
  entries.push({ kind: "message", message: h.vote(0, PC, 0, v), own: true });
  for (let r = 1; r <= 6; r++) {
    entries.push({ kind: "message", message: h.vote(1, PV, r, null), own: false });
    entries.push({ kind: "message", message: h.vote(0, PV, r, null), own: true });
    entries.push({ kind: "timeout", height: 1n, round: r, step: TimeoutStep.Precommit });
  }
  const kept = compactWalEntries(entries);
  assert.deepEqual(
    kept.slice(0, 3),
    entries.slice(0, 3),
    "marker, the locked block's proposal, our precommit",
  );
  const rounds = kept
    .slice(3)
    .map((e) =>
      e.kind === "timeout"
        ? e.round
        : e.kind === "message" && e.message.kind === "vote"
          ? e.message.vote.round
          : -1,
    );
  assert.deepEqual([...new Set(rounds)], [5, 6]);

  const path = join(dir, "bounded.wal");
  const one = entries.reduce((n, e) => n + frameWalEntry(e).length, 0);
  const wal = ConsensusWal.open(path, { maxBytes: one - 10 });
  for (const e of entries) wal.write(e, false);
  wal.close();
  assert.ok(statSync(path).size < one);
  const restored = new EngineHarness([1n, 3n, 3n, 3n], 0);
  restored.start(ConsensusWal.open(path).entries);
  assert.equal(restored.engine.lockedRound, 0, "the lock survives compaction");
  assert.ok(sameId(restored.engine.lockedBlockId!, v.id));

  const tiny = ConsensusWal.open(join(dir, "tiny.wal"), { maxBytes: 64 });
  assert.throws(
    () => tiny.write(entries[1]!, false),
    (e) => e instanceof EngineError && e.code === EngineErrorCode.WalFull,
  );
});

test("a crash between signing and the WAL write: the restart re-creates the same vote, signs nothing new", () => {
  for (const withLastSignBytes of [true, false]) {
    const signer = new SimSigner(new EngineHarness([1n], 0).keys[0]!, true);
    // A signer without lastSignBytes: FilePrivValidator as it is today.
    const plain = {
      address: signer.address,
      sign: (hgt: bigint, r: number, s: SignStep, b: Uint8Array) => signer.sign(hgt, r, s, b),
      get refusals() {
        return signer.refusals;
      },
    };
    const h = new EngineHarness([1n, 3n, 3n, 3n], 0, { signer: withLastSignBytes ? signer : plain });
    const v = h.block("v");
    const log: Effect[] = [...h.start()];
    log.push(...h.send(h.votes([1, 2], PV, 0, v)));
    // Our prevote completes the polka: prevote and precommit are both signed in this one call.
    const both = h.send(h.proposal(0, -1, v));
    const [prevote, precommit] = sentVotes(both);
    assert.ok(prevote?.type === PV && precommit?.type === PC);
    log.push(...both);
    // The host wrote the prevote to the WAL and crashed: the precommit was signed, never logged.
    const wal = walOf(log, 1);
    h.now += 5000;
    h.newEngine();
    const replayed = h.start(wal);
    const resent = sentVotes(replayed);
    const again = (t: SignedMsgType) => resent.find((x) => x.type === t && x.round === 0);
    assert.deepEqual(again(PV)?.signature, prevote.signature, "the logged prevote, as it was");
    if (withLastSignBytes) {
      assert.deepEqual(again(PC)?.signature, precommit.signature, "the precommit re-created identically");
      assert.equal(signer.refusals, 0);
      assert.equal(h.engine.lockedRound, 0);
    } else {
      assert.equal(
        again(PC),
        undefined,
        "without the signer's bytes: no precommit this round, and no conflict",
      );
      assert.equal(signer.refusals, 1);
    }
  }
});

test("replay restores the round state and re-sends our messages without signing anything different", () => {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0);
  const v = h.block("v");
  const log: Effect[] = [...h.start()];
  log.push(...h.send(h.proposal(0, -1, v)));
  log.push(...h.send(h.votes([1, 2, 3], PV, 0, v)));
  log.push(...h.send(h.votes([1, 2], PC, 0, null)));
  log.push(...h.timeout(TimeoutStep.Precommit, 0));
  assert.equal(h.engine.round, 1);
  const sent = sentVotes(log);
  const wal = walOf(log);

  h.now += 60_000;
  h.newEngine();
  const effects = h.start(wal);
  assert.deepEqual([h.engine.round, h.engine.lockedRound, h.engine.validRound], [1, 0, 0]);
  assert.ok(sameId(h.engine.lockedBlockId!, v.id));
  assert.equal(effects.filter((e) => e.kind === "wal").length, 0, "nothing new to log");
  assert.ok(effects.some((e) => e.kind === "schedule" && e.step === TimeoutStep.Propose && e.round === 1));
  // Round 1: a proposal without POL for another block gets nil (still locked); no conflicting vote.
  const [pv] = sentVotes(h.send(h.proposal(1, -1, h.block("w"))));
  assert.ok(pv && isNil(pv));
  // Round 0 messages arriving again change nothing and sign nothing.
  assert.deepEqual(sentVotes(h.send(h.proposal(0, -1, v))), []);
  assert.equal(sent.length, 2);
});

test("replay ignores entries of other heights, and then starts the WAL afresh", () => {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0);
  const stale: WalEntry[] = [
    { kind: "height", height: 5n },
    { kind: "message", message: h.vote(0, PV, 3, null, { height: 5n }), own: true },
    { kind: "timeout", height: 5n, round: 3, step: TimeoutStep.Prevote },
  ];
  const effects = h.start(stale);
  assert.deepEqual([h.engine.height, h.engine.round], [1n, 0]);
  assert.deepEqual(effects[0], { kind: "wal", entry: { kind: "height", height: 1n }, sync: true });
  assert.equal(sentVotes(effects).length, 0);
});

test("with a synchronous WAL writer, an own vote is in the WAL before the signer signs the next", () => {
  // One input can make the engine prevote and at once precommit (the proposal arrives after the
  // others' prevotes). A crash between the signer recording the precommit and the WAL recording
  // the prevote would leave the restarted node unable to prevote again (the signer refuses).
  const order: string[] = [];
  const powers = [1n, 1n, 1n, 1n];
  const me = new EngineHarness(powers, 0).proposerAt(0) === 0 ? 1 : 0;
  const signer = new SimSigner(new EngineHarness(powers, me).keys[me]!, true);
  const recording = Object.assign(Object.create(signer) as SimSigner, {
    sign(height: bigint, round: number, step: SignStep, bytes: Uint8Array) {
      order.push(`sign ${step}`);
      return signer.sign(height, round, step, bytes);
    },
  });
  const h = new EngineHarness(powers, me, {
    signer: recording,
    writeWal: (entry) => {
      if (entry.kind === "message" && entry.own && entry.message.kind === "vote")
        order.push(`wal ${entry.message.vote.type}`);
    },
  });
  h.start();
  const v = h.block("v");
  const others = [0, 1, 2, 3].filter((i) => i !== me && i !== h.proposerAt(0)).slice(0, 2);
  h.send(others.map((i) => h.vote(i, PV, 0, v)));
  const effects = h.send(h.proposal(0, -1, v));
  assert.deepEqual(
    sentVotes(effects).map((x) => x.type),
    [PV, PC],
    "prevote and precommit from one input",
  );
  assert.deepEqual(
    order,
    ["sign 2", "wal 1", "sign 3"],
    "the prevote was logged before the precommit was signed",
  );
  // What was not yet written (the precommit) is still returned, for the host to log before sending.
  const pending = walOf(effects).filter((e) => e.kind === "message" && e.own);
  assert.equal(pending.length, 1);
  assert.ok(pending[0]!.kind === "message" && pending[0]!.message.kind === "vote");
  assert.equal(pending[0]!.message.vote.type, PC);
});
