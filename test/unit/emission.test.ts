import assert from "node:assert/strict";
import { test } from "node:test";
import { Dec } from "../../chain/types/dec.ts";
import { scheduledEmission } from "../../modules/distribution/emission.ts";
import { DEFAULT_EMISSION_PARAMS, type EmissionParams } from "../../modules/distribution/params.ts";

// The emission schedule of validator rewards: a decaying per-block amount, pure integer arithmetic.

const p = (over: Partial<EmissionParams>): EmissionParams => ({ ...DEFAULT_EMISSION_PARAMS, ...over });

test("the per-block amount steps down by the decay rate at each period boundary", () => {
  const s = p({ initialPerBlock: 1_000_000n, decayRate: Dec.parse("0.2"), decayPeriodBlocks: 10n });
  assert.equal(scheduledEmission(s, 0n), 0n, "no block 0");
  assert.equal(scheduledEmission(s, 1n), 1_000_000n);
  assert.equal(scheduledEmission(s, 10n), 1_000_000n);
  assert.equal(scheduledEmission(s, 11n), 800_000n);
  assert.equal(scheduledEmission(s, 21n), 640_000n);
  assert.equal(scheduledEmission(s, 31n), 512_000n);
  // 0.8^62 x 10^6 < 1: nothing is emitted any more, however far the chain goes.
  assert.equal(scheduledEmission(s, 621n), 0n);
  assert.equal(scheduledEmission(s, 10n ** 15n), 0n);
  assert.equal(
    scheduledEmission(p({ decayRate: Dec.ZERO }), 10n ** 12n),
    DEFAULT_EMISSION_PARAMS.initialPerBlock,
  );
  assert.equal(
    scheduledEmission(p({ decayRate: Dec.ONE }), DEFAULT_EMISSION_PARAMS.decayPeriodBlocks + 1n),
    0n,
  );
});

test("with an odd rate, squaring the decay factor stays within 2 ucif of decaying period by period", () => {
  const s = p({ initialPerBlock: 987_654_321n, decayRate: Dec.parse("0.0123456789"), decayPeriodBlocks: 7n });
  let amount = Dec.fromInt(s.initialPerBlock);
  const keep = Dec.ONE.sub(s.decayRate);
  for (let k = 0n; k < 40n; k++) {
    // Step by step, the amount is within a few ucif of the schedule's (both truncate, in different orders).
    const got = scheduledEmission(s, k * 7n + 1n);
    const want = amount.truncateInt();
    assert.ok(got <= want && want - got <= 2n, `period ${k}: ${got} vs ${want}`);
    assert.equal(scheduledEmission(s, k * 7n + 7n), got, "constant within a period");
    amount = amount.mulTruncate(keep);
  }
});

test("the default schedule never asks for more than the 150M CIF staking-rewards allocation", () => {
  const s = DEFAULT_EMISSION_PARAMS;
  let total = 0n;
  for (let k = 0n; ; k++) {
    const perBlock = scheduledEmission(s, k * s.decayPeriodBlocks + 1n);
    if (perBlock === 0n) break;
    total += perBlock * s.decayPeriodBlocks;
  }
  assert.ok(total <= 150_000_000n * 1_000_000n, `${total}`);
  assert.ok(total > 149_900_000n * 1_000_000n, "and uses nearly all of it");
});
