/** `cifer fl create-task | join | cancel`: a model owner's and a trainer's transactions. */
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { type Command, Option } from "commander";
import { cidOf } from "../../../chain/blobs/cid.ts";
import { flParamsFromWire } from "../../../modules/fl/params.ts";
import { TaskStatus } from "../../../modules/fl/proto.ts";
import { checkCreateTask } from "../../../modules/fl/task-spec.ts";
import { BASE_DENOM, formatCoin } from "../../amounts.ts";
import type { CiferClient } from "../../cifer-client.ts";
import { putBlob } from "../../fl/blobs.ts";
import { createdTaskId, msgCancelTask, msgCreateTask, msgJoinTask } from "../../fl/msgs.ts";
import { CliError, UsageError } from "../errors.ts";
import { ruleText, taskStatusName } from "../fl-format.ts";
import {
  parseCountArg,
  parseRuleArg,
  parseRuleParamsArgs,
  parseTaskIdArg,
  readModelArgs,
} from "../fl-options.ts";
import { formatTokens } from "../format.ts";
import { parseBondAmountArg, parseIntArg, withExamples } from "../options.ts";
import { allPages } from "../query-common.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";

type CreateTaskFlags = TxFlags & {
  model?: string;
  modelSpec?: string;
  weights?: string;
  reward: string;
  rounds: string;
  roundBlocks: string;
  minParticipants: string;
  maxParticipants: string;
  rule: string;
  f?: string;
  m?: string;
  beta?: string;
  committeeSize: string;
  subgroupSize: string;
};

const taskOption = () =>
  new Option("--task <id>", "task id (see 'cifer query fl tasks')").makeOptionMandatory();

/** An event attribute of a delivered tx, e.g. fl_task_cancelled.refunded. */
function eventAttr(res: DeliverTxResponse, type: string, key: string): string | undefined {
  return res.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
}

/** The task if it is open or running; a clear error otherwise. */
async function liveTask(client: CiferClient, id: bigint) {
  const { task } = await client.query.fl.task(id);
  if (task.status !== TaskStatus.Open && task.status !== TaskStatus.Running)
    throw new CliError(`task ${id} has ended (${taskStatusName(task.status)})`);
  return task;
}

export function registerFlTaskCommands(fl: Command): void {
  // ----- create-task ------------------------------------------------------------------------------

  const create = fl
    .command("create-task")
    .description(
      "open a federated-learning task: uploads the genesis weights to the node's blob store, escrows the reward pool, and prints the task id",
    )
    .option("--model <dir>", "directory written by 'cifer fl init-model' (model.json and weights.bin)")
    .option("--model-spec <file>", "TensorFlow.js model JSON without weights (instead of --model)")
    .option(
      "--weights <file>",
      "initial weights: float32 little-endian in weightSpecs order (with --model-spec)",
    )
    .addOption(
      new Option(
        "--reward <amount>",
        "reward pool, paid to trainers and committees: 100CIF or 100000000ucif",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("--rounds <n>", "training rounds").makeOptionMandatory())
    .addOption(
      new Option("--round-blocks <n>", "blocks each round collects updates for").makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--min-participants <n>",
        "participants needed to start, and updates needed per round",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("--max-participants <n>", "most participants that may join").makeOptionMandatory())
    .addOption(
      new Option(
        "--rule <rule>",
        "aggregation rule: median, fedavg, trimmed_mean, krum, multikrum or bulyan",
      ).makeOptionMandatory(),
    )
    .option("--f <n>", "byzantine updates tolerated (krum, multikrum, bulyan)")
    .option("--m <n>", "multikrum: how many of the best-scored updates are averaged")
    .option("--beta <fraction>", "trimmed_mean: the fraction cut at each end, below 0.5, e.g. 0.2")
    .addOption(
      new Option("--committee-size <n>", "validators aggregating each subgroup").makeOptionMandatory(),
    )
    .addOption(new Option("--subgroup-size <n>", "updaters per subgroup, 0 = one group").default("0"));
  withTxOptions(create, { from: true });
  withExamples(create, [
    "cifer fl create-task --model ./digits-model --reward 100CIF --rounds 5 --round-blocks 30 --min-participants 3 --max-participants 10 --rule median --committee-size 3 --from owner",
    "cifer fl create-task --model-spec model.json --weights weights.bin --reward 50CIF --rounds 3 --round-blocks 60 --min-participants 5 --max-participants 20 --rule krum --f 1 --committee-size 4 --from owner --yes",
    "cifer fl create-task --model ./m --reward 10CIF --rounds 2 --round-blocks 20 --min-participants 4 --max-participants 8 --rule trimmed_mean --beta 0.2 --committee-size 3 --from owner",
  ]);
  create.action(async (opts: CreateTaskFlags) => {
    const model = readModelArgs(opts);
    const reward = parseBondAmountArg(opts.reward, "--reward");
    const rounds = parseCountArg(opts.rounds, "--rounds");
    const roundBlocks = BigInt(parseIntArg(opts.roundBlocks, "--round-blocks", 1, Number.MAX_SAFE_INTEGER));
    const minParticipants = parseCountArg(opts.minParticipants, "--min-participants");
    const maxParticipants = parseCountArg(opts.maxParticipants, "--max-participants");
    if (maxParticipants < minParticipants)
      throw new UsageError(
        `--max-participants ${maxParticipants} is below --min-participants ${minParticipants}`,
      );
    const committeeSize = parseCountArg(opts.committeeSize, "--committee-size");
    const subgroupSize = parseCountArg(opts.subgroupSize, "--subgroup-size", 0);
    if (subgroupSize !== 0 && subgroupSize < minParticipants)
      throw new UsageError(
        `--subgroup-size ${subgroupSize} is below --min-participants ${minParticipants} (0 = one group)`,
      );
    const rule = parseRuleArg(opts.rule);
    const ruleParams = parseRuleParamsArgs(rule, opts, minParticipants);
    const prepared = prepareTx(opts, opts.from!);
    const genesisWeightsCid = cidOf(model.weights);
    const fields = {
      owner: prepared.key.address,
      modelSpec: model.specText,
      genesisWeightsCid,
      rewardPool: reward,
      rounds,
      roundBlocks,
      minParticipants,
      maxParticipants,
      rule,
      ruleParams,
      committeeSize,
      subgroupSize,
    };
    await sendTx(
      prepared,
      opts,
      async (client) => {
        // The chain's own checks against its current params, before anything is paid or uploaded.
        try {
          checkCreateTask(fields, flParamsFromWire(await client.query.fl.params()), BASE_DENOM);
        } catch (e) {
          throw new CliError(`the chain would refuse this task: ${(e as Error).message}`);
        }
        return {
          messages: [msgCreateTask(fields)],
          summary: [
            ["model", `${model.paramCount} float32 parameters, ${model.specText.length} bytes of spec`],
            ["genesis weights", `${genesisWeightsCid} (uploaded to ${prepared.url} once confirmed)`],
            ["reward pool", formatCoin(reward)],
            ["rounds", `${rounds} of ${roundBlocks} blocks`],
            ["participants", `${minParticipants} to ${maxParticipants}`],
            ["rule", ruleText(rule, ruleParams)],
            [
              "committee",
              `${committeeSize} validators${subgroupSize ? `, subgroups of ${subgroupSize}` : ""}`,
            ],
          ],
          beforeSign: async () => {
            await putBlob(prepared.url, model.weights);
          },
        };
      },
      (res) => ({ task_id: createdTaskId(res)?.toString(), genesis_weights_cid: genesisWeightsCid }),
    );
  });

  // ----- join -------------------------------------------------------------------------------------

  const join = fl
    .command("join")
    .description("join a task as a trainer (then run 'cifer fl train'; train also joins by itself)")
    .addOption(taskOption());
  withTxOptions(join, { from: true });
  withExamples(join, [
    "cifer fl join --task 1 --from trainer1",
    "cifer fl join --task 1 --from trainer1 --yes -o json",
  ]);
  join.action(async (opts: TxFlags & { task: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, async (client) => {
      const task = await liveTask(client, taskId);
      const participants = await allPages(async (key) => {
        const r = await client.query.fl.participants(taskId, key);
        return { items: r.participants, nextKey: r.pagination?.nextKey };
      });
      if (participants.some((p) => p.address === prepared.key.address))
        throw new CliError(`${prepared.key.name} (${prepared.key.address}) already joined task ${taskId}`);
      if (task.participantCount >= task.maxParticipants)
        throw new CliError(`task ${taskId} is full (${task.maxParticipants} participants)`);
      return {
        messages: [msgJoinTask(prepared.key.address, taskId)],
        summary: [
          ["task", `${taskId} (${taskStatusName(task.status)}, ${ruleText(task.rule, task.ruleParams)})`],
          [
            "participants",
            `${task.participantCount} of ${task.maxParticipants} (${task.minParticipants} to start)`,
          ],
        ],
      };
    });
  });

  // ----- cancel -----------------------------------------------------------------------------------

  const cancel = fl
    .command("cancel")
    .description("cancel your task: the current round is abandoned and the escrow left returns to you")
    .addOption(taskOption());
  withTxOptions(cancel, { from: true });
  withExamples(cancel, ["cifer fl cancel --task 1 --from owner"]);
  cancel.action(async (opts: TxFlags & { task: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const task = await liveTask(client, taskId);
        if (task.owner !== prepared.key.address)
          throw new CliError(
            `${prepared.key.name} (${prepared.key.address}) is not the owner of task ${taskId} (${task.owner} is)`,
          );
        return {
          messages: [msgCancelTask(prepared.key.address, taskId)],
          summary: [
            ["task", `${taskId} (${taskStatusName(task.status)}, round ${task.currentRound}/${task.rounds})`],
            ["refund", formatTokens(task.escrow)],
          ],
        };
      },
      (res) => ({ refunded: `${eventAttr(res, "fl_task_cancelled", "refunded") ?? "?"}ucif` }),
    );
  });
}
