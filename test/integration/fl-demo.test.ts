/**
 * Issue #5's acceptance run, through the demo scenario `pnpm testnet` runs (testnet/fl-demo.ts): a
 * 4-validator network of processes, 4 trainers on the digits dataset, each through a different
 * validator's RPC and blob API, the fourth sending sign-flipped updates scaled x10, 3 rounds with
 * `median`. The validators' aggregator services are the committees; the test only watches.
 *
 * Checked: every round paid with more than 2/3 of its committee in agreement (the report that
 * completes the agreement finalizes the stage, so a fourth report usually comes too late to count)
 * and no report naming another aggregate; its global model CID on chain; held-out accuracy
 * over a floor; every ucif of the pool accounted for, per round from the chain's records against
 * the payout formula computed here by hand, and per account from balances and the fees of every tx.
 *
 * The accuracy floor, 60%: the genesis weights score about 10% (chance on 10 classes). The same
 * split, model and training without any chain (bench:fl-quality's code path: 4 trainers, 2 epochs a
 * round, wasm backend, split seeds 7, 1 and 2) reached 87.2%, 90.5% and 83.8% after 3 rounds of
 * median with the fourth trainer flipping signs (89.4%, 90.8%, 87.2% with it honest), and 10.3%,
 * 8.4% and 9.5% with plain FedAvg under the same attack: the x10 flipped step outweighs the three
 * honest ones. So 60% cannot be met by a run in which the attacker's update got through, and leaves
 * room for training on another machine or backend (round 1 alone ranged 52-76%).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StargateClient } from "@cosmjs/stargate";
import { devAccounts } from "../../chain/wiring/genesis.ts";
import { type FlDemoResult, runFlDemo } from "../../testnet/fl-demo.ts";
import { RoundStatus, StageStatus, TaskStatus } from "../../modules/fl/proto.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import { ucifBalance, ucifFee } from "../helpers/ucif.ts";

const ROUNDS = 3;
const POOL = 30_000_001n; // not a multiple of the rounds: the last round takes the rounding
const ACCURACY_FLOOR = 0.6;
const COMMITTEE_FEE_PPM = 100_000n; // fl's default param

describe("FL acceptance: 4 validators, 4 trainers (one sign-flips x10), 3 rounds of median on digits", () => {
  let net: TestNetwork;
  let reader: StargateClient;
  let demo: FlDemoResult;
  const demoLog: string[] = [];
  const before_ = new Map<string, bigint>();
  const balance = (a: string) => ucifBalance(reader, a);
  const feeOf = (hash: string) => ucifFee(reader, hash);

  before(async () => {
    net = await TestNetwork.create(4, 250, {
      editGenesis: (g) => {
        const fl = (g.app_state as Record<string, { params: Record<string, string> }>).fl!;
        // A short dispute window keeps the test short (nobody disputes here).
        fl.params.dispute_blocks = "4";
      },
    });
    await net.start();
    reader = await StargateClient.connect(net.nodes[3]!.url);
    for (const a of await devAccounts()) before_.set(a.address, await balance(a.address));
    demo = await runFlDemo({
      rpcUrls: net.nodes.map((n) => n.url),
      trainers: 4,
      rule: "median",
      split: "iid",
      attack: "sign-flip",
      rounds: ROUNDS,
      roundBlocks: 30n,
      pool: POOL,
      epochs: 2,
      timeoutMs: 240_000,
      log: (line) => demoLog.push(line),
    });
  });

  after(async () => {
    reader?.disconnect();
    await net?.destroy();
  });

  test("every round is paid, its committee agreed, its global model is on chain", () => {
    assert.equal(demo.task.status, TaskStatus.Finished);
    assert.equal(demo.rounds.length, ROUNDS);
    for (const r of demo.rounds) {
      assert.equal(r.record.status, RoundStatus.Paid, `round ${r.round}`);
      assert.equal(r.stages.length, 1, "one subgroup, no root stage");
      const stage = r.stages[0]!;
      assert.equal(stage.status, StageStatus.Final);
      assert.equal(stage.committee.length, 4);
      assert.ok(3 * stage.agreed.length > 2 * stage.committee.length, `round ${r.round}: > 2/3 agreed`);
      // Every report that arrived names the same aggregate.
      for (const rep of stage.reports) assert.equal(rep.hash, stage.aggregateHash);
      assert.match(r.globalCid, /^bafkrei[a-z2-7]{52}$/);
      assert.equal(r.record.aggregateCid, stage.aggregateCid);
      assert.equal(r.record.updateCount, 4);
      // median selects nobody out: all four updates (the attacker's too) count for rewards.
      assert.deepEqual(stage.excluded, []);
    }
    assert.equal(demo.task.globalModelCid, demo.rounds[ROUNDS - 1]!.globalCid);
  });

  test(`the global model learns despite the attacker: held-out accuracy over ${ACCURACY_FLOOR * 100}%`, (t) => {
    for (const line of demoLog) t.diagnostic(line);
    assert.ok(demo.initialAccuracy < 0.3, `genesis weights at ${demo.initialAccuracy}`);
    const final = demo.rounds[ROUNDS - 1]!.accuracy;
    assert.ok(
      final >= ACCURACY_FLOOR,
      `final accuracy ${final} (per round: ${demo.rounds.map((r) => r.accuracy)})`,
    );
  });

  test("rewards and escrow add up to the last ucif", async () => {
    const task = demo.task;
    assert.equal(BigInt(task.escrow), 0n);
    assert.equal(BigInt(task.paid) + BigInt(task.refunded), POOL);

    const base = POOL / BigInt(ROUNDS);
    let paid = 0n;
    const perTrainer = new Map<string, bigint>();
    for (const r of demo.rounds) {
      const budget = r.round === ROUNDS ? POOL - base * BigInt(ROUNDS - 1) : base;
      assert.equal(BigInt(r.record.budget), budget);
      const stage = r.stages[0]!;
      const fee = (budget * COMMITTEE_FEE_PPM) / 1_000_000n;
      const perMember = fee / BigInt(stage.agreed.length);
      assert.equal(BigInt(r.record.paidCommittee), perMember * BigInt(stage.agreed.length));
      const forTrainers = budget - fee;
      const samples = demo.trainers.reduce((s, t) => s + BigInt(t.samples), 0n);
      assert.equal(BigInt(stage.acceptedSamples), samples);
      let trainersPaid = 0n;
      for (const t of demo.trainers) {
        const expected = (forTrainers * BigInt(t.samples)) / samples;
        const got = t.outcomes.find((x) => x.round === r.round)?.reward;
        assert.equal(got, expected, `round ${r.round}, ${t.address}`);
        trainersPaid += expected;
        perTrainer.set(t.address, (perTrainer.get(t.address) ?? 0n) + expected);
      }
      assert.equal(BigInt(r.record.paidTrainers), trainersPaid);
      paid += trainersPaid + perMember * BigInt(stage.agreed.length);
    }
    assert.equal(BigInt(task.paid), paid);

    // Balances: the owner paid the pool and its create fee and got the refund back; each trainer
    // gained its rewards less the fees of its txs.
    const ownerNow = await balance(demo.owner);
    assert.equal(
      ownerNow,
      before_.get(demo.owner)! - POOL - (await feeOf(demo.createTxHash)) + BigInt(task.refunded),
    );
    for (const t of demo.trainers) {
      let fees = 0n;
      for (const h of t.txHashes) fees += await feeOf(h);
      assert.equal(t.txHashes.length, 1 + ROUNDS, "one join and one update per round");
      assert.equal(await balance(t.address), before_.get(t.address)! + perTrainer.get(t.address)! - fees);
    }
  });
});
