/** `cifer query fl ...`: the cifer.fl.v1 queries (tasks, rounds, updates, participants, params). */
import type { Command } from "commander";
import { TASK_STATUS_NAMES, TaskStatus } from "../../../modules/fl/proto.ts";
import { UsageError } from "../errors.ts";
import {
  fractionOfPpm,
  PARTICIPANT_HEADERS,
  participantRow,
  percentOfPpm,
  roundJson,
  roundStatusName,
  stageLines,
  TASK_HEADERS,
  taskFields,
  taskJson,
  taskRow,
  UPDATE_HEADERS,
  updateRow,
} from "../fl-format.ts";
import { parseRoundArg, parseTaskIdArg } from "../fl-options.ts";
import { formatTokens } from "../format.ts";
import { printFields, printTable } from "../io.ts";
import { outputOf, parseNodeUrl, withClient, withExamples } from "../options.ts";
import { allPages, emit, type QueryFlags, withQueryOptions } from "../query-common.ts";

/** --status open|running|finished|failed|cancelled. */
function parseTaskStatusArg(value: string | undefined): TaskStatus {
  if (value === undefined) return TaskStatus.Unspecified;
  const entry = Object.entries(TASK_STATUS_NAMES).find(
    ([s, name]) => Number(s) !== TaskStatus.Unspecified && name === value.trim().toLowerCase(),
  );
  if (!entry)
    throw new UsageError(
      `invalid --status ${JSON.stringify(value)}: expected one of ${Object.values(TASK_STATUS_NAMES).slice(1).join(", ")}`,
    );
  return Number(entry[0]) as TaskStatus;
}

const TASK_ARG = "task id (a positive integer)";

export function registerFlQueryCommands(query: Command): void {
  const fl = query
    .command("fl")
    .description("federated-learning queries: tasks, rounds, updates, participants, params");
  withExamples(fl, ["cifer query fl tasks", "cifer query fl task 1", "cifer query fl round 1 1"]);

  const task = fl.command("task").description("one task and its settings").argument("<task-id>", TASK_ARG);
  withQueryOptions(task);
  withExamples(task, ["cifer query fl task 1", "cifer query fl task 1 -o json"]);
  task.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseTaskIdArg(idArg, "task id");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => c.query.fl.task(id));
    emit(
      format,
      () => ({ task: taskJson(r.task), modelSpec: r.modelSpec }),
      () => printFields({ ...taskFields(r.task), model_spec: `${r.modelSpec.length} bytes` }),
    );
  });

  const tasks = fl
    .command("tasks")
    .description("every task, or those of one status")
    .option("--status <status>", "open, running, finished, failed or cancelled");
  withQueryOptions(tasks);
  withExamples(tasks, ["cifer query fl tasks", "cifer query fl tasks --status running -o json"]);
  tasks.action(async (opts: QueryFlags & { status?: string }) => {
    const status = parseTaskStatusArg(opts.status);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.fl.tasks(status, key);
        return { items: r.tasks, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ tasks: all.map(taskJson) }),
      () => {
        if (all.length === 0) return void process.stdout.write("no tasks\n");
        printTable(TASK_HEADERS, all.map(taskRow));
      },
    );
  });

  const round = fl
    .command("round")
    .description(
      "one round: status, deadlines, budget and payout, global accuracy, and each stage's committee, score commitments, reveals, evaluation and reports",
    )
    .argument("<task-id>", TASK_ARG)
    .argument("<round>", "round number (from 1)");
  withQueryOptions(round);
  withExamples(round, ["cifer query fl round 1 1", "cifer query fl round 1 2 -o json"]);
  round.action(async (idArg: string, roundArg: string, opts: QueryFlags) => {
    const id = parseTaskIdArg(idArg, "task id");
    const n = parseRoundArg(roundArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => c.query.fl.round(id, n));
    emit(
      format,
      () => ({ round: roundJson(r.round, r.stages) }),
      () => {
        const x = r.round;
        printFields({
          task: x.taskId.toString(),
          round: String(x.round),
          status: roundStatusName(x.status),
          start_height: x.startHeight.toString(),
          deadline: x.deadline.toString(),
          extensions: String(x.extensions),
          updates: String(x.updateCount),
          samples: x.totalSamples.toString(),
          subgroups: String(x.subgroupCount),
          global_model: x.aggregateCid || "-",
          global_accuracy: x.evaluated ? percentOfPpm(x.globalAccuracyPpm) : undefined,
          eval_seed: x.evalSeed.length > 0 ? Buffer.from(x.evalSeed).toString("hex") : undefined,
          final_height: x.finalHeight > 0n ? x.finalHeight.toString() : undefined,
          dispute_end: x.disputeEnd > 0n ? x.disputeEnd.toString() : undefined,
          budget: formatTokens(x.budget || "0"),
          paid_trainers: formatTokens(x.paidTrainers || "0"),
          paid_committee: formatTokens(x.paidCommittee || "0"),
        });
        for (const s of r.stages) for (const line of stageLines(s)) process.stdout.write(`${line}\n`);
      },
    );
  });

  const updates = fl
    .command("updates")
    .description(
      "the updates trainers submitted in a round, with the committee's trust, accuracy and contribution scores once evaluated",
    )
    .argument("<task-id>", TASK_ARG)
    .argument("<round>", "round number (from 1)");
  withQueryOptions(updates);
  withExamples(updates, ["cifer query fl updates 1 1", "cifer query fl updates 1 1 -o json"]);
  updates.action(async (idArg: string, roundArg: string, opts: QueryFlags) => {
    const id = parseTaskIdArg(idArg, "task id");
    const n = parseRoundArg(roundArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.fl.updates(id, n, key);
        return { items: r.updates, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ updates: all }),
      () => {
        if (all.length === 0) return void process.stdout.write("no updates\n");
        printTable(UPDATE_HEADERS, all.map(updateRow));
      },
    );
  });

  const participants = fl
    .command("participants")
    .description("the trainers of a task: when they joined, their updates and what they earned")
    .argument("<task-id>", TASK_ARG);
  withQueryOptions(participants);
  withExamples(participants, ["cifer query fl participants 1", "cifer query fl participants 1 -o json"]);
  participants.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseTaskIdArg(idArg, "task id");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.fl.participants(id, key);
        return { items: r.participants, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ participants: all }),
      () => {
        if (all.length === 0) return void process.stdout.write("no participants\n");
        printTable(PARTICIPANT_HEADERS, all.map(participantRow));
      },
    );
  });

  const params = fl.command("params").description("the fl module's parameters (limits, windows, fees)");
  withQueryOptions(params);
  withExamples(params, ["cifer query fl params", "cifer query fl params -o json"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const p = await withClient(url, (c) => c.query.fl.params());
    emit(
      format,
      () => ({ params: p }),
      () =>
        printFields({
          max_model_spec_bytes: p.maxModelSpecBytes.toString(),
          max_param_count: p.maxParamCount.toString(),
          max_participants: String(p.maxParticipants),
          max_rounds: String(p.maxRounds),
          round_blocks: `${p.minRoundBlocks} to ${p.maxRoundBlocks}`,
          max_committee_size: String(p.maxCommitteeSize),
          max_subgroups: String(p.maxSubgroups),
          max_samples: p.maxSamples.toString(),
          aggregate_blocks: p.aggregateBlocks.toString(),
          max_extensions: String(p.maxExtensions),
          max_attempts: String(p.maxAttempts),
          dispute_blocks: p.disputeBlocks.toString(),
          dispute_deposit: formatTokens(p.disputeDeposit || "0"),
          slash_fraction: `${p.slashFractionPpm / 10_000}% (${p.slashFractionPpm} ppm)`,
          committee_fee: `${p.committeeFeePpm / 10_000}% (${p.committeeFeePpm} ppm)`,
          commit_blocks: p.commitBlocks.toString(),
          reveal_blocks: p.revealBlocks.toString(),
          score_tolerance: `${fractionOfPpm(p.scoreTolerancePpm)} (${p.scoreTolerancePpm} ppm)`,
          max_key_wraps: String(p.maxKeyWraps),
          publish_blocks: p.publishBlocks.toString(),
        }),
    );
  });
}
