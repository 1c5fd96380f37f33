import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChainError } from "../../chain/app/errors.ts";
import {
  ParticipantCodec,
  Privacy,
  RoundCodec,
  type Task,
  TaskCodec,
  TaskStatus,
} from "../../modules/fl/proto.ts";
import { MARKET_CODESPACE, MarketCode } from "../../modules/market/errors.ts";
import type { Provenance } from "../../modules/market/proto.ts";
import { checkProvenance, provenanceOf, type TaskRecord } from "../../modules/market/provenance.ts";

// The provenance of a finished FL task's model, built from a hand-made record, and every way a claim
// can differ from the chain's record refused as InvalidProvenance.

/** A finished 2-round task, 3 participants (one never submitted); each round has distinct plain and
 * CKKS model fields, so the test tells which ones were read. */
function record(privacy = Privacy.Plain, over: Partial<Task> = {}): TaskRecord {
  const round = (n: number) =>
    RoundCodec.fromPartial({
      taskId: 7n,
      round: n,
      aggregateCid: `agg-cid-${n}`,
      aggregateHash: `agg-hash-${n}`,
      modelCid: `ckks-cid-${n}`,
      modelHash: `ckks-hash-${n}`,
    });
  return {
    task: TaskCodec.fromPartial({
      id: 7n,
      owner: "cifer1owner",
      rounds: 2,
      status: TaskStatus.Finished,
      privacy,
      ...over,
    }),
    rounds: [round(1), round(2)],
    participants: [
      ParticipantCodec.fromPartial({ taskId: 7n, address: "cifer1zed", updates: 2 }),
      ParticipantCodec.fromPartial({ taskId: 7n, address: "cifer1idle", updates: 0 }),
      ParticipantCodec.fromPartial({ taskId: 7n, address: "cifer1abe", updates: 1 }),
    ],
  };
}

const TRUTH: Provenance = {
  taskId: 7n,
  rounds: 2,
  globalModelHashes: ["agg-hash-1", "agg-hash-2"],
  contributors: ["cifer1abe", "cifer1zed"],
};

const isInvalidProvenance = (message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ChainError, String(e));
  assert.equal(e.codespace, MARKET_CODESPACE);
  assert.equal(e.code, MarketCode.InvalidProvenance);
  assert.match(e.message, message);
  return true;
};

describe("provenanceOf", () => {
  it("a plain task: aggregate hashes in round order, contributors sorted, idle participants out", () => {
    assert.deepEqual(provenanceOf(record()), {
      modelCid: "agg-cid-2",
      modelHash: "agg-hash-2",
      provenance: TRUTH,
    });
  });

  it("a CKKS task: the owner's published model of each round", () => {
    assert.deepEqual(provenanceOf(record(Privacy.Ckks)), {
      modelCid: "ckks-cid-2",
      modelHash: "ckks-hash-2",
      provenance: { ...TRUTH, globalModelHashes: ["ckks-hash-1", "ckks-hash-2"] },
    });
  });

  it("refuses an unfinished task, missing rounds and rounds out of order", () => {
    for (const status of [TaskStatus.Running, TaskStatus.Failed, TaskStatus.Cancelled])
      assert.throws(
        () => provenanceOf(record(Privacy.Plain, { status })),
        isInvalidProvenance(/has not finished/),
      );
    const short = record();
    short.rounds = short.rounds.slice(0, 1);
    assert.throws(() => provenanceOf(short), isInvalidProvenance(/has 2 rounds, 1 read/));
    const swapped = record();
    swapped.rounds = [swapped.rounds[1]!, swapped.rounds[0]!];
    assert.throws(() => provenanceOf(swapped), isInvalidProvenance(/round 1 of task 7 is missing/));
  });
});

describe("checkProvenance", () => {
  it("passes for the truth", () => {
    checkProvenance(TRUTH, "agg-cid-2", "agg-hash-2", record());
    checkProvenance(
      { ...TRUTH, globalModelHashes: ["ckks-hash-1", "ckks-hash-2"] },
      "ckks-cid-2",
      "ckks-hash-2",
      record(Privacy.Ckks),
    );
  });

  const lies: Array<[string, Provenance, string, string, RegExp]> = [
    ["a wrong round count", { ...TRUTH, rounds: 3 }, "agg-cid-2", "agg-hash-2", /rounds 3/],
    [
      "swapped round hashes",
      { ...TRUTH, globalModelHashes: ["agg-hash-2", "agg-hash-1"] },
      "agg-cid-2",
      "agg-hash-2",
      /global model hashes/,
    ],
    [
      "a forged round hash",
      { ...TRUTH, globalModelHashes: ["agg-hash-1", "forged"] },
      "agg-cid-2",
      "agg-hash-2",
      /global model hashes/,
    ],
    [
      "the CKKS hashes of a plain task",
      { ...TRUTH, globalModelHashes: ["ckks-hash-1", "ckks-hash-2"] },
      "agg-cid-2",
      "agg-hash-2",
      /global model hashes/,
    ],
    [
      "a missing contributor",
      { ...TRUTH, contributors: ["cifer1zed"] },
      "agg-cid-2",
      "agg-hash-2",
      /contributors/,
    ],
    [
      "an extra contributor (one that never submitted)",
      { ...TRUTH, contributors: ["cifer1abe", "cifer1idle", "cifer1zed"] },
      "agg-cid-2",
      "agg-hash-2",
      /contributors/,
    ],
    [
      "unsorted contributors",
      { ...TRUTH, contributors: ["cifer1zed", "cifer1abe"] },
      "agg-cid-2",
      "agg-hash-2",
      /contributors/,
    ],
    ["a wrong model cid", TRUTH, "agg-cid-1", "agg-hash-2", /model cid agg-cid-1/],
    ["a wrong model hash", TRUTH, "agg-cid-2", "agg-hash-1", /model hash agg-hash-1/],
  ];
  for (const [name, claim, cid, hash, message] of lies)
    it(`refuses ${name}`, () => {
      assert.throws(() => checkProvenance(claim, cid, hash, record()), isInvalidProvenance(message));
    });

  it("refuses the true claim of a task that did not finish", () => {
    assert.throws(
      () =>
        checkProvenance(
          TRUTH,
          "agg-cid-2",
          "agg-hash-2",
          record(Privacy.Plain, { status: TaskStatus.Running }),
        ),
      isInvalidProvenance(/has not finished/),
    );
  });
});
