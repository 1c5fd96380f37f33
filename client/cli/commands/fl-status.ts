/**
 * `cifer fl status --task ID [--round N]`: a task's summary, a table of its rounds, one round's
 * updates (the current round by default: scores, acceptance, rewards) and the participants.
 */
import type { Command } from "commander";
import { splitRound } from "../../../modules/fl/rewards.ts";
import {
  type Participant,
  Payout,
  type Round,
  RoundStatus,
  type Stage,
  type Task,
  type Update,
} from "../../../modules/fl/proto.ts";
import type { CiferClient } from "../../cifer-client.ts";
import { CliError } from "../errors.ts";
import {
  isExcluded,
  PARTICIPANT_HEADERS,
  participantRow,
  ROUND_HEADERS,
  ROUND_UPDATE_HEADERS,
  roundJson,
  roundRow,
  roundsDone,
  roundUpdateRow,
  taskFields,
  taskJson,
} from "../fl-format.ts";
import { parseRoundArg, parseTaskIdArg } from "../fl-options.ts";
import { printFields, printTable } from "../io.ts";
import { nodeOption, outputOf, outputOption, parseNodeUrl, withClient, withExamples } from "../options.ts";
import { allPages, emit } from "../query-common.ts";

/** One round in detail: its updates and, once it is paid, what each trainer earned in it. */
export interface RoundDetail {
  round: number;
  updates: Update[];
  /** By participant; undefined until the round is paid. */
  rewards: Map<string, bigint> | undefined;
}

export interface TaskReport {
  task: Task;
  rounds: Array<{ round: Round; stages: Stage[] }>;
  participants: Participant[];
  detail: RoundDetail | undefined;
}

/**
 * What a paid round paid each trainer, recomputed with the chain's own split (modules/fl/rewards.ts)
 * from the accepted updates, weighted as the task pays (samples or contribution). The chain keeps
 * only each participant's running total, so this is how a round's share is seen; undefined when the
 * recomputed total is not what the round records as paid (the fee share changed since, say).
 */
export function roundRewards(
  task: Task,
  round: Round,
  stages: readonly Stage[],
  updates: readonly Update[],
  committeeFeePpm: number,
): Map<string, bigint> | undefined {
  if (round.status !== RoundStatus.Paid) return undefined;
  const byContribution = task.payout === Payout.Contribution;
  const trainers = updates
    .filter((u) => !isExcluded(u, stages))
    .map((u) => ({ address: u.participant, weight: byContribution ? BigInt(u.contributionPpm) : u.samples }));
  const split = splitRound(
    BigInt(round.budget || "0"),
    committeeFeePpm,
    stages.flatMap((s) => s.agreed),
    trainers,
  );
  const paid = split.trainers.reduce((n, p) => n + p.amount, 0n);
  if (paid !== BigInt(round.paidTrainers || "0")) return undefined;
  return new Map(
    trainers.map((t) => [t.address, split.trainers.find((p) => p.address === t.address)?.amount ?? 0n]),
  );
}

/**
 * Everything `fl status` shows: the task, each round it reached (at most its `rounds`),
 * participants, and round `detailRound` (by default the current one) in detail.
 */
export async function taskReport(
  client: CiferClient,
  taskId: bigint,
  detailRound?: number,
): Promise<TaskReport> {
  const { task } = await client.query.fl.task(taskId);
  const reached = Math.min(task.currentRound, task.rounds);
  if (detailRound !== undefined && detailRound > reached)
    throw new CliError(
      `task ${taskId} has ${reached === 0 ? "no rounds yet" : `reached round ${reached}`}; --round ${detailRound} is not there`,
    );
  const rounds: TaskReport["rounds"] = [];
  for (let n = 1; n <= reached; n++) rounds.push(await client.query.fl.round(taskId, n));
  const participants = await allPages(async (key) => {
    const r = await client.query.fl.participants(taskId, key);
    return { items: r.participants, nextKey: r.pagination?.nextKey };
  });
  const n = detailRound ?? reached;
  let detail: RoundDetail | undefined;
  if (n > 0) {
    const updates = await allPages(async (key) => {
      const r = await client.query.fl.updates(taskId, n, key);
      return { items: r.updates, nextKey: r.pagination?.nextKey };
    });
    const { round, stages } = rounds[n - 1]!;
    const rewards =
      round.status === RoundStatus.Paid
        ? roundRewards(task, round, stages, updates, (await client.query.fl.params()).committeeFeePpm)
        : undefined;
    detail = { round: n, updates, rewards };
  }
  return { task, rounds, participants, detail };
}

export function registerFlStatusCommand(fl: Command): void {
  const status = fl
    .command("status")
    .description(
      "a task at a glance: owner, status, rule, payout, eval set, join bond, rounds done, escrow left, participants; per round its status, updates, committee agreement, global accuracy, global model and payout; and one round's updates with their trust, accuracy and contribution scores and rewards",
    )
    .addOption(nodeOption())
    .addOption(outputOption())
    .requiredOption("--task <id>", "task id")
    .option("--round <n>", "the round whose updates are listed (default: the current round)");
  withExamples(status, [
    "cifer fl status --task 1",
    "cifer fl status --task 1 --round 2",
    "cifer fl status --task 1 -o json",
  ]);
  status.action(async (opts: { task: string; round?: string; node: string; output?: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const detailRound = opts.round !== undefined ? parseRoundArg(opts.round, "--round") : undefined;
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => taskReport(c, taskId, detailRound));
    const done = roundsDone(r.rounds.map((x) => x.round));
    const d = r.detail;
    const stagesOf = (n: number) => r.rounds[n - 1]?.stages ?? [];
    emit(
      format,
      () => ({
        task: taskJson(r.task),
        roundsDone: done,
        rounds: r.rounds.map((x) => roundJson(x.round, x.stages)),
        ...(d
          ? {
              roundUpdates: {
                round: d.round,
                updates: d.updates.map((u) => ({
                  ...u,
                  accepted: !isExcluded(u, stagesOf(d.round)),
                  reward: d.rewards?.get(u.participant)?.toString(),
                })),
              },
            }
          : {}),
        participants: r.participants,
      }),
      () => {
        printFields(taskFields(r.task, done));
        process.stdout.write("\n");
        if (r.rounds.length === 0)
          process.stdout.write(
            `no rounds yet: round 1 starts when ${r.task.minParticipants} participants have joined\n`,
          );
        else
          printTable(
            ROUND_HEADERS,
            r.rounds.map((x) => roundRow(x.round, x.stages)),
          );
        if (d) {
          process.stdout.write(`\nround ${d.round} updates:\n`);
          if (d.updates.length === 0) process.stdout.write("no updates yet\n");
          else
            printTable(
              ROUND_UPDATE_HEADERS,
              d.updates.map((u) =>
                roundUpdateRow(
                  u,
                  stagesOf(d.round),
                  d.rewards ? (d.rewards.get(u.participant) ?? 0n) : undefined,
                ),
              ),
            );
        }
        process.stdout.write("\n");
        if (r.participants.length === 0) process.stdout.write("no participants yet\n");
        else printTable(PARTICIPANT_HEADERS, r.participants.map(participantRow));
      },
    );
  });
}
