import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Commit as CommitCodec } from "cosmjs-types/tendermint/types/types";
import type { App } from "../../chain/app/app.ts";
import type { BlockInfo } from "../../chain/app/context.ts";
import { SyncedBlockError, verifySyncedBlock } from "../../chain/blocksync/verify.ts";
import { type Ed25519Key, ed25519Address, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, toHexUpper } from "../../chain/crypto/hash.ts";
import { BlockIDFlag, type ValidatorUpdate, validatorsHash } from "../../chain/types/block.ts";
import { TestChain, testGenesis } from "../helpers/chain.ts";

// Validator-set changes through the real executor, stores and block checks: the app's EndBlock
// (here a stand-in for staking, #4) returns updates, the chain applies them two heights later,
// headers carry the hashes, commits follow the set, and a second node syncing the chain verifies
// every block against the set of its height.

const k0 = generateEd25519();
const k1 = generateEd25519();
/** EndBlock updates by height: k1 joins at 3, k0 doubles at 6, k1 leaves at 8. */
const PLAN = new Map<bigint, ValidatorUpdate[]>([
  [3n, [{ pubKey: k1.pubkey, power: 1n }]],
  [6n, [{ pubKey: k0.pubkey, power: 20n }]],
  [8n, [{ pubKey: k1.pubkey, power: 0n }]],
]);
/** The set deciding each height, by power then address, as CometBFT orders it. */
function expectedSet(h: bigint): { key: Ed25519Key; power: bigint }[] {
  if (h <= 4n) return [{ key: k0, power: 10n }];
  if (h <= 7n)
    return [
      { key: k0, power: 10n },
      { key: k1, power: 1n },
    ];
  if (h <= 9n)
    return [
      { key: k0, power: 20n },
      { key: k1, power: 1n },
    ];
  return [{ key: k0, power: 20n }];
}
const hashOf = (h: bigint) =>
  validatorsHash(
    expectedSet(h).map((e) => ({ address: new Uint8Array(20), pubKey: e.key.pubkey, votingPower: e.power })),
  );

/** What BeginBlock was told at each height (by the first chain that executed it). */
const seen = new Map<bigint, BlockInfo>();

/** Wraps the app so EndBlock also returns the planned updates of the height it executes. */
function withPlannedUpdates(app: App): App {
  let height = 0n;
  const begin = app.beginBlock.bind(app);
  const end = app.endBlock.bind(app);
  app.beginBlock = (info) => {
    height = info.height;
    if (!seen.has(height)) seen.set(height, info);
    return begin(info);
  };
  app.endBlock = async () => [...(await end()), ...(PLAN.get(height) ?? [])];
  return app;
}

const chains: TestChain[] = [];
after(async () => {
  for (const c of chains) await c.close().catch(() => {});
});

const LAST = 11n;

test("app validator updates change the set two heights later, in headers, commits, results and stores", async () => {
  const genesis = await testGenesis([k0]);
  let a = await TestChain.open(genesis, withPlannedUpdates);
  chains.push(a);
  const producer = a.producer(k0, [k1]);
  for (let h = 1n; h <= LAST; h++) await producer.produceOne();
  const { blockStore } = a.core;

  for (let h = 1n; h <= LAST; h++) {
    const block = (await blockStore.block(h))!;
    assert.equal(toHexUpper(block.header.validatorsHash), toHexUpper(hashOf(h)), `validators hash at ${h}`);
    assert.equal(
      toHexUpper(block.header.nextValidatorsHash),
      toHexUpper(hashOf(h + 1n)),
      `next hash at ${h}`,
    );
    // The commit has one entry per member of the height's set, and k1 signs while it is a member.
    const commit = (await blockStore.commit(h))!;
    assert.equal(commit.signatures.length, expectedSet(h).length, `commit size at ${h}`);
    const k1Signed = commit.signatures.some(
      (s) =>
        s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT &&
        bytesEqual(s.validatorAddress, ed25519Address(k1.pubkey)),
    );
    assert.equal(k1Signed, h >= 5n && h <= 9n, `k1's precommit at ${h}`);
  }
  // BeginBlock learns who signed the previous block, over the set that decided it.
  const votes = (h: bigint) =>
    seen.get(h)!.lastCommit!.map((v) => [toHexUpper(v.validatorAddress), v.power, v.signed]);
  const addr = (k: Ed25519Key) => toHexUpper(ed25519Address(k.pubkey));
  assert.deepEqual(votes(1n), []);
  assert.deepEqual(votes(5n), [[addr(k0), 10n, true]]);
  assert.deepEqual(votes(6n), [
    [addr(k0), 10n, true],
    [addr(k1), 1n, true],
  ]);
  assert.deepEqual(seen.get(6n)!.proposerAddress, ed25519Address(k0.pubkey));
  // FinalizeBlock results carry the updates of the height that returned them.
  const results = (await blockStore.results(3n))!;
  assert.deepEqual(
    results.validatorUpdates.map((u) => [toHexUpper(u.pubKey!.ed25519!), u.power]),
    [[toHexUpper(k1.pubkey), 1n]],
  );
  assert.equal((await blockStore.results(4n))!.validatorUpdates.length, 0);

  // Every height's set, with the proposer priorities the engine used for it.
  const state = a.core.executor.state;
  assert.equal(state.lastHeightValidatorsChanged, 10n);
  for (let h = 1n; h <= LAST + 2n; h++) {
    const set = (await a.core.validators.setAt(h, state))!;
    assert.equal(toHexUpper(validatorsHash(set.validators)), toHexUpper(hashOf(h)), `stored set at ${h}`);
  }
  assert.deepEqual(
    (await a.core.validators.setAt(LAST + 1n, state))!.priorities,
    state.validators.priorities,
  );
  assert.equal(a.core.validators.membersAt(6n)!.length, 2); // evidence from 6 is checked against both
  assert.equal(a.core.validators.membersAt(LAST)!.length, 1);

  // A restart resumes the same sets.
  a = await a.reopen();
  chains.push(a);
  const resumed = a.core.executor.state;
  assert.deepEqual(resumed.validators.priorities, state.validators.priorities);
  assert.equal(toHexUpper(validatorsHash(resumed.lastValidators!.validators)), toHexUpper(hashOf(LAST)));
  assert.equal(a.core.validators.membersAt(6n)!.length, 2);

  // A node syncing the chain verifies each block and commit against its own view of the sets.
  const b = await TestChain.open(genesis, withPlannedUpdates);
  chains.push(b);
  for (let h = 1n; h <= LAST; h++) {
    const bytes = (await a.core.blockStore.blockBytes(h))!;
    const commit = CommitCodec.encode((await a.core.blockStore.commit(h))!).finish();
    const v = verifySyncedBlock(b.core.executor.state, bytes, commit);
    await b.core.executor.apply(v.block, bytes, v.blockId, v.commit);
  }
  assert.deepEqual(b.core.executor.state.lastBlockId.hash, resumed.lastBlockId.hash);
  assert.deepEqual(b.core.executor.state.appHash, resumed.appHash);

  // A node whose app returns no updates disagrees at the first header that names the new set.
  const c = await TestChain.open(genesis);
  chains.push(c);
  let refused: Error | undefined;
  for (let h = 1n; h <= LAST && !refused; h++) {
    const bytes = (await a.core.blockStore.blockBytes(h))!;
    const commit = CommitCodec.encode((await a.core.blockStore.commit(h))!).finish();
    try {
      const v = verifySyncedBlock(c.core.executor.state, bytes, commit);
      await c.core.executor.apply(v.block, bytes, v.blockId, v.commit);
    } catch (e) {
      refused = e as Error;
    }
  }
  assert.ok(refused instanceof SyncedBlockError, String(refused));
  assert.match(refused.message, /^block 4: next validators hash differs/);
});

test("updates the set cannot take halt the block instead of half-applying it", async () => {
  const genesis = await testGenesis([k0]);
  const stranger = generateEd25519();
  const chain = await TestChain.open(genesis, (app) => {
    const end = app.endBlock.bind(app);
    app.endBlock = async () => [...(await end()), { pubKey: stranger.pubkey, power: 0n }];
    return app;
  });
  chains.push(chain);
  const before = chain.core.executor.state;
  await assert.rejects(chain.producer(k0).produceOne(), /not in the set/);
  assert.equal(chain.core.executor.state, before);
  assert.equal(await chain.core.blockStore.block(1n), undefined);
});
