/** `cifer fl status --task ID`: a task's summary, a table of its rounds, and its participants. */
import type { Command } from "commander";
import type { Participant, Round, Stage, Task } from "../../../modules/fl/proto.ts";
import type { CiferClient } from "../../cifer-client.ts";
import {
  PARTICIPANT_HEADERS,
  participantRow,
  ROUND_HEADERS,
  roundJson,
  roundRow,
  roundsDone,
  taskFields,
  taskJson,
} from "../fl-format.ts";
import { parseTaskIdArg } from "../fl-options.ts";
import { printFields, printTable } from "../io.ts";
import { nodeOption, outputOf, outputOption, parseNodeUrl, withClient, withExamples } from "../options.ts";
import { allPages, emit } from "../query-common.ts";

export interface TaskReport {
  task: Task;
  rounds: Array<{ round: Round; stages: Stage[] }>;
  participants: Participant[];
}

/** Everything `fl status` shows: the task, each round it reached (at most its `rounds`), participants. */
export async function taskReport(client: CiferClient, taskId: bigint): Promise<TaskReport> {
  const { task } = await client.query.fl.task(taskId);
  const rounds: TaskReport["rounds"] = [];
  for (let n = 1; n <= Math.min(task.currentRound, task.rounds); n++)
    rounds.push(await client.query.fl.round(taskId, n));
  const participants = await allPages(async (key) => {
    const r = await client.query.fl.participants(taskId, key);
    return { items: r.participants, nextKey: r.pagination?.nextKey };
  });
  return { task, rounds, participants };
}

export function registerFlStatusCommand(fl: Command): void {
  const status = fl
    .command("status")
    .description(
      "a task at a glance: owner, status, rule, rounds done, escrow left, participants, and per round its status, updates, committee agreement, global model and payout",
    )
    .addOption(nodeOption())
    .addOption(outputOption())
    .requiredOption("--task <id>", "task id");
  withExamples(status, ["cifer fl status --task 1", "cifer fl status --task 1 -o json"]);
  status.action(async (opts: { task: string; node: string; output?: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => taskReport(c, taskId));
    const done = roundsDone(r.rounds.map((x) => x.round));
    emit(
      format,
      () => ({
        task: taskJson(r.task),
        roundsDone: done,
        rounds: r.rounds.map((x) => roundJson(x.round, x.stages)),
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
        process.stdout.write("\n");
        if (r.participants.length === 0) process.stdout.write("no participants yet\n");
        else printTable(PARTICIPANT_HEADERS, r.participants.map(participantRow));
      },
    );
  });
}
