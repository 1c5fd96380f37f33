import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ValidatorSet, ValidatorUpdateError } from "../../chain/consensus/engine/proposer.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { compareBytes, sha256, utf8 } from "../../chain/crypto/hash.ts";
import { DEFAULT_CONSENSUS_PARAMS } from "../../chain/genesis/genesis-doc.ts";
import { decodeChainState, encodeChainState, type ChainState } from "../../chain/state/chain-state.ts";
import { genesisChainState, nextChainState } from "../../chain/state/transition.ts";
import { VALIDATOR_CHECKPOINT_INTERVAL, ValidatorStore } from "../../chain/state/validator-store.ts";
import { LevelDB } from "../../chain/store/level-db.ts";
import { emptyBlockId, validatorsHash, type Validator } from "../../chain/types/block.ts";

// Three keys whose addresses sort a < b < c, so expected orders can be written down.
const keys = Array.from({ length: 12 }, (_, i) => sha256(utf8(`validator-update-key-${i}`)))
  .map((pubKey) => ({ pubKey, address: ed25519Address(pubKey) }))
  .sort((x, y) => compareBytes(x.address, y.address));
const [a, b, c] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
const v = (k: typeof a, power: bigint, name = ""): Validator => ({ ...k, votingPower: power, name });
const names = (set: { validators: readonly Validator[] }) =>
  set.validators.map(
    (x) => "abc"[[a, b, c].findIndex((k) => compareBytes(k.address, x.address) === 0)] ?? "?",
  );

test("a new validator starts at -1.125 x the total power, then priorities are centred (CometBFT UpdateWithChangeSet)", () => {
  const set = ValidatorSet.withPriorities([v(a, 10n, "A"), v(b, 10n, "B")], [5n, -5n]);
  const next = set.withUpdates([{ pubKey: c.pubKey, power: 20n }]);
  // c: -(40 + 40 >> 3) = -45; the spread 50 fits in 2 x 40; centring subtracts floor(-45 / 3) = -15.
  assert.deepEqual(names(next), ["c", "a", "b"]); // by power, then address
  assert.deepEqual(next.priorities, [-30n, 20n, 10n]);
  assert.equal(next.totalVotingPower, 40n);
  // Names survive an update of an existing validator; the original set is untouched.
  assert.equal(next.validators[1]!.name, "A");
  assert.deepEqual(set.priorities, [5n, -5n]);
  assert.equal(set.validators.length, 2);
});

test("an updated validator keeps its priority; power 0 removes; the order follows power", () => {
  const set = ValidatorSet.withPriorities([v(a, 10n), v(b, 10n), v(c, 10n)], [7n, -3n, -4n]);
  const next = set.withUpdates([
    { pubKey: b.pubKey, power: 30n },
    { pubKey: a.pubKey, power: 0n },
  ]);
  assert.deepEqual(names(next), ["b", "c"]);
  // Priorities -3 and -4, centred by floor(-7 / 2) = -4.
  assert.deepEqual(next.priorities, [1n, 0n]);
  assert.deepEqual(
    next.validators.map((x) => x.votingPower),
    [30n, 10n],
  );
});

test("priorities spread wider than twice the total power are rescaled before centring", () => {
  const set = ValidatorSet.withPriorities([v(a, 1n), v(b, 1n)], [0n, 0n]);
  const next = set.withUpdates([{ pubKey: c.pubKey, power: 100n }]);
  // c starts at -(102 + 12) = -114; the spread 114 fits 2 x 102 = 204: no rescale, centre by -38.
  assert.deepEqual(next.priorities, [-76n, 38n, 38n]);
  const wide = ValidatorSet.withPriorities([v(a, 1n), v(b, 1n)], [1000n, -1000n]).withUpdates([
    { pubKey: a.pubKey, power: 2n },
  ]);
  // diff 2000 > 2 x 3 = 6: divided by ceil(2000 / 6) = 334, truncating toward zero as Go does.
  assert.deepEqual(wide.priorities, [2n, -2n]);
});

test("malformed updates are refused and change nothing", () => {
  const set = ValidatorSet.withPriorities([v(a, 10n), v(b, 10n)], [0n, 0n]);
  const refuse = (updates: Parameters<ValidatorSet["withUpdates"]>[0], why: RegExp) =>
    assert.throws(
      () => set.withUpdates(updates),
      (e: Error) => e instanceof ValidatorUpdateError && why.test(e.message),
    );
  refuse([{ pubKey: c.pubKey, power: 0n }], /not in the set/);
  refuse(
    [
      { pubKey: c.pubKey, power: 1n },
      { pubKey: c.pubKey, power: 2n },
    ],
    /duplicate/,
  );
  refuse([{ pubKey: c.pubKey, power: -1n }], /negative/);
  refuse([{ pubKey: new Uint8Array(33), power: 1n }], /33-byte/);
  refuse(
    [
      { pubKey: a.pubKey, power: 0n },
      { pubKey: b.pubKey, power: 0n },
    ],
    /empty set/,
  );
  refuse([{ pubKey: c.pubKey, power: 1n << 60n }], /maximum/);
  assert.deepEqual(names(set), ["a", "b"]);
  // No updates: an equal copy.
  assert.deepEqual(set.withUpdates([]).priorities, set.priorities);
});

const genesis = (): ChainState =>
  genesisChainState({
    chainId: "cifer-test-1",
    initialHeight: 1n,
    genesisTime: { seconds: 1_700_000_000n, nanos: 0 },
    appHash: sha256(),
    validators: [v(a, 10n, "A"), v(b, 10n, "B")],
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
  });

function applyBlock(s: ChainState, updates: Parameters<ValidatorSet["withUpdates"]>[0] = []): ChainState {
  const height = s.lastBlockHeight + 1n;
  return nextChainState(s, {
    header: { height, time: { seconds: 1_700_000_000n + height, nanos: 0 } } as never,
    blockId: { ...emptyBlockId(), hash: sha256(utf8(`block ${height}`)) },
    appHash: sha256(utf8(`app ${height}`)),
    lastResultsHash: sha256(),
    validatorUpdates: updates,
  });
}

test("updates returned at height H decide from H + 2; the sets shift by one height per block", () => {
  let s = genesis();
  assert.equal(s.lastValidators, null);
  assert.equal(s.lastHeightValidatorsChanged, 1n);
  s = applyBlock(s); // 1
  s = applyBlock(s, [{ pubKey: c.pubKey, power: 20n }]); // 2: the app changes the set
  assert.equal(s.lastHeightValidatorsChanged, 4n);
  assert.deepEqual(names(s.validators), ["a", "b"]); // height 3 is already fixed
  assert.deepEqual(names(s.nextValidators), ["c", "a", "b"]); // height 4
  const atThree = s.validators;
  s = applyBlock(s); // 3
  assert.equal(s.lastValidators, atThree); // block 3's commit is checked against the set of 3
  assert.deepEqual(names(s.validators), ["c", "a", "b"]);
  // The state round-trips through its encoding, priorities and proposer included.
  const back = decodeChainState(encodeChainState(s));
  assert.deepEqual(back.validators.priorities, s.validators.priorities);
  assert.equal(back.validators.proposerIndex, s.validators.proposerIndex);
  assert.deepEqual(
    validatorsHash(back.nextValidators.validators),
    validatorsHash(s.nextValidators.validators),
  );
  assert.equal(back.lastHeightValidatorsChanged, 4n);
});

test("the validator store answers every height's set with its priorities, across changes and checkpoints", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cifer-vals-"));
  const db = new LevelDB(join(dir, "db"));
  await db.open();
  try {
    const store = new ValidatorStore(db, 5n);
    let s = genesis();
    const expected: ValidatorSet[] = [s.validators]; // index h - 1: the set deciding h
    await db.write(store.opsFor(s));
    store.committed(s);
    const last = VALIDATOR_CHECKPOINT_INTERVAL + 5n;
    for (let h = 1n; h <= last; h++) {
      const updates =
        h === 3n
          ? [{ pubKey: c.pubKey, power: 20n }]
          : h === VALIDATOR_CHECKPOINT_INTERVAL - 4n
            ? [{ pubKey: a.pubKey, power: 0n }]
            : [];
      s = applyBlock(s, updates);
      expected.push(s.validators);
      await db.write(store.opsFor(s));
      store.committed(s);
    }
    // Records only where the set changed and at the checkpoint: genesis, 5, CHECKPOINT - 2, CHECKPOINT.
    let records = 0;
    for await (const _ of db.iterate(utf8("v/"), utf8("v0"))) records++;
    assert.equal(records, 4);
    for (const h of [
      1n,
      2n,
      4n,
      5n,
      6n,
      77n,
      VALIDATOR_CHECKPOINT_INTERVAL - 2n,
      VALIDATOR_CHECKPOINT_INTERVAL + 3n,
      last + 1n,
    ]) {
      const got = await store.setAt(h, s);
      const want = h <= last ? expected[Number(h) - 1]! : s.validators;
      assert.ok(got, `set at ${h}`);
      assert.deepEqual(names(got), names(want), `members at ${h}`);
      assert.deepEqual(got.priorities, want.priorities, `priorities at ${h}`);
    }
    assert.equal(await store.setAt(0n, s), undefined);
    assert.equal(await store.setAt(last + 3n, s), undefined);
    // Membership in memory covers the evidence window (5 blocks) and nothing older is needed.
    assert.deepEqual(names({ validators: store.membersAt(last)! }), ["c", "b"]);
    // A store reopened from the state finds the same window.
    const reopened = new ValidatorStore(db, 5n);
    await reopened.open(s);
    assert.deepEqual(reopened.membersAt(last), store.membersAt(last));
    assert.equal(reopened.membersAt(4n), undefined);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("proposer weights: weight 0 votes but never proposes, double weight proposes twice as often", () => {
  let set = ValidatorSet.fromGenesis([v(a, 10n), v(b, 10n), v(c, 10n)]).withUpdates([
    { pubKey: a.pubKey, power: 10n, proposerWeight: 0n },
    { pubKey: b.pubKey, power: 10n, proposerWeight: 20n },
  ]);
  assert.equal(set.totalVotingPower, 30n); // voting is untouched
  const count = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    set = set.next();
    const who = names({ validators: [set.proposer] })[0]!;
    count.set(who, (count.get(who) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(count), { b: 200, c: 100 });
  // Nobody may propose: everyone proposes by power rather than the chain stopping.
  let stuck = ValidatorSet.fromGenesis([
    { ...v(a, 10n), proposerWeight: 0n },
    { ...v(b, 30n), proposerWeight: 0n },
  ]);
  const seen = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    stuck = stuck.next();
    const who = names({ validators: [stuck.proposer] })[0]!;
    seen.set(who, (seen.get(who) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(seen), { a: 10, b: 30 });
  assert.throws(
    () => set.withUpdates([{ pubKey: c.pubKey, power: 1n, proposerWeight: -1n }]),
    ValidatorUpdateError,
  );
  // The weight survives the state encoding.
  const s = genesis();
  const weighted = { ...s, nextValidators: set };
  assert.deepEqual(
    decodeChainState(encodeChainState(weighted)).nextValidators.validators.map((x) => x.proposerWeight),
    set.validators.map((x) => x.proposerWeight),
  );
});
