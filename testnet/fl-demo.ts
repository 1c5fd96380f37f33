/**
 * The federated-learning demo of `pnpm testnet` (issues #5 and #6, item 7), also the scenario of the
 * acceptance tests (test/integration/fl-demo.test.ts: median on IID shares; fl-trust.test.ts: trust
 * on a non-IID split): a model owner (dev account 0) opens a task on the digits dataset with a reward
 * pool; trainers (dev accounts 1..N) each hold a share of the training rows (IID, or two label shards
 * each, McMahan et al.) and run the trainer SDK against a different validator's RPC; the last one is
 * byzantine (a sign-flipped update scaled x10). With `trust` the owner keeps a few hundred rows as its
 * evaluation set, encrypted for the validators; they score every update (FLTrust weight, accuracy),
 * agree on the medians by commit-reveal, aggregate with them, and the task pays by contribution and
 * takes a join bond that zero-contribution trainers forfeit. The validators' services do all the
 * committee work. After each paid round the demo downloads the global model and measures it on
 * held-out rows nobody trained on or evaluated with.
 *
 * Everything goes through the public surfaces a real user has: CosmJS transactions and queries, the
 * blob API, the trainer SDK. Nothing here reaches into a node.
 */
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC } from "../chain/wiring/genesis.ts";
import { formatCif } from "../client/amounts.ts";
import { CiferClient } from "../client/cifer-client.ts";
import type { Attack } from "../client/fl/attacks.ts";
import { type BackendName, initTf, type Tf } from "../client/fl/backend.ts";
import { getBlob, putBlob } from "../client/fl/blobs.ts";
import { DIGITS_PATH, type Dataset, loadCsvDataset } from "../client/fl/dataset.ts";
import { createMlp, type ModelSpec } from "../client/fl/model.ts";
import { createdTaskId, msgCreateTask } from "../client/fl/msgs.ts";
import { prepareEvalSet } from "../client/fl/eval-set.ts";
import { holdOut, splitByLabelShards, splitIid } from "../client/fl/split.ts";
import { accuracy } from "../client/fl/train.ts";
import { FlTrainer, type RoundOutcome, type TrainerEvent } from "../client/fl/trainer.ts";
import {
  Payout,
  type Round,
  RoundStatus,
  Rule,
  type Stage,
  type Task,
  TaskStatus,
  type Update,
} from "../modules/fl/proto.ts";

export interface FlDemoOptions {
  /** The validators' RPC URLs; the owner uses the first, trainer i the (i+1)-th modulo their count. */
  rpcUrls: string[];
  /** Trainers (dev accounts 1..trainers); the last one attacks. */
  trainers?: number;
  attack?: Attack | "none";
  /** The aggregation rule (default trust, which needs and gets an eval set). */
  rule?: "median" | "trust";
  /** How the training rows are shared (default: non-iid for trust, iid for median). */
  split?: "iid" | "non-iid";
  rounds?: number;
  /** Blocks each round collects updates for. */
  roundBlocks?: bigint;
  /** The reward pool, ucif. */
  pool?: bigint;
  /** Local epochs per round. */
  epochs?: number;
  seed?: number;
  /** One line of progress. */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** The whole demo fails after this long (default 15 minutes). */
  timeoutMs?: number;
}

export interface DemoRound {
  round: number;
  status: RoundStatus;
  globalCid: string;
  /** Held-out accuracy of the round's global model, 0..1. */
  accuracy: number;
  committee: number;
  agreed: number;
  excluded: string[];
  record: Round;
  stages: Stage[];
  /** The round's updates with the committee's scores (evaluated tasks). */
  updates: Update[];
}

export interface DemoTrainer {
  address: string;
  attack: Attack | undefined;
  samples: number;
  outcomes: RoundOutcome[];
  /** Every tx this trainer sent (joins and updates), for fee accounting. */
  txHashes: string[];
}

export interface FlDemoResult {
  taskId: bigint;
  rule: "median" | "trust";
  /** ucif each trainer deposited when joining (trust tasks). */
  joinBond: bigint;
  owner: string;
  createTxHash: string;
  backend: BackendName;
  pool: bigint;
  /** Held-out accuracy of the genesis weights. */
  initialAccuracy: number;
  testRows: number;
  rounds: DemoRound[];
  trainers: DemoTrainer[];
  task: Task;
  /** The trainers' local data (trainer i trained on parts[i]) and the held-out rows. */
  datasets: { parts: Dataset[]; test: Dataset };
}

const DEFAULTS = {
  trainers: 4,
  attack: "sign-flip" as Attack,
  rule: "trust" as const,
  rounds: 5,
  roundBlocks: 40n,
  pool: 100_000_000n, // 100 CIF
  epochs: 2,
  seed: 7,
  timeoutMs: 15 * 60_000,
};
const GAS_PRICE = GasPrice.fromString("0.0025ucif");
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ppmPct = (ppm: number) => pct(ppm / 1_000_000);
/** Rows the owner keeps as its evaluation set (trust): each round uses a different half. */
const EVAL_ROWS = 300;
/** What a trainer deposits to join a trust task: 1 CIF, forfeited if it contributes nothing. */
const JOIN_BOND = 1_000_000n;
const short = (cid: string) => `${cid.slice(0, 14)}...${cid.slice(-6)}`;

/**
 * The digits: 20% held out for measuring; with an eval set, EVAL_ROWS more for the owner; the rest
 * shared among the trainers, IID or in label shards.
 */
function digitsSplit(
  trainers: number,
  seed: number,
  o: { evalRows: number; nonIid: boolean },
): { parts: Dataset[]; test: Dataset; evalSet: Dataset | undefined } {
  const { train: pool, test } = holdOut(loadCsvDataset(DIGITS_PATH), 0.2, seed);
  const { train, test: evalSet } =
    o.evalRows > 0 ? holdOut(pool, o.evalRows / pool.count, seed + 1) : { train: pool, test: undefined };
  const parts = o.nonIid ? splitByLabelShards(train, trainers, seed) : splitIid(train, trainers, seed);
  return { parts, test, evalSet };
}

/** The task's model: a 64-32-10 MLP over 8x8 digit images (pixels 0..16). */
function digitsModel(tf: Tf, epochs: number, seed: number) {
  return createMlp(tf, {
    inputs: 64,
    hidden: [32],
    training: { featureScale: 16, classes: 10, epochs, batchSize: 16, learningRate: 0.1 },
    seed,
  });
}

async function signingClients(urls: string[], count: number) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: Array.from({ length: count }, (_, i) => makeCosmoshubPath(i)),
  });
  const addresses = (await wallet.getAccounts()).map((a) => a.address);
  const clients = await Promise.all(
    addresses.map((_, i) =>
      CiferClient.connectWithSigner(urls[i % urls.length]!, wallet, {
        gasPrice: GAS_PRICE,
        broadcastPollIntervalMs: 300,
        broadcastTimeoutMs: 60_000,
      }),
    ),
  );
  return { addresses, clients };
}

/** What a trainer's progress looks like in the demo's log: the steps, not every epoch. */
function describeEvent(name: string, e: TrainerEvent): string | undefined {
  switch (e.phase) {
    case "joined":
      return `${name} joined task ${e.taskId} (height ${e.height})`;
    case "submitted":
      return `${name} round ${e.round}: update ${short(e.update.cid)} from ${e.update.samples} samples${
        e.update.loss !== undefined ? `, local loss ${e.update.loss.toFixed(3)}` : ""
      }`;
    case "missed":
      return `${name} round ${e.round}: missed (${e.reason})`;
    case "ended":
      return `${name}: task ended (${e.reason})`;
    default:
      return undefined;
  }
}

/**
 * Runs the demo to the end of its task and returns what happened. Throws if the task does not
 * finish (a failed round, a stalled chain, the timeout).
 */
export async function runFlDemo(opts: FlDemoOptions): Promise<FlDemoResult> {
  const o = { ...DEFAULTS, ...opts };
  const log = opts.log ?? (() => {});
  if (o.rpcUrls.length === 0) throw new Error("the demo needs at least one validator RPC URL");
  if (o.trainers < 2 || o.trainers + 1 > DEV_ACCOUNT_COUNT)
    throw new Error(`the demo runs 2..${DEV_ACCOUNT_COUNT - 1} trainers (funded dev accounts)`);
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;

  const { tf, backend } = await initTf();
  const trust = o.rule === "trust";
  const nonIid = (o.split ?? (trust ? "non-iid" : "iid")) === "non-iid";
  const { parts, test, evalSet } = digitsSplit(o.trainers, o.seed, {
    evalRows: trust ? EVAL_ROWS : 0,
    nonIid,
  });
  const { spec, weights } = await digitsModel(tf, o.epochs, o.seed);
  const initialAccuracy = await accuracy(tf, spec, weights, test);
  const attack = o.attack === "none" ? undefined : o.attack;
  log(
    `FL demo: digits (${parts.reduce((n, p) => n + p.count, 0)} training rows over ${o.trainers} trainers${nonIid ? " in label shards (non-IID)" : " (IID)"}, ${test.count} held out${evalSet ? `, ${evalSet.count} kept by the owner as its encrypted eval set` : ""}), MLP 64-32-10, TensorFlow.js backend ${backend}`,
  );

  const { addresses, clients } = await signingClients(o.rpcUrls, o.trainers + 1);
  try {
    const [owner, ...trainerAddresses] = addresses as [string, ...string[]];
    const ownerClient = clients[0]!;
    const nodeUrl = o.rpcUrls[0]!;

    const genesisCid = await putBlob(nodeUrl, weights, { signal });
    // The owner's eval set: encrypted, uploaded, its key wrapped for every bonded validator.
    const prepared = evalSet
      ? await prepareEvalSet({
          query: ownerClient.query,
          chainId: await ownerClient.getChainId(),
          owner,
          data: { dataset: evalSet },
        })
      : undefined;
    if (prepared) await putBlob(nodeUrl, prepared.blob, { signal });
    const created = await ownerClient.signAndBroadcast(
      owner,
      [
        msgCreateTask({
          owner,
          modelSpec: JSON.stringify(spec),
          genesisWeightsCid: genesisCid,
          rewardPool: { denom: "ucif", amount: o.pool.toString() },
          rounds: o.rounds,
          roundBlocks: o.roundBlocks,
          minParticipants: o.trainers,
          maxParticipants: o.trainers,
          rule: trust ? Rule.Trust : Rule.Median,
          ruleParams: { f: 0, m: 0, betaPpm: 0 },
          committeeSize: o.rpcUrls.length,
          subgroupSize: 0,
          ...(prepared
            ? {
                payout: Payout.Contribution,
                evalSet: prepared.evalSet,
                joinBond: JOIN_BOND.toString(),
              }
            : {}),
        }),
      ],
      "auto",
      "cifer testnet FL demo",
    );
    if (created.code !== 0) throw new Error(`MsgCreateTask failed: ${created.rawLog}`);
    const taskId = createdTaskId(created);
    if (taskId === undefined) throw new Error("MsgCreateTask succeeded without a task id");
    log(
      `task ${taskId}: ${o.rounds} rounds of ${o.roundBlocks} blocks, rule ${o.rule}, ${formatCif(o.pool.toString())} CIF in escrow, owner ${owner}; genesis weights ${short(genesisCid)}, held-out accuracy ${pct(initialAccuracy)}`,
    );
    if (prepared)
      log(
        `  eval set ${short(prepared.evalSet.cid)}: ${prepared.evalSet.records} records, readable only by ${prepared.evalSet.wraps.length} validators (key wrapped for each); trainers pay by contribution and deposit a ${formatCif(JOIN_BOND.toString())} CIF bond`,
      );

    const trainers: DemoTrainer[] = trainerAddresses.map((address, i) => ({
      address,
      attack: i === o.trainers - 1 ? attack : undefined,
      samples: parts[i]!.count,
      outcomes: [],
      txHashes: [],
    }));
    const runs = trainers.map((t, i) => {
      const name = `trainer${i + 1}${t.attack ? ` (attacker: ${t.attack})` : ""}`;
      log(
        `${name} ${t.address} trains on ${t.samples} rows through ${o.rpcUrls[(i + 1) % o.rpcUrls.length]}`,
      );
      return new FlTrainer({
        client: clients[i + 1]!,
        address: t.address,
        nodeUrl: o.rpcUrls[(i + 1) % o.rpcUrls.length]!,
        taskId,
        data: parts[i]!,
        tf,
        ...(t.attack ? { attack: t.attack } : {}),
        seed: o.seed + i,
        pollIntervalMs: 500,
        signal,
        onProgress: (e) => {
          if (e.phase === "joined") t.txHashes.push(e.txHash);
          if (e.phase === "submitted" && e.txHash) t.txHashes.push(e.txHash);
          const line = describeEvent(name, e);
          if (line) log(line);
        },
      }).run();
    });
    const names = new Map(
      trainers.map((t, i) => [t.address, `trainer${i + 1}${t.attack ? " (attacker)" : ""}`]),
    );
    const rounds = await followRounds(
      ownerClient,
      taskId,
      o.rounds,
      nodeUrl,
      tf,
      spec,
      test,
      signal,
      log,
      names,
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      trainers[i]!.outcomes = r.outcomes;
    });
    const { task } = await ownerClient.query.fl.task(taskId);
    if (task.status !== TaskStatus.Finished)
      throw new Error(`task ${taskId} ended ${TaskStatus[task.status]}, not finished`);
    log(
      `task ${taskId} finished: paid ${formatCif(task.paid)} CIF (trainers and committee), ${formatCif(task.refunded)} CIF back to the owner`,
    );
    const { participants } = prepared
      ? await ownerClient.query.fl.participants(taskId)
      : { participants: [] };
    const contribution = new Map(participants.map((p) => [p.address, p.contributionTotalPpm]));
    for (const [i, t] of trainers.entries()) {
      const reward = t.outcomes.reduce((s, x) => s + x.reward, 0n);
      const c = contribution.get(t.address);
      log(
        `  trainer${i + 1}${t.attack ? " (attacker)" : ""}: ${formatCif(reward.toString())} CIF${
          c === undefined
            ? ""
            : `, contribution ${(Number(c) / 1_000_000).toFixed(2)} over ${o.rounds} rounds, bond ${c === 0n ? "forfeited to the community pool" : "returned"}`
        }`,
      );
    }
    return {
      taskId,
      rule: o.rule,
      joinBond: prepared ? JOIN_BOND : 0n,
      owner,
      createTxHash: created.transactionHash,
      backend,
      pool: o.pool,
      initialAccuracy,
      testRows: test.count,
      rounds,
      trainers,
      task,
      datasets: { parts, test },
    };
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/**
 * Waits for each round to be paid (or the task to end), then measures its global model on the
 * held-out rows. Polls the chain: a round takes tens of blocks, so a poll every 500 ms is plenty.
 */
async function followRounds(
  client: CiferClient,
  taskId: bigint,
  rounds: number,
  nodeUrl: string,
  tf: Tf,
  spec: ModelSpec,
  test: Dataset,
  signal: AbortSignal,
  log: (line: string) => void,
  names: ReadonlyMap<string, string>,
): Promise<DemoRound[]> {
  const out: DemoRound[] = [];
  let next = 1;
  while (next <= rounds) {
    signal.throwIfAborted();
    const { task } = await client.query.fl.task(taskId);
    if (task.currentRound >= next || task.status !== TaskStatus.Running) {
      const { round, stages } = await client.query.fl.round(taskId, next).catch(() => ({
        round: undefined,
        stages: [] as Stage[],
      }));
      const ended = task.status !== TaskStatus.Running && task.status !== TaskStatus.Open;
      if (round && round.status === RoundStatus.Paid) {
        const bytes = await getBlob(nodeUrl, round.aggregateCid, { signal });
        const acc = await accuracy(tf, spec, bytes, test);
        const last = stages[stages.length - 1]!;
        const updates = (await client.query.fl.updates(taskId, next)).updates;
        const r: DemoRound = {
          round: next,
          status: round.status,
          globalCid: round.aggregateCid,
          accuracy: acc,
          committee: last.committee.length,
          agreed: last.agreed.length,
          excluded: stages.flatMap((s) => s.excluded),
          record: round,
          stages,
          updates,
        };
        out.push(r);
        if (round.evaluated) {
          log(
            `round ${next}: the committee's evaluation (medians of the revealed scores): global model before the round ${ppmPct(round.globalAccuracyPpm)} on the round's test split`,
          );
          for (const u of updates)
            log(
              `  ${names.get(u.participant) ?? u.participant}: trust ${ppmPct(u.trustPpm)}, accuracy ${ppmPct(u.accuracyPpm)}, contribution ${ppmPct(u.contributionPpm)}`,
            );
        }
        log(
          `round ${next}: ${round.updateCount} updates, committee ${r.agreed}/${r.committee} agreed on ${short(r.globalCid)}${
            r.excluded.length > 0 ? `, excluded ${r.excluded.length}` : ""
          }, paid ${formatCif(round.paidTrainers)} CIF to trainers and ${formatCif(round.paidCommittee)} CIF to the committee; held-out accuracy ${pct(acc)}`,
        );
        next++;
        continue;
      }
      if (ended || (round && (round.status === RoundStatus.Failed || round.status === RoundStatus.Cancelled)))
        throw new Error(
          `task ${taskId} round ${next} did not complete: task ${TaskStatus[task.status]}, round ${
            round ? RoundStatus[round.status] : "never started"
          }`,
        );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return out;
}
