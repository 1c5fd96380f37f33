/**
 * Issue #6's acceptance run on a network (the `pnpm testnet` demo's scenario, testnet/fl-demo.ts):
 * 4 validator processes, 4 trainers holding two label shards each of the digits (non-IID), the
 * fourth sending sign-flipped updates scaled x10, 3 rounds of `trust` paying by contribution, with
 * the owner's eval set encrypted for the validators and a join bond. The validators' services do
 * all the committee work (decrypt the eval set, score, commit, reveal, aggregate with the medians);
 * the test only watches.
 *
 * Checked: every round paid, its evaluation settled by > 2/3 of the committee and its aggregate
 * agreed; the attacker's median trust weight and contribution are 0 in every round (its update
 * points against the reference direction, so relu(cos) is 0 for every honest evaluator), the
 * honest trainers' are positive; every ucif of the pool is accounted for, per round against the
 * contribution payout computed here by hand, per account from balances and fees; the attacker's
 * bond is forfeited, the others' returned.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StargateClient } from "@cosmjs/stargate";
import { devAccounts } from "../../chain/wiring/genesis.ts";
import { RoundStatus, StageStatus, TaskStatus } from "../../modules/fl/proto.ts";
import { type FlDemoResult, runFlDemo } from "../../testnet/fl-demo.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import { ucifBalance, ucifFee } from "../helpers/ucif.ts";

const ROUNDS = 3;
const POOL = 30_000_001n;
const COMMITTEE_FEE_PPM = 100_000n;

describe("FL acceptance (#6): trust on non-IID digits, 4 validators, 4 trainers (one sign-flips x10), 3 rounds", () => {
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
        fl.params.dispute_blocks = "4";
        // Each phase closes as soon as every member acted; these only bound a silent one.
        fl.params.commit_blocks = "80";
        fl.params.reveal_blocks = "40";
      },
    });
    await net.start();
    reader = await StargateClient.connect(net.nodes[3]!.url);
    for (const a of await devAccounts()) before_.set(a.address, await balance(a.address));
    demo = await runFlDemo({
      rpcUrls: net.nodes.map((n) => n.url),
      trainers: 4,
      rule: "trust",
      split: "non-iid",
      attack: "sign-flip",
      rounds: ROUNDS,
      roundBlocks: 20n,
      pool: POOL,
      epochs: 2,
      timeoutMs: 300_000,
      log: (line) => demoLog.push(line),
    });
  });

  after(async () => {
    reader?.disconnect();
    await net?.destroy();
  });

  test("every round is evaluated by commit-reveal, agreed and paid", (t) => {
    for (const line of demoLog) t.diagnostic(line);
    assert.equal(demo.task.status, TaskStatus.Finished);
    assert.equal(demo.rounds.length, ROUNDS);
    for (const r of demo.rounds) {
      assert.equal(r.record.status, RoundStatus.Paid, `round ${r.round}`);
      assert.ok(r.record.evaluated, `round ${r.round} evaluated`);
      const s = r.stages[0]!;
      assert.equal(s.status, StageStatus.Final);
      assert.ok(3 * s.reveals.length > 2 * s.committee.length, `round ${r.round}: > 2/3 revealed`);
      assert.ok(3 * s.agreed.length > 2 * s.committee.length, `round ${r.round}: > 2/3 agreed`);
      for (const rep of s.reports) assert.equal(rep.hash, s.aggregateHash);
      assert.equal(r.record.aggregateCid, s.aggregateCid);
    }
  });

  test("the attacker's trust weight and contribution are 0 in every round; the honest trainers' are not", () => {
    const attacker = demo.trainers.find((t) => t.attack)!.address;
    for (const r of demo.rounds) {
      assert.equal(r.updates.length, 4);
      for (const u of r.updates) {
        assert.ok(u.evaluated);
        if (u.participant === attacker) {
          assert.equal(u.trustPpm, 0, `round ${r.round}: attacker's weight`);
          assert.equal(u.contributionPpm, 0, `round ${r.round}: attacker's contribution`);
        } else {
          assert.ok(u.trustPpm > 0, `round ${r.round}: ${u.participant}'s weight ${u.trustPpm}`);
          assert.ok(u.contributionPpm > 0, `round ${r.round}: ${u.participant}'s contribution`);
        }
      }
      // trust leaves the weight-0 update out of the aggregate, and so out of the payout.
      assert.deepEqual(r.stages[0]!.excluded, [attacker]);
    }
  });

  test("rewards, escrow and bonds add up to the last ucif", async () => {
    const task = demo.task;
    assert.equal(BigInt(task.escrow), 0n);
    assert.equal(BigInt(task.heldBonds), 0n);
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
      // Pro rata to the contributions of the accepted updates.
      const accepted = r.updates.filter((u) => !stage.excluded.includes(u.participant));
      const total = accepted.reduce((s, u) => s + BigInt(u.contributionPpm), 0n);
      let trainersPaid = 0n;
      for (const t of demo.trainers) {
        const u = accepted.find((x) => x.participant === t.address);
        const expected = u ? ((budget - fee) * BigInt(u.contributionPpm)) / total : 0n;
        const got = t.outcomes.find((x) => x.round === r.round)?.reward ?? 0n;
        assert.equal(got, expected, `round ${r.round}, ${t.address}`);
        trainersPaid += expected;
        perTrainer.set(t.address, (perTrainer.get(t.address) ?? 0n) + expected);
      }
      assert.equal(BigInt(r.record.paidTrainers), trainersPaid);
      paid += trainersPaid + perMember * BigInt(stage.agreed.length);
    }
    assert.equal(BigInt(task.paid), paid);
    const ownerNow = await balance(demo.owner);
    assert.equal(
      ownerNow,
      before_.get(demo.owner)! - POOL - (await feeOf(demo.createTxHash)) + BigInt(task.refunded),
    );
    for (const t of demo.trainers) {
      let fees = 0n;
      for (const h of t.txHashes) fees += await feeOf(h);
      // The bond went out at the join and came back at the end, except the attacker's.
      const bondLost = t.attack ? demo.joinBond : 0n;
      assert.equal(
        await balance(t.address),
        before_.get(t.address)! + (perTrainer.get(t.address) ?? 0n) - fees - bondLost,
        t.address,
      );
    }
  });
});
