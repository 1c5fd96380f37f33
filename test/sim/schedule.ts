import type { TimeoutConfig } from "../../chain/consensus/engine/types.ts";
import { Prng } from "./prng.ts";

/** What a byzantine validator does (several may combine). */
export type Behaviour =
  | "equivocate-proposal"
  | "double-vote"
  | "adaptive-votes"
  | "silent"
  | "bad-signature"
  | "replay";
export const BEHAVIOURS: readonly Behaviour[] = [
  "equivocate-proposal",
  "double-vote",
  "adaptive-votes",
  "silent",
  "bad-signature",
  "replay",
];

export interface Partition {
  start: number;
  end: number;
  /** Node ids on each side; messages between sides are dropped while the partition lasts. */
  groups: number[][];
}

export interface NetworkConfig {
  lossPermille: number;
  dupPermille: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Before liveFrom (asynchrony before GST): this share of messages is late, up to slowMaxMs. */
  slowPermille: number;
  slowMaxMs: number;
  partitions: Partition[];
}

export interface CrashSpec {
  node: number;
  at: number;
  /** abrupt: between two events; after-wal-vote: right after the WAL write of its next vote, before sending. */
  mode: "abrupt" | "after-wal-vote";
  restartAfterMs: number;
}

/** The app asks, while executing `height`, for `node`'s power to become `power` (from height + 2). */
export interface PowerChange {
  height: bigint;
  node: number;
  power: bigint;
}

export interface Schedule {
  seed: number;
  powers: bigint[];
  /** Validator-set changes, as staking makes them at epoch boundaries; ascending by height. */
  powerChanges: PowerChange[];
  /** Behaviours of each byzantine validator, by node id (honest ones absent). */
  byzantine: Map<number, Behaviour[]>;
  /** A non-validator node that forges messages. */
  intruder: boolean;
  network: NetworkConfig;
  crashes: CrashSpec[];
  /** From here on the network is healed, crashed nodes are back and byzantine nodes fall silent. */
  liveFrom: number;
  /** Every honest node must commit `targetHeights` new heights within this much simulated time. */
  livenessBoundMs: number;
  targetHeights: number;
  timeouts: TimeoutConfig;
}

export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeMs: 300,
  proposeDeltaMs: 100,
  prevoteMs: 150,
  prevoteDeltaMs: 100,
  precommitMs: 150,
  precommitDeltaMs: 100,
  commitMs: 400,
  gossipMs: 250,
};

/** The largest faulty power: faulty * 3 < total. */
const tolerable = (faulty: bigint, total: bigint) => faulty * 3n < total;

/** A random schedule, entirely determined by `seed`. */
export function scheduleFromSeed(seed: number): Schedule {
  const rng = new Prng(seed);
  const n = rng.range(4, 7);
  const equal = rng.chance(500);
  const powers = Array.from({ length: n }, () => (equal ? 10n : BigInt(rng.range(1, 10))));
  const total = powers.reduce((a, b) => a + b, 0n);

  // Byzantine validators: a random set whose power stays under 1/3.
  const byzantine = new Map<number, Behaviour[]>();
  let faulty = 0n;
  const wantByz = rng.range(0, 2);
  for (const id of rng.shuffle([...powers.keys()])) {
    if (byzantine.size >= wantByz) break;
    if (!tolerable(faulty + powers[id]!, total)) continue;
    faulty += powers[id]!;
    const behaviours = rng.shuffle(BEHAVIOURS).slice(0, rng.range(1, 3));
    byzantine.set(id, behaviours.includes("silent") ? ["silent"] : behaviours);
  }

  const minDelayMs = rng.range(1, 10);
  const network: NetworkConfig = {
    lossPermille: rng.pick([0, 0, 20, 50, 100]),
    dupPermille: rng.pick([0, 20, 50]),
    minDelayMs,
    maxDelayMs: minDelayMs + rng.range(5, 60),
    slowPermille: rng.pick([0, 50, 150, 300]),
    slowMaxMs: rng.range(200, 1500),
    partitions: [],
  };
  const honest = [...powers.keys()].filter((id) => !byzantine.has(id));
  for (let i = rng.range(0, 2); i > 0; i--) {
    const start = rng.range(0, 1200);
    const shuffled = rng.shuffle([...powers.keys()]);
    const cut = rng.range(1, n - 1);
    network.partitions.push({
      start,
      end: start + rng.range(200, 1200),
      groups: [shuffled.slice(0, cut), shuffled.slice(cut)],
    });
  }

  // An honest validator may crash and restart when the faulty power allows it.
  const crashes: CrashSpec[] = [];
  if (rng.chance(300)) {
    const id = rng.pick(honest);
    if (tolerable(faulty + powers[id]!, total)) {
      crashes.push({
        node: id,
        at: rng.range(100, 1000),
        mode: rng.chance(500) ? "after-wal-vote" : "abrupt",
        restartAfterMs: rng.range(200, 800),
      });
    }
  }

  let liveFrom = 600;
  for (const p of network.partitions) liveFrom = Math.max(liveFrom, p.end);
  for (const c of crashes) liveFrom = Math.max(liveFrom, c.at + c.restartAfterMs + 1000);
  const intruder = rng.chance(400);

  // Validator-set changes only raise (and lower back) the power of validators that never fail, so
  // the faulty power stays under 1/3 of every height's set.
  const powerChanges: PowerChange[] = [];
  const steady = honest.filter((id) => !crashes.some((c) => c.node === id));
  if (steady.length > 0 && rng.chance(300)) {
    let height = BigInt(rng.range(1, 3));
    for (let i = rng.range(1, 3); i > 0; i--, height += BigInt(rng.range(1, 3))) {
      const node = rng.pick(steady);
      const last = powerChanges.findLast((c) => c.node === node);
      const raised = last !== undefined && last.power !== powers[node];
      powerChanges.push({
        height,
        node,
        power: raised ? powers[node]! : powers[node]! + BigInt(rng.range(1, 20)),
      });
    }
  }
  return {
    seed,
    powers,
    powerChanges,
    byzantine,
    intruder,
    network,
    crashes,
    liveFrom,
    livenessBoundMs: 30_000,
    targetHeights: 2,
    timeouts: SIM_TIMEOUTS,
  };
}

export function describeSchedule(s: Schedule): string {
  const byz = [...s.byzantine].map(([id, b]) => `n${id}:${b.join("+")}`).join(" ") || "none";
  const parts = s.network.partitions
    .map((p) => `${p.start}-${p.end}ms ${JSON.stringify(p.groups)}`)
    .join(", ");
  const crashes = s.crashes
    .map((c) => `n${c.node} ${c.mode} at ${c.at}ms for ${c.restartAfterMs}ms`)
    .join(", ");
  const changes = s.powerChanges.map((c) => `n${c.node}=${c.power} at ${c.height}`).join(", ");
  return [
    `seed ${s.seed}: ${s.powers.length} validators, powers [${s.powers.join(", ")}]`,
    `byzantine ${byz}${s.intruder ? ", plus a non-validator intruder" : ""}`,
    `loss ${s.network.lossPermille}‰ dup ${s.network.dupPermille}‰ delay ${s.network.minDelayMs}-${s.network.maxDelayMs}ms, ` +
      `${s.network.slowPermille}‰ late by up to ${s.network.slowMaxMs}ms before GST`,
    `partitions ${parts || "none"}; crashes ${crashes || "none"}; live from ${s.liveFrom}ms`,
    `validator power changes ${changes || "none"}`,
  ].join("\n  ");
}
