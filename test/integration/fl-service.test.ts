import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, QueryClient, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { readFileSync } from "node:fs";
import { fromBase64 } from "@cosmjs/encoding";
import { join } from "node:path";
import { cidOf } from "../../chain/blobs/cid.ts";
import { homePaths } from "../../chain/node/home.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { signFlip } from "../../client/fl/attacks.ts";
import { weightsBytes } from "../../client/fl/model.ts";
import { type FlExtension, setupFlExtension } from "../../client/fl/query.ts";
import { createCiferRegistry } from "../../client/registry.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import { encodeLayers } from "../../modules/fl/aggregation/encoding.ts";
import { formatUploadAuth, UPLOAD_AUTH_HEADER, uploadSignDoc } from "../../modules/fl/upload-auth.ts";
import type { AggregationRule } from "../../modules/fl/aggregation/types.ts";
import { CiferClient } from "../../client/cifer-client.ts";
import { publishCkksModel } from "../../client/fl/ckks-owner.ts";
import { encryptUpdate, generateCkksKeys } from "../../modules/fl/ckks/ops.ts";
import { ckksBlobBytes } from "../../modules/fl/ckks/params.ts";
import {
  MsgCreateTaskResponse,
  Privacy,
  ROOT_STAGE,
  RoundStatus,
  Rule,
  type Stage,
  StageStatus,
  TaskStatus,
} from "../../modules/fl/proto.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// The validators' fl service end to end (issue #5, item 4): a real 4-validator network, tasks
// created and trained through CosmJS, and no committee work done by the test: each validator's
// node fetches the updates, validates and aggregates them in its worker thread, uploads the result
// and sends MsgSubmitAggregate with its operator key. Task 1 (median, one group) has a sign-flipped
// update, which the median absorbs, and a NaN update uploaded without ?task=, which the committee
// must exclude. Task 2 (fedavg, subgroups of 2) needs the root stage.

/** Two dense layers, 3 -> 4 -> 2: 12 + 4 + 8 + 2 = 26 float32 parameters (104 bytes). */
const SPEC = JSON.stringify({
  modelTopology: {
    class_name: "Sequential",
    config: {
      name: "tiny2",
      layers: [
        { class_name: "Dense", config: { units: 4, batch_input_shape: [null, 3], activation: "relu" } },
        { class_name: "Dense", config: { units: 2, activation: "softmax" } },
      ],
    },
  },
  weightSpecs: [
    { name: "dense_0/kernel", shape: [3, 4], dtype: "float32" },
    { name: "dense_0/bias", shape: [4], dtype: "float32" },
    { name: "dense_1/kernel", shape: [4, 2], dtype: "float32" },
    { name: "dense_1/bias", shape: [2], dtype: "float32" },
  ],
});
const SIZES = [12, 4, 8, 2];
const PARAMS = 26;
const POOL = 4_000_000n;
const SAMPLES = [100n, 200n, 300n, 400n];

/** A deterministic model: value i of seed s. */
function model(seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: PARAMS }, (_, i) => scale * Math.sin(seed * 7.1 + i * 0.37));
}
const layersOf = (flat: Float32Array) => {
  const out: Float32Array[] = [];
  let at = 0;
  for (const n of SIZES) {
    out.push(flat.slice(at, at + n));
    at += n;
  }
  return out;
};
const bytesOf = (flat: Float32Array) => weightsBytes(layersOf(flat));

const put = async (node: TestNode, bytes: Uint8Array, query = "") => {
  const res = await fetch(`${node.url}/blobs${query}`, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": "application/octet-stream" },
    signal: AbortSignal.timeout(20_000),
  });
  return {
    status: res.status,
    body: (await res.json()) as { cid?: string; error?: { code: string; message: string } },
  };
};

/** An update upload signed by `who` (modules/fl/upload-auth.ts); `signedRound` signs another claim. */
let signer: DirectSecp256k1HdWallet;
let chainId: string;
async function putUpdate(
  node: TestNode,
  who: string,
  taskId: bigint,
  round: number,
  bytes: Uint8Array,
  o: { signedRound?: number } = {},
) {
  const cid = cidOf(bytes);
  const { signature } = await signer.signDirect(
    who,
    uploadSignDoc(chainId, { taskId, round: o.signedRound ?? round, cid }),
  );
  const auth = formatUploadAuth(fromBase64(signature.pub_key.value), fromBase64(signature.signature));
  const res = await fetch(`${node.url}/blobs?task=${taskId}&round=${round}&cid=${cid}`, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": "application/octet-stream", [UPLOAD_AUTH_HEADER]: auth },
    signal: AbortSignal.timeout(20_000),
  });
  return {
    status: res.status,
    body: (await res.json()) as { cid?: string; error?: { code: string; message: string } },
  };
}

/** The fl service's pins on a node: holder -> CIDs (from data/blobs/pins.json). */
function flPins(node: TestNode): Map<string, string[]> {
  let pins: Record<string, string[]> = {};
  try {
    pins = JSON.parse(readFileSync(join(homePaths(node.home).blobs, "pins.json"), "utf8")).pins;
  } catch {
    // No pin yet.
  }
  const out = new Map<string, string[]>();
  for (const [cid, holders] of Object.entries(pins))
    for (const h of holders) if (h.startsWith("fl/task/")) out.set(h, [...(out.get(h) ?? []), cid].sort());
  return out;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`,
  );
}

describe("the fl aggregator service on a 4-validator network", () => {
  let net: TestNetwork;
  let client: SigningStargateClient;
  let comet: Comet38Client;
  let q: QueryClient & FlExtension;
  let owner: string;
  let trainers: string[];
  const global0 = model(0);
  const honest = [1, 2, 3, 4].map((s) => {
    const m = model(0);
    const d = model(s, 0.01);
    for (let i = 0; i < PARAMS; i++) m[i] = m[i]! + d[i]!;
    return m;
  });
  // Task 1's updates: two honest, one sign-flipped x10, one with NaN bytes.
  const flipped = signFlip(global0, honest[2]!, 10);
  const nanBytes = bytesOf(honest[3]!);
  new DataView(nanBytes.buffer).setFloat32(4 * 5, Number.NaN, true);
  const task1Bytes = [bytesOf(honest[0]!), bytesOf(honest[1]!), bytesOf(flipped), nanBytes];
  const task2Bytes = honest.map((m, i) => bytesOf(m.map((x) => x + 0.001 * (i + 1))));
  let task1 = 0n;
  let task2 = 0n;

  before(async () => {
    net = await TestNetwork.create(4, 250, {
      editGenesis: (g) => {
        const fl = (g.app_state as Record<string, { params: Record<string, string> }>).fl!;
        // A short dispute window keeps the test short; committees have 40 blocks (10 s) to report.
        fl.params.dispute_blocks = "4";
        fl.params.aggregate_blocks = "40";
      },
    });
    net.configure((c) => {
      c.fl = { ...c.fl, fetch_timeout_ms: 5000 };
    });
    await net.start();
    const node0 = net.nodes[0]!;
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
      prefix: "cif",
      hdPaths: [0, 1, 2, 3, 4].map(makeCosmoshubPath),
    });
    [owner, ...trainers] = (await wallet.getAccounts()).map((a) => a.address) as [string, ...string[]];
    signer = wallet;
    client = await SigningStargateClient.connectWithSigner(node0.url, wallet, {
      registry: createCiferRegistry(),
      gasPrice: GasPrice.fromString("0.0025ucif"),
      broadcastPollIntervalMs: 200,
      broadcastTimeoutMs: 30_000,
    });
    comet = await Comet38Client.connect(node0.url);
    chainId = await client.getChainId();
    q = QueryClient.withExtensions(comet, setupFlExtension);

    const genesis = await put(node0, bytesOf(global0));
    assert.equal(genesis.status, 201, JSON.stringify(genesis.body));
    const create = (over: Record<string, unknown>) => ({
      typeUrl: "/cifer.fl.v1.MsgCreateTask",
      value: {
        owner,
        modelSpec: SPEC,
        genesisWeightsCid: genesis.body.cid!,
        rewardPool: { denom: "ucif", amount: POOL.toString() },
        rounds: 1,
        roundBlocks: 40n,
        maxParticipants: 4,
        committeeSize: 4,
        ruleParams: { f: 0, m: 0, betaPpm: 0 },
        ...over,
      },
    });
    const created = await client.signAndBroadcast(
      owner,
      [
        create({ rule: Rule.Median, minParticipants: 4, subgroupSize: 0 }),
        create({ rule: Rule.FedAvg, minParticipants: 2, subgroupSize: 2 }),
      ],
      "auto",
    );
    assertIsDeliverTxSuccess(created);
    [task1, task2] = created.msgResponses.map((r) => MsgCreateTaskResponse.decode(r.value).taskId) as [
      bigint,
      bigint,
    ];
  });

  after(async () => {
    client?.disconnect();
    comet?.disconnect();
    await net?.destroy();
  });

  test("trainers join; PUT /blobs?task= takes only their signed updates of the current round", async () => {
    const join = (who: string) =>
      client.signAndBroadcast(
        who,
        [task1, task2].map((taskId) => ({
          typeUrl: "/cifer.fl.v1.MsgJoinTask",
          value: { participant: who, taskId },
        })),
        "auto",
      );
    for (const r of await Promise.all(trainers.map(join))) assertIsDeliverTxSuccess(r);
    assert.equal((await q.fl.task(task1)).task.status, TaskStatus.Running);

    const node = net.nodes[1]!;
    const who = trainers[0]!;
    const nan = await putUpdate(node, who, task1, 1, nanBytes);
    assert.equal(nan.status, 422);
    assert.equal(nan.body.error?.code, "BLOB_INVALID_CONTENT");
    assert.match(nan.body.error!.message, /weight 5 is not finite \(NaN\)/);
    const short = await putUpdate(node, who, task1, 1, nanBytes.subarray(0, 100));
    assert.equal(short.status, 422);
    assert.match(short.body.error!.message, /100 bytes, 104 expected/);
    assert.equal((await putUpdate(node, who, 999n, 1, task1Bytes[0]!)).status, 400, "no such task");
    assert.equal((await putUpdate(node, who, task1, 2, task1Bytes[0]!)).status, 400, "not the current round");
    assert.equal(
      (await put(node, task1Bytes[0]!, `?task=${task1}&round=1&cid=${cidOf(task1Bytes[0]!)}`)).status,
      401,
    );
    const forged = await putUpdate(node, who, task1, 1, task1Bytes[0]!, { signedRound: 2 });
    assert.equal(forged.status, 401, "a signature of another claim");
    const outsider = await putUpdate(node, owner, task1, 1, task1Bytes[0]!);
    assert.equal(outsider.status, 403);
    assert.match(outsider.body.error!.message, /is not a participant of task/);
  });

  test("trainers upload and submit; the services aggregate, agree, and the rounds are paid", async () => {
    // Updates go to different nodes: every committee member fetches most of them from peers.
    for (const [i, b] of task1Bytes.entries()) {
      // The NaN update goes around the check (no ?task=): the committee must exclude it.
      const r =
        i === 3 ? await put(net.nodes[i]!, b) : await putUpdate(net.nodes[i]!, trainers[i]!, task1, 1, b);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    for (const [i, b] of task2Bytes.entries()) {
      const r = await putUpdate(net.nodes[(i + 1) % 4]!, trainers[i]!, task2, 1, b);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const submit = (who: string, i: number) =>
      client.signAndBroadcast(
        who,
        [
          [task1, task1Bytes[i]!],
          [task2, task2Bytes[i]!],
        ].map(([taskId, bytes]) => ({
          typeUrl: "/cifer.fl.v1.MsgSubmitUpdate",
          value: {
            participant: who,
            taskId,
            round: 1,
            cid: cidOf(bytes as Uint8Array),
            sizeBytes: 104n,
            samples: SAMPLES[i]!,
          },
        })),
        "auto",
      );
    for (const r of await Promise.all(trainers.map(submit))) assertIsDeliverTxSuccess(r);
    // Every validator keeps a live task's blobs: genesis weights and this round's updates.
    const wanted = [cidOf(bytesOf(global0)), ...task1Bytes.map((b) => cidOf(b))].sort();
    await until("the validators to pin task 1's blobs", 15_000, async () =>
      net.nodes.every((n) => wanted.every((c) => flPins(n).get(`fl/task/${task1}`)?.includes(c)))
        ? true
        : undefined,
    );

    // Task 1: one group of four; the NaN update is excluded, the median of the other three is the model.
    const paid1 = await until("task 1 to finish", 60_000, async () => {
      const { task } = await q.fl.task(task1);
      assert.notEqual(task.status, TaskStatus.Failed, "task 1 failed");
      return task.status === TaskStatus.Finished ? task : undefined;
    });
    const { round: r1, stages: s1 } = await q.fl.round(task1, 1);
    assert.equal(r1.status, RoundStatus.Paid);
    assert.equal(s1.length, 1);
    const expected1 = expectedAggregate(
      [0, 1, 2].map((i) => ({ id: trainers[i]!, samples: SAMPLES[i]!, bytes: task1Bytes[i]! })),
      { kind: "median" },
    );
    assertAgreed(s1[0]!, cidOf(expected1), [trainers[3]!]);
    assert.equal(r1.aggregateCid, cidOf(expected1));
    assert.equal(paid1.globalModelCid, cidOf(expected1));
    // Any node serves the agreed model, byte for byte what the library computes here.
    const served = await fetch(`${net.nodes[3]!.url}/blobs/${r1.aggregateCid}`, {
      signal: AbortSignal.timeout(20_000),
    });
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), expected1);
    await assertPaid(
      task1,
      s1,
      [0n, 1n, 2n].map((i) => SAMPLES[Number(i)]!),
      [trainers[3]!],
    );

    // Task 2: two subgroups of two, each a fedavg, and the root: their fedavg by accepted samples.
    await until("task 2 to finish", 30_000, async () => {
      const { task } = await q.fl.task(task2);
      assert.notEqual(task.status, TaskStatus.Failed, "task 2 failed");
      return task.status === TaskStatus.Finished ? task : undefined;
    });
    const { round: r2, stages: s2 } = await q.fl.round(task2, 1);
    const { updates } = await q.fl.updates(task2, 1);
    const subgroups = s2.filter((s) => s.index !== ROOT_STAGE);
    const root = s2.find((s) => s.index === ROOT_STAGE);
    assert.equal(subgroups.length, 2);
    assert.ok(root, "a root stage");
    const groupModels = subgroups.map((s) => {
      const members = updates.filter((u) => u.subgroup === s.index);
      const bytes = expectedAggregate(
        members.map((u) => {
          const i = trainers.indexOf(u.participant);
          return { id: u.participant, samples: SAMPLES[i]!, bytes: task2Bytes[i]! };
        }),
        { kind: "fedavg" },
      );
      assertAgreed(s, cidOf(bytes), []);
      return { bytes, samples: members.reduce((n, u) => n + u.samples, 0n) };
    });
    const expectedRoot = expectedAggregate(
      groupModels.map((g, i) => ({ id: `g${i}`, samples: g.samples, bytes: g.bytes })),
      { kind: "fedavg" },
    );
    assertAgreed(root!, cidOf(expectedRoot), []);
    assert.equal(r2.aggregateCid, cidOf(expectedRoot));
    await assertPaid(task2, s2, SAMPLES, []);
    // Ended tasks are unpinned (at the next scan: within 10 blocks).
    await until("the ended tasks' pins to go", 15_000, async () =>
      net.nodes.every((n) => flPins(n).size === 0) ? true : undefined,
    );
  });

  /** The library's aggregate of (id, samples, weights bytes), encoded as the blob. */
  function expectedAggregate(
    inputs: Array<{ id: string; samples: bigint; bytes: Uint8Array }>,
    rule: AggregationRule,
  ): Uint8Array {
    const res = aggregate(
      inputs.map((u) => ({
        id: u.id,
        samples: u.samples,
        layers: layersOf(new Float32Array(u.bytes.slice().buffer)),
      })),
      rule,
    );
    return encodeLayers(res.layers);
  }

  /** Final on `cid` with > 2/3 of the committee agreeing and every report the same. */
  test("a ckks task: trainers' encrypted updates are summed by the committee; the owner decrypts FedAvg", async () => {
    // The owner's keys; the public key in the blob store, its CID in the task.
    const keys = await generateCkksKeys();
    const pk = await put(net.nodes[0]!, keys.publicKey);
    assert.equal(pk.status, 201, JSON.stringify(pk.body));
    const created = await client.signAndBroadcast(
      owner,
      [
        {
          typeUrl: "/cifer.fl.v1.MsgCreateTask",
          value: {
            owner,
            modelSpec: SPEC,
            genesisWeightsCid: cidOf(bytesOf(global0)),
            rewardPool: { denom: "ucif", amount: POOL.toString() },
            rounds: 1,
            roundBlocks: 40n,
            minParticipants: 3,
            maxParticipants: 3,
            committeeSize: 4,
            rule: Rule.FedAvg,
            ruleParams: { f: 0, m: 0, betaPpm: 0 },
            privacy: Privacy.Ckks,
            ckksPublicKeyCid: pk.body.cid!,
          },
        },
      ],
      "auto",
    );
    assertIsDeliverTxSuccess(created);
    const task3 = MsgCreateTaskResponse.decode(created.msgResponses[0]!.value).taskId;
    const three = trainers.slice(0, 3);
    for (const t of three)
      assertIsDeliverTxSuccess(
        await client.signAndBroadcast(
          t,
          [{ typeUrl: "/cifer.fl.v1.MsgJoinTask", value: { participant: t, taskId: task3 } }],
          "auto",
        ),
      );
    const size = Number(ckksBlobBytes(BigInt(PARAMS)));
    // A plaintext update is not a CKKS update of this task: refused at upload.
    const plain = await putUpdate(net.nodes[1]!, three[0]!, task3, 1, bytesOf(honest[0]!));
    assert.equal(plain.status, 422, JSON.stringify(plain.body));
    const encrypted = await Promise.all(
      three.map((_, i) => encryptUpdate(honest[i]!, Number(SAMPLES[i]!), keys.publicKey)),
    );
    for (const [i, b] of encrypted.entries()) {
      assert.equal(b.length, size);
      const r = await putUpdate(net.nodes[i + 1]!, three[i]!, task3, 1, b);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assertIsDeliverTxSuccess(
        await client.signAndBroadcast(
          three[i]!,
          [
            {
              typeUrl: "/cifer.fl.v1.MsgSubmitUpdate",
              value: {
                participant: three[i]!,
                taskId: task3,
                round: 1,
                cid: cidOf(b),
                sizeBytes: BigInt(size),
                samples: SAMPLES[i]!,
              },
            },
          ],
          "auto",
        ),
      );
    }
    // The committee sums the ciphertexts (any member gets the same bytes) and the round is paid;
    // then it waits for the owner's model.
    const paid = await until("task 3's round to be paid", 60_000, async () => {
      const { task } = await q.fl.task(task3);
      assert.notEqual(task.status, TaskStatus.Failed, "task 3 failed");
      const { round, stages } = await q.fl.round(task3, 1);
      return round.status === RoundStatus.Paid ? { round, stages } : undefined;
    });
    assertAgreed(paid.stages[0]!, paid.round.aggregateCid, []);
    assert.equal(paid.round.modelCid, "");
    const ownerClient = await CiferClient.connectWithSigner(net.nodes[0]!.url, signer, {
      gasPrice: GasPrice.fromString("0.0025ucif"),
      broadcastPollIntervalMs: 200,
      broadcastTimeoutMs: 30_000,
    });
    try {
      const published = await publishCkksModel({
        client: ownerClient,
        owner,
        nodeUrl: net.nodes[0]!.url,
        taskId: task3,
        round: 1,
        secretKey: keys.secretKey,
      });
      // FedAvg of the three plaintext updates, which nobody but their trainers ever saw.
      const total = SAMPLES.slice(0, 3).reduce((a, b) => a + b, 0n);
      let worst = 0;
      for (let i = 0; i < PARAMS; i++) {
        let want = 0;
        for (let t = 0; t < 3; t++) want += honest[t]![i]! * Number(SAMPLES[t]!);
        worst = Math.max(worst, Math.abs(published.weights[i]! - want / Number(total)));
      }
      assert.ok(worst < 1e-5, `decrypted FedAvg off by ${worst} (CKKS precision at scale 2^40: ~1e-7)`);
      const { task } = await q.fl.task(task3);
      assert.equal(task.status, TaskStatus.Finished);
      assert.equal(task.globalModelCid, published.cid);
      const { round } = await q.fl.round(task3, 1);
      assert.equal(round.modelCid, published.cid);
    } finally {
      ownerClient.disconnect();
    }
  });

  function assertAgreed(s: Stage, cid: string, excluded: string[]) {
    assert.equal(s.status, StageStatus.Final, `stage ${s.index}`);
    assert.equal(s.aggregateCid, cid, `stage ${s.index} aggregate`);
    assert.deepEqual(s.excluded, [...excluded].sort(), `stage ${s.index} excluded`);
    assert.ok(3 * s.agreed.length > 2 * s.committee.length, `stage ${s.index}: ${s.agreed.length} agreed`);
    for (const r of s.reports) {
      assert.equal(r.cid, cid, `${r.validator}'s report of stage ${s.index}`);
      assert.deepEqual(r.excluded, [...excluded].sort());
    }
  }

  /**
   * Escrow: paid + refunded = pool; the round's payouts (fl_reward events of the block that paid
   * it) are the committee fee split among the agreeing slots and the rest pro rata to the accepted
   * samples, exactly as the participants' `earned` says; excluded trainers get nothing.
   */
  async function assertPaid(taskId: bigint, stages: Stage[], acceptedSamples: bigint[], excluded: string[]) {
    const { task } = await q.fl.task(taskId);
    const { round } = await q.fl.round(taskId, 1);
    assert.equal(task.escrow, "0");
    assert.equal(BigInt(task.paid) + BigInt(task.refunded), POOL);
    assert.equal(BigInt(task.paid), BigInt(round.paidTrainers) + BigInt(round.paidCommittee));
    const budget = BigInt(round.budget);
    const fee = (budget * 100_000n) / 1_000_000n;
    const slots = stages.flatMap((s) => s.agreed).length;
    assert.equal(BigInt(round.paidCommittee), (fee / BigInt(slots)) * BigInt(slots));
    const total = acceptedSamples.reduce((a, b) => a + b, 0n);
    const { participants } = await q.fl.participants(taskId);
    let trainersPaid = 0n;
    for (const p of participants) {
      const i = trainers.indexOf(p.address);
      const want = excluded.includes(p.address) ? 0n : ((budget - fee) * SAMPLES[i]!) / total;
      assert.equal(BigInt(p.earned), want, `${p.address} earned`);
      trainersPaid += want;
    }
    assert.equal(BigInt(round.paidTrainers), trainersPaid);
    // The block that paid the round says the same in its events.
    const rewards = await until("the round's payout events", 10_000, async () => {
      for (let h = Number(round.disputeEnd); h <= Number(round.disputeEnd) + 3; h++) {
        const res = await net.nodes[0]!.rpc<{
          finalize_block_events: Array<{
            type: string;
            attributes: Array<{ key: string; value: string }>;
          }> | null;
        }>("block_results", { height: String(h) });
        const evs = (res.finalize_block_events ?? []).filter(
          (e) =>
            e.type === "fl_reward" &&
            e.attributes.some((a) => a.key === "task_id" && a.value === taskId.toString()),
        );
        if (evs.length > 0)
          return evs.map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])));
      }
      return undefined;
    });
    const sum = (role: string) =>
      rewards.filter((r) => r.role === role).reduce((n, r) => n + BigInt(r.amount!), 0n);
    assert.equal(sum("trainer"), trainersPaid);
    assert.equal(sum("committee"), BigInt(round.paidCommittee));
  }
});
